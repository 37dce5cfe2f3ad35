// PUBLISH from a client and the acknowledgements of both directions
// (MQTT 3.1.1 sections 3.3-3.7 and 4.3).
//
// Inbound QoS 2 follows the standard's "method B" variant of 4.3.3: the
// message is routed when the PUBLISH arrives, and its packet id is kept until
// PUBREL, so a PUBLISH re-sent with the same id before PUBREL is acknowledged
// again but not delivered again.
#include "hearth/mqtt/broker.hpp"
#include "hearth/mqtt/codec.hpp"
#include "hearth/mqtt/errors.hpp"

namespace hearth::mqtt {
namespace {

void send_ack(link& l, packet_type type, std::uint16_t id, std::string& scratch) {
  scratch.clear();
  encode(ack_packet{type, id}, scratch);
  l.send(scratch);
}

}  // namespace

void broker::handle_publish(client& c, const publish_packet& p) {
  ++stats_.publish_received;
  session& s = *c.sess;

  if (p.qos == 2) {
    if (s.incoming_qos2.count(p.packet_id)) {
      send_ack(*c.transport, packet_type::pubrec, p.packet_id, scratch_);
      ++stats_.messages_sent;
      return;  // a re-send before PUBREL: already routed once
    }
    if (s.incoming_qos2.size() >= cfg_.session.max_incoming_qos2) return on_protocol_error(c, errc::qos2_window_full);
  }

  // A denied publish is acknowledged as usual, so the client does not resend
  // it forever, but it goes nowhere. Clients may not publish into $SYS.
  acl_identity who{c.username, c.client_id};
  const bool sys = p.topic == "$SYS" || p.topic.substr(0, 5) == "$SYS/";
  if (sys || (acl_ && !acl_->can_write(who, p.topic))) {
    ++stats_.publish_denied;
    log_.debug() << "mqtt '" << c.client_id << "': publish to " << p.topic << " denied";
  } else {
    auto m = make_message(p.topic, p.payload, p.qos, p.retain);
    if (p.retain) retained_.put(m);
    route(m);
  }

  if (p.qos == 1) {
    send_ack(*c.transport, packet_type::puback, p.packet_id, scratch_);
    ++stats_.messages_sent;
  } else if (p.qos == 2) {
    s.incoming_qos2.insert(p.packet_id);
    send_ack(*c.transport, packet_type::pubrec, p.packet_id, scratch_);
    ++stats_.messages_sent;
  }
}

void broker::handle_pubrel(client& c, std::uint16_t id) {
  // An unknown id is still completed: a client that reconnects re-sends
  // PUBREL for a message whose PUBCOMP it never saw (4.3.3).
  if (c.sess->incoming_qos2.erase(id) == 0)
    log_.debug() << "mqtt '" << c.client_id << "': PUBREL for unknown id " << id << ", completing anyway";
  send_ack(*c.transport, packet_type::pubcomp, id, scratch_);
  ++stats_.messages_sent;
}

void broker::handle_puback(client& c, std::uint16_t id) {
  session& s = *c.sess;
  flight* f = s.find_flight(id);
  if (!f || f->state != flight_state::awaiting_puback) return on_protocol_error(c, errc::unexpected_ack);
  s.end_flight(id);
  pump(s);
}

void broker::handle_pubrec(client& c, std::uint16_t id) {
  session& s = *c.sess;
  flight* f = s.find_flight(id);
  if (!f || f->state == flight_state::awaiting_puback) return on_protocol_error(c, errc::unexpected_ack);
  // A duplicate PUBREC (awaiting_pubcomp already) gets the PUBREL again.
  f->state = flight_state::awaiting_pubcomp;
  f->d.msg.reset();  // the payload is no longer needed (MQTT-4.3.3-1: discard after PUBREC)
  send_ack(*c.transport, packet_type::pubrel, id, scratch_);
  ++stats_.messages_sent;
}

void broker::handle_pubcomp(client& c, std::uint16_t id) {
  session& s = *c.sess;
  flight* f = s.find_flight(id);
  if (!f || f->state != flight_state::awaiting_pubcomp) return on_protocol_error(c, errc::unexpected_ack);
  s.end_flight(id);
  pump(s);
}

}  // namespace hearth::mqtt
