// PUBLISH from a client and the acknowledgements of both directions
// (MQTT 3.1.1 sections 3.3-3.7 and 4.3).
//
// Inbound QoS 2 follows "method A" of the standard's figure 4.3: the message
// is stored when the PUBLISH arrives and routed when PUBREL releases it. A
// PUBLISH re-sent under the same id before PUBREL replaces the stored message
// and is acknowledged again, so it is delivered exactly once.
//
// Every acknowledgement is queued before the message is routed, so a client
// subscribed to its own topic sees PUBACK/PUBREC before its own copy. With a
// persistence layer in "ack after commit" mode, what either sends is held
// until the batch that stores the message commits (output_gate.cpp).
#include "hearth/mqtt/broker.hpp"
#include "hearth/mqtt/codec.hpp"
#include "hearth/mqtt/errors.hpp"

namespace hearth::mqtt {

void broker::send_ack(client& c, packet_type type, std::uint16_t id) {
  scratch_.clear();
  encode(ack_packet{type, id}, scratch_);
  emit(c, scratch_);
}

bool broker::may_publish(const client& c, std::string_view topic) {
  // A denied publish is acknowledged as usual, so the client does not resend
  // it forever, but it goes nowhere. Clients may not publish into $SYS.
  const bool sys = topic == "$SYS" || topic.substr(0, 5) == "$SYS/";
  if (sys || (acl_ && !acl_->can_write(acl_identity{c.username, c.client_id}, topic))) {
    ++stats_.publish_denied;
    log_.debug() << "mqtt '" << c.client_id << "': publish to " << topic << " denied";
    return false;
  }
  return true;
}

void broker::handle_publish(client& c, const publish_packet& p) {
  ++stats_.publish_received;
  session& s = *c.sess;

  if (p.qos == 2) {
    auto it = s.incoming_qos2.find(p.packet_id);
    if (it == s.incoming_qos2.end() && s.incoming_qos2.size() >= cfg_.session.max_incoming_qos2)
      return on_protocol_error(c, errc::qos2_window_full);
    message_ptr m;
    if (may_publish(c, p.topic)) m = make_message(p.topic, p.payload, p.qos, p.retain);
    if (persistent(s)) persist_->incoming_stored(s, p.packet_id, m);
    if (it == s.incoming_qos2.end()) s.incoming_qos2.emplace(p.packet_id, std::move(m));
    else it->second = std::move(m);
    send_ack(c, packet_type::pubrec, p.packet_id);
    ++stats_.messages_sent;
    return;
  }

  // The PUBACK is queued before routing stores the message: hold it until
  // the routing is known to have stored nothing, or the batch has committed.
  const hold_scope hold(*this, p.qos == 1);
  if (p.qos == 1) {
    send_ack(c, packet_type::puback, p.packet_id);
    ++stats_.messages_sent;
  }
  if (may_publish(c, p.topic)) {
    auto m = make_message(p.topic, p.payload, p.qos, p.retain);
    if (p.retain) keep_retained(m);
    route(m, &c);
  }
}

void broker::handle_pubrel(client& c, std::uint16_t id) {
  session& s = *c.sess;
  const hold_scope hold(*this, true);  // the PUBCOMP waits for the release and the routing
  send_ack(c, packet_type::pubcomp, id);
  ++stats_.messages_sent;
  auto it = s.incoming_qos2.find(id);
  if (it == s.incoming_qos2.end()) {
    // A client that reconnects re-sends PUBREL for a message whose PUBCOMP
    // it never saw (4.3.3); it is completed again, and nothing is delivered.
    log_.debug() << "mqtt '" << c.client_id << "': PUBREL for unknown id " << id << ", completing anyway";
    return;
  }
  message_ptr m = std::move(it->second);
  s.incoming_qos2.erase(it);
  if (persistent(s)) persist_->incoming_released(s, id);
  if (!m) return;  // refused when it arrived
  if (m->retain) keep_retained(m);
  route(m, &c);
}

// An acknowledgement for an id that is not in flight is ignored, as Mosquitto
// does (it may answer a message the broker re-sent just before the client's
// first answer arrived); one of the wrong kind for an id that is in flight is
// a protocol violation.
void broker::handle_puback(client& c, std::uint16_t id) {
  session& s = *c.sess;
  flight* f = s.find_flight(id);
  if (!f) {
    log_.debug() << "mqtt '" << c.client_id << "': PUBACK for unknown id " << id << " ignored";
    return;
  }
  if (f->state != flight_state::awaiting_puback) return on_protocol_error(c, errc::unexpected_ack);
  persist_removed(s, f->d.seq);
  s.end_flight(id);
  pump(s);
  check_memory();
}

void broker::handle_pubrec(client& c, std::uint16_t id) {
  session& s = *c.sess;
  flight* f = s.find_flight(id);
  if (f && f->state == flight_state::awaiting_puback) return on_protocol_error(c, errc::unexpected_ack);
  if (f) {
    // A duplicate PUBREC (awaiting_pubcomp already) gets the PUBREL again.
    if (f->state != flight_state::awaiting_pubcomp) {
      s.flight_received(*f);
      persist_flight(s, *f);
    }
  } else {
    log_.debug() << "mqtt '" << c.client_id << "': PUBREC for unknown id " << id << ", releasing anyway";
  }
  send_ack(c, packet_type::pubrel, id);
  ++stats_.messages_sent;
}

void broker::handle_pubcomp(client& c, std::uint16_t id) {
  session& s = *c.sess;
  flight* f = s.find_flight(id);
  if (!f) {
    log_.debug() << "mqtt '" << c.client_id << "': PUBCOMP for unknown id " << id << " ignored";
    return;
  }
  if (f->state != flight_state::awaiting_pubcomp) return on_protocol_error(c, errc::unexpected_ack);
  persist_removed(s, f->d.seq);
  s.end_flight(id);
  pump(s);
  check_memory();
}

}  // namespace hearth::mqtt
