#include "hearth/agent/client_session.hpp"

#include <algorithm>
#include <utility>
#include <variant>

#include "hearth/mqtt/client_codec.hpp"
#include "hearth/mqtt/errors.hpp"

namespace hearth::agent {

client_session::client_session(client_settings s) : settings_(std::move(s)) {}

void client_session::on_transport_up(clock_type::time_point now) {
  in_.clear();
  out_.clear();
  mqtt::connect_packet c;
  c.protocol_name = "MQTT";
  c.protocol_level = 4;
  c.clean_session = settings_.clean_session;
  c.keepalive = static_cast<std::uint16_t>(settings_.keepalive.count());
  c.client_id = settings_.client_id;
  c.will = settings_.will;
  c.username = settings_.username;
  c.password = settings_.password;
  state_ = client_state::awaiting_connack;
  waiting_since_ = now;
  last_sent_ = now;
  ping_outstanding_ = false;
  if (auto ec = mqtt::encode_connect(c, out_)) close(ec);
}

void client_session::on_transport_down() {
  state_ = client_state::down;
  in_.clear();
  out_.clear();
  incoming_qos2_.clear();
  ping_outstanding_ = false;
  // inflight_ is kept: it is re-sent with DUP after the next CONNACK.
}

void client_session::close(std::error_code why) {
  if (state_ == client_state::closing || state_ == client_state::down) return;
  state_ = client_state::closing;
  client_event e;
  e.what = client_event::kind::close_transport;
  e.error = why;
  events_.push_back(std::move(e));
}

void client_session::disconnect() {
  if (state_ != client_state::up) return close({});
  mqtt::encode_disconnect(out_);
  close({});
}

void client_session::on_bytes(std::string_view bytes, clock_type::time_point now) {
  if (state_ != client_state::awaiting_connack && state_ != client_state::up) return;
  in_.append(bytes);
  std::size_t used = 0;
  while (state_ == client_state::awaiting_connack || state_ == client_state::up) {
    mqtt::packet p;
    auto r = mqtt::decode_from_server(std::string_view(in_).substr(used), settings_.max_packet, p);
    if (r.status == mqtt::decode_status::need_more) break;
    if (r.status == mqtt::decode_status::error) {
      close(r.error);
      break;
    }
    handle(p, now);  // a decoded PUBLISH refers into in_: handled before erasing
    used += r.consumed;
  }
  in_.erase(0, used);
}

void client_session::handle(const mqtt::packet& p, clock_type::time_point now) {
  using mqtt::packet_type;
  if (state_ == client_state::awaiting_connack) {
    const auto* ack = std::get_if<mqtt::connack_packet>(&p);
    if (!ack) return close(mqtt::errc::first_packet_not_connect);
    if (ack->code != mqtt::connack_code::accepted) {
      client_event e;
      e.what = client_event::kind::refused;
      e.code = ack->code;
      events_.push_back(std::move(e));
      return close(mqtt::client_errc::connection_refused);
    }
    state_ = client_state::up;
    client_event e;
    e.what = client_event::kind::connected;
    e.session_present = ack->session_present;
    events_.push_back(std::move(e));
    if (!settings_.subscriptions.empty()) {
      subscribe_id_ = next_id();
      mqtt::subscribe_packet s{subscribe_id_, settings_.subscriptions};
      if (auto ec = mqtt::encode_client_subscribe(s, out_)) return close(ec);
    }
    for (const auto& m : inflight_) {
      send_publish(m, true);
      ++resent_;
    }
    last_sent_ = now;
    return;
  }
  if (std::holds_alternative<mqtt::connack_packet>(p)) return close(mqtt::errc::second_connect);
  if (const auto* pub = std::get_if<mqtt::publish_packet>(&p)) {
    const bool duplicate_qos2 = pub->qos == 2 && incoming_qos2_.count(pub->packet_id) > 0;
    if (!duplicate_qos2) {
      client_event e;
      e.what = client_event::kind::message;
      e.topic = std::string(pub->topic);
      e.payload = std::string(pub->payload);
      e.retain = pub->retain;
      events_.push_back(std::move(e));
    }
    if (pub->qos == 1) mqtt::encode_puback(pub->packet_id, out_);
    if (pub->qos == 2) {
      incoming_qos2_.insert(pub->packet_id);
      mqtt::encode_pubrec(pub->packet_id, out_);
    }
    return;
  }
  if (const auto* ack = std::get_if<mqtt::ack_packet>(&p)) {
    switch (ack->type) {
      case packet_type::puback: {
        auto it = std::find_if(inflight_.begin(), inflight_.end(),
                               [&](const pending& m) { return m.id == ack->packet_id; });
        // A PUBACK for an id not in flight (a duplicate after a re-send) is
        // ignored, as the standard lets a receiver do.
        if (it == inflight_.end()) return;
        inflight_.erase(it);
        client_event e;
        e.what = client_event::kind::acknowledged;
        e.packet_id = ack->packet_id;
        events_.push_back(std::move(e));
        return;
      }
      case packet_type::pubrel:
        incoming_qos2_.erase(ack->packet_id);
        mqtt::encode_pubcomp(ack->packet_id, out_);
        return;
      case packet_type::pubrec:
      case packet_type::pubcomp:
        // We never publish at QoS 2.
        return close(mqtt::errc::unexpected_ack);
      default:
        return;  // UNSUBACK: we never unsubscribe; harmless
    }
  }
  if (const auto* sub = std::get_if<mqtt::suback_packet>(&p)) {
    client_event e;
    e.what = client_event::kind::subscribed;
    e.packet_id = sub->packet_id;
    e.return_codes = sub->return_codes;
    events_.push_back(std::move(e));
    return;
  }
  if (const auto* empty = std::get_if<mqtt::empty_packet>(&p)) {
    if (empty->type == packet_type::pingresp) ping_outstanding_ = false;
    return;
  }
}

void client_session::tick(clock_type::time_point now) {
  if (state_ == client_state::awaiting_connack && now - waiting_since_ >= settings_.connack_timeout)
    return close(mqtt::errc::connect_timeout);
  if (state_ != client_state::up || settings_.keepalive.count() == 0) return;
  if (ping_outstanding_) {
    // A server has keepalive x 1.5 before it gives up on us; we give it one
    // keepalive to answer a PINGREQ.
    if (now - waiting_since_ >= settings_.keepalive) close(mqtt::errc::keepalive_timeout);
    return;
  }
  if (now - last_sent_ >= settings_.keepalive) {
    mqtt::encode_pingreq(out_);
    ping_outstanding_ = true;
    waiting_since_ = now;
    last_sent_ = now;
  }
}

std::uint16_t client_session::next_id() {
  for (;;) {
    last_id_ = static_cast<std::uint16_t>(last_id_ == 65535 ? 1 : last_id_ + 1);
    const bool used = last_id_ == subscribe_id_ ||
                      std::any_of(inflight_.begin(), inflight_.end(), [&](const pending& m) { return m.id == last_id_; });
    if (!used) return last_id_;
  }
}

void client_session::send_publish(const pending& m, bool dup) {
  mqtt::publish_packet p;
  p.dup = dup;
  p.qos = 1;
  p.retain = m.retain;
  p.topic = m.topic;
  p.packet_id = m.id;
  p.payload = m.payload;
  mqtt::encode(p, out_);
}

std::optional<std::uint16_t> client_session::publish(std::string_view topic, std::string_view payload,
                                                     std::uint8_t qos, bool retain, clock_type::time_point now) {
  if (state_ != client_state::up) return std::nullopt;
  if (qos > 1) return std::nullopt;  // the agent publishes at QoS 0 or 1 only
  if (qos == 1 && window_full()) return std::nullopt;
  mqtt::publish_packet p;
  p.qos = qos;
  p.retain = retain;
  p.topic = topic;
  p.payload = payload;
  p.packet_id = qos == 1 ? next_id() : 0;
  if (mqtt::encode_client_publish(p, out_)) return std::nullopt;
  if (qos == 1) inflight_.push_back({p.packet_id, std::string(topic), std::string(payload), retain});
  last_sent_ = now;
  return p.packet_id;
}

std::string client_session::take_output() { return std::exchange(out_, {}); }

std::vector<client_event> client_session::take_events() { return std::exchange(events_, {}); }

}  // namespace hearth::agent
