// The broker's dispatch and connection lifecycle. The work of each packet
// type lives in handle_*.cpp; routing and delivery in delivery.cpp.
#include "hearth/mqtt/broker.hpp"

#include <cassert>

#include "hearth/mqtt/codec.hpp"
#include "hearth/mqtt/errors.hpp"

namespace hearth::mqtt {

broker::broker(broker_config cfg, core::logger& log) : cfg_(std::move(cfg)), log_(log), retained_(&meter_) {}

broker::~broker() = default;

client* broker::on_open(link& transport) {
  auto c = std::make_unique<client>();
  c->transport = &transport;
  client* raw = c.get();
  raw->registry_index = static_cast<std::uint32_t>(clients_.size());
  clients_.push_back(std::move(c));
  ++stats_.connections_total;
  return raw;
}

void broker::on_packet(client& c, const packet& p) {
  if (c.ended) return;  // the broker already closed it; ignore what was in flight
  ++stats_.messages_received;

  if (!c.connected) {
    if (auto* connect = std::get_if<connect_packet>(&p)) return handle_connect(c, *connect);
    log_.info() << "mqtt " << c.transport->peer() << ": first packet is not CONNECT";
    ++stats_.protocol_errors;
    return end_client(c, errc::first_packet_not_connect, false);
  }

  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, connect_packet>) {
          on_protocol_error(c, errc::second_connect);
        } else if constexpr (std::is_same_v<T, publish_packet>) {
          handle_publish(c, v);
        } else if constexpr (std::is_same_v<T, ack_packet>) {
          switch (v.type) {
            case packet_type::puback: return handle_puback(c, v.packet_id);
            case packet_type::pubrec: return handle_pubrec(c, v.packet_id);
            case packet_type::pubrel: return handle_pubrel(c, v.packet_id);
            case packet_type::pubcomp: return handle_pubcomp(c, v.packet_id);
            default: return on_protocol_error(c, errc::server_only_packet);  // UNSUBACK
          }
        } else if constexpr (std::is_same_v<T, subscribe_packet>) {
          handle_subscribe(c, v);
        } else if constexpr (std::is_same_v<T, unsubscribe_packet>) {
          handle_unsubscribe(c, v);
        } else if constexpr (std::is_same_v<T, empty_packet>) {
          switch (v.type) {
            case packet_type::pingreq: return handle_pingreq(c);
            case packet_type::disconnect: return handle_disconnect(c);
            default: return on_protocol_error(c, errc::server_only_packet);  // PINGRESP
          }
        } else {
          on_protocol_error(c, errc::server_only_packet);  // CONNACK, SUBACK
        }
      },
      p);
}

void broker::on_protocol_error(client& c, std::error_code why) {
  if (c.ended) return;
  ++stats_.protocol_errors;
  log_.info() << "mqtt " << c.transport->peer() << (c.client_id.empty() ? "" : " ") << c.client_id
              << ": protocol violation, closing: " << why.message();
  // MQTT-4.8.0-1: a protocol violation closes the connection, and the will
  // is published as for any other ungraceful end.
  end_client(c, why, true);
}

void broker::on_close(client& c, std::error_code why) {
  if (!c.ended) {
    if (c.connected)
      log_.debug() << "mqtt " << c.transport->peer() << " " << c.client_id << ": connection lost: " << why.message();
    end_client(c, why, true);
  }
  if (stats_.clients_connected > 0 && c.connected) --stats_.clients_connected;
  forget_held(c);
  // Swap with the last one and drop it: O(1), order does not matter.
  const std::uint32_t i = c.registry_index;
  std::swap(clients_[i], clients_.back());
  clients_[i]->registry_index = i;
  clients_.pop_back();  // destroys c
}

void broker::handle_pingreq(client& c) {
  scratch_.clear();
  encode(empty_packet{packet_type::pingresp}, scratch_);
  emit(c, scratch_);
  ++stats_.messages_sent;
}

void broker::handle_disconnect(client& c) {
  // MQTT-3.14.4-3: a clean DISCONNECT discards the will.
  c.will.reset();
  end_client(c, {}, false);
}

void broker::end_client(client& c, std::error_code why, bool publish_will) {
  if (c.ended) return;
  c.ended = true;
  std::optional<will_message> will = std::move(c.will);
  c.will.reset();
  unblock_client(c);
  if (session* s = c.sess) {
    // Without a connection the session blocks no one: its queue is bounded.
    if (s->congested) release(*s);
    s->lossy = false;
    s->connection = nullptr;
    c.sess = nullptr;
    if (s->clean()) {
      discard_session(*s);
    } else {
      away_[s] = now_;
    }
  }
  emit_close(c, why);
  if (publish_will && will && c.connected) {
    // A will is a publish like any other: the ACL and the $SYS guard apply.
    if (!may_publish(c, will->topic)) return;
    log_.debug() << "mqtt " << c.client_id << ": publishing will on " << will->topic;
    auto m = make_message(will->topic, will->payload, will->qos, will->retain);
    if (will->retain) keep_retained(m);
    route(m, nullptr);
  }
}

void broker::discard_session(session& s) {
  away_.erase(&s);
  if (s.congested) release(s);
  if (persistent(s)) persist_->session_ended(s);
  for (auto& [filter, qos] : s.subscriptions) tree_.unsubscribe(filter, &s);
  sessions_.erase(sessions_.find(s.client_id()));  // destroys s
}

const session* broker::find_session(std::string_view client_id) const {
  auto it = sessions_.find(client_id);
  return it == sessions_.end() ? nullptr : it->get();
}

acl_identity broker::identity_of(const session& s) const {
  return acl_identity{s.username, s.client_id()};
}

}  // namespace hearth::mqtt
