#include "hearth/net/local_client.hpp"

#include <cstddef>
#include <utility>

#include <boost/asio/post.hpp>

#include "hearth/mqtt/codec.hpp"
#include "hearth/mqtt/errors.hpp"
#include "hearth/mqtt/publish_check.hpp"
#include "hearth/mqtt/topic.hpp"
#include "hearth/mqtt/utf8.hpp"

namespace hearth {

namespace {

// The checks decode_subscribe() applies to a filter, and its syntax.
bool is_valid_filter(std::string_view filter) {
  return filter.size() <= 65535 && mqtt::is_valid_mqtt_utf8(filter) && mqtt::is_valid_topic_filter(filter) &&
         mqtt::topic_levels(filter) <= mqtt::max_topic_levels;
}

}  // namespace

local_client::local_client(net::io_context& ioc, mqtt::broker& broker, std::size_t max_pending)
    : ioc_(ioc), broker_(broker), max_pending_(max_pending) {}

local_client::~local_client() {
  // No handler holds this object any more, so no on_close is pending; if the
  // connection is still open the broker must hear of its end now.
  if (mqtt::client* c = std::exchange(client_, nullptr))
    broker_.on_close(*c, std::make_error_code(std::errc::connection_aborted));
}

mqtt::connack_code local_client::connect(std::string_view client_id, bool clean_session) {
  if (client_) disconnect();
  client_id_ = std::string(client_id);
  peer_ = "local:" + client_id_;
  connack_.reset();
  ++generation_;  // what is still pending belongs to the old connection
  client_ = broker_.on_open(*this);
  mqtt::connect_packet p;
  p.protocol_name = "MQTT";
  p.protocol_level = 4;
  p.clean_session = clean_session;
  p.keepalive = 0;  // nothing to detect: the client is in the same process
  p.client_id = client_id_;
  mqtt::client* c = client_;
  broker_.on_packet(*c, p);
  // The CONNACK came back through send() during the call; a refusal also
  // closed the link (close() cleared client_).
  if (!connack_) {
    if (client_) close(mqtt::errc::first_packet_not_connect);
    return mqtt::connack_code::server_unavailable;
  }
  // Callbacks live as long as the broker's subscriptions: a resumed session
  // keeps both, a new one starts without either.
  if (connack_->code == mqtt::connack_code::accepted && !connack_->session_present) {
    for (const auto& s : subs_) s->active = false;
    subs_.clear();
  }
  return connack_->code;
}

std::uint8_t local_client::subscribe(std::string_view filter, std::uint8_t qos, handler h) {
  if (!client_ || qos > 2 || !is_valid_filter(filter)) return mqtt::suback_failure;
  // Registered first: retained messages are delivered during the call.
  auto sub = std::make_shared<subscription>(subscription{std::string(filter), std::move(h)});
  subs_.push_back(sub);
  mqtt::subscribe_packet p;
  p.packet_id = next_packet_id();
  p.topics.push_back({std::string(filter), qos});
  suback_.clear();
  broker_.on_packet(*client_, p);
  const std::uint8_t granted = suback_.size() == 1 ? suback_.front() : mqtt::suback_failure;
  if (granted == mqtt::suback_failure) {
    sub->active = false;
    std::erase(subs_, sub);
  }
  return granted;
}

void local_client::unsubscribe(std::string_view filter) {
  std::erase_if(subs_, [&](const std::shared_ptr<subscription>& s) {
    if (s->filter != filter) return false;
    s->active = false;
    return true;
  });
  if (!client_ || !is_valid_filter(filter)) return;  // never subscribed, then
  mqtt::unsubscribe_packet p;
  p.packet_id = next_packet_id();
  p.filters.emplace_back(filter);
  broker_.on_packet(*client_, p);
}

std::error_code local_client::publish(std::string_view topic, std::string_view payload, std::uint8_t qos,
                                      bool retain) {
  if (!client_) return std::make_error_code(std::errc::not_connected);
  if (std::error_code ec = mqtt::check_publish(topic, payload.size(), qos)) return ec;
  mqtt::publish_packet p;
  p.qos = qos;
  p.retain = retain;
  p.topic = topic;
  p.payload = payload;
  p.packet_id = qos > 0 ? next_packet_id() : 0;
  pubrec_for_ = 0;
  broker_.on_packet(*client_, p);
  // QoS 2 completes here: this is not inside a broker call any more.
  if (qos == 2 && client_ && pubrec_for_ == p.packet_id)
    broker_.on_packet(*client_, mqtt::ack_packet{mqtt::packet_type::pubrel, p.packet_id});
  return {};
}

void local_client::disconnect() {
  if (!client_) return;
  broker_.on_packet(*client_, mqtt::empty_packet{mqtt::packet_type::disconnect});  // the broker calls close()
}

std::uint16_t local_client::next_packet_id() noexcept {
  // Our own requests complete within the call that makes them, so a simple
  // counter never collides with an id still in use.
  last_id_ = static_cast<std::uint16_t>(last_id_ == 65535 ? 1 : last_id_ + 1);
  return last_id_;
}

// ---- from the broker ---------------------------------------------------------

void local_client::send(std::string_view bytes) {
  while (!bytes.empty()) {
    mqtt::packet p;
    const mqtt::decode_result r = mqtt::decode(bytes, mqtt::max_remaining_length, p);
    if (r.status != mqtt::decode_status::ok) return;  // the broker encodes whole, valid packets
    on_broker_packet(p);
    bytes.remove_prefix(r.consumed);
  }
}

void local_client::on_broker_packet(const mqtt::packet& p) {
  if (const auto* ack = std::get_if<mqtt::connack_packet>(&p)) {
    connack_ = *ack;
    // A new session: no QoS 2 id of an old one will be released, and the new
    // session reuses them. (Cleared before a resumed session's resends.)
    if (ack->code == mqtt::connack_code::accepted && !ack->session_present) incoming_qos2_.clear();
  } else if (const auto* sub = std::get_if<mqtt::suback_packet>(&p)) {
    suback_ = sub->return_codes;
  } else if (const auto* a = std::get_if<mqtt::ack_packet>(&p)) {
    switch (a->type) {
      case mqtt::packet_type::pubrec:  // our QoS 2 publish: PUBREL once publish() returns from the broker
        pubrec_for_ = a->packet_id;
        break;
      case mqtt::packet_type::pubrel:  // a QoS 2 delivery released: complete it, posted
        incoming_qos2_.erase(a->packet_id);
        push_event(nullptr, mqtt::packet_type::pubcomp, a->packet_id);
        break;
      default:  // PUBACK, PUBCOMP, UNSUBACK: nothing left to do
        break;
    }
  }
  // PINGRESP never comes (no keepalive); a PUBLISH arrives via send_publish().
}

bool local_client::send_publish(const mqtt::message_ptr& m, std::uint8_t qos, bool /*retain*/, bool /*dup*/,
                                std::uint16_t packet_id) {
  if (qos == 0) {
    if (inbox_.size() >= max_pending_) {
      ++dropped_;
      return false;
    }
    push_event(m, mqtt::packet_type::puback, 0);
    return true;
  }
  if (qos == 1) {
    push_event(m, mqtt::packet_type::puback, packet_id);
    return true;
  }
  auto [it, fresh] = incoming_qos2_.try_emplace(packet_id, generation_);
  if (fresh || (it->second != 0 && it->second != generation_)) {
    // New, or re-sent after its first delivery was dropped with an old connection.
    it->second = generation_;
    push_event(m, mqtt::packet_type::pubrec, packet_id);
  } else {
    // Re-sent but delivered (or about to be) already: acknowledge, do not deliver twice.
    push_event(nullptr, mqtt::packet_type::pubrec, packet_id);
  }
  return true;
}

void local_client::close(std::error_code why) {
  mqtt::client* c = std::exchange(client_, nullptr);
  if (!c) return;
  // Reported later: close() runs inside a broker call.
  net::post(ioc_, [self = shared_from_this(), c, why] { self->broker_.on_close(*c, why); });
}

// ---- posted work ---------------------------------------------------------------

void local_client::push_event(mqtt::message_ptr msg, mqtt::packet_type ack, std::uint16_t ack_id) {
  inbox_.push_back(event{generation_, std::move(msg), ack, ack_id});
  if (drain_posted_) return;
  drain_posted_ = true;
  net::post(ioc_, [self = shared_from_this()] { self->drain(); });
}

void local_client::drain() {
  drain_posted_ = false;
  // Taken out first: callbacks and acks may queue new events meanwhile.
  std::vector<event> events;
  events.swap(inbox_);
  for (event& e : events) {
    // From a connection replaced since (possibly by a callback just now): its
    // packet ids mean nothing to the current one.
    if (e.generation != generation_) continue;
    if (e.msg) {
      if (e.ack == mqtt::packet_type::pubrec) {
        // Marked first: a callback that resumes the session gets a resend
        // of this very message, which must not be delivered again.
        auto it = incoming_qos2_.find(e.ack_id);
        if (it != incoming_qos2_.end() && it->second == e.generation) it->second = 0;
      }
      deliver(e.msg);
    }
    // The connection may have ended in between; its acks die with it.
    if (e.ack_id != 0 && client_ && e.generation == generation_)
      broker_.on_packet(*client_, mqtt::ack_packet{e.ack, e.ack_id});
  }
}

void local_client::deliver(const mqtt::message_ptr& m) {
  matched_.clear();
  for (const auto& s : subs_)
    if (mqtt::topic_matches(s->filter, m->topic)) matched_.push_back(s);
  // Held by shared_ptr: a callback may subscribe or unsubscribe meanwhile.
  // drain() is never re-entered, so matched_ is not reused under our feet.
  for (const auto& s : matched_)
    if (s->active) s->fn(m);
  matched_.clear();
}

}  // namespace hearth
