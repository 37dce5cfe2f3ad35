// CONNECT (MQTT 3.1.1 section 3.1): protocol checks, client identifier,
// authentication, session takeover and resumption.
#include <string>

#include "hearth/mqtt/broker.hpp"
#include "hearth/mqtt/codec.hpp"
#include "hearth/mqtt/errors.hpp"

namespace hearth::mqtt {

void broker::send_connack(client& c, bool present, connack_code code) {
  scratch_.clear();
  encode(connack_packet{present, code}, scratch_);
  emit(c, scratch_);
  ++stats_.messages_sent;
}

void broker::handle_connect(client& c, const connect_packet& p) {
  const bool v311 = p.protocol_name == "MQTT" && p.protocol_level == 4;
  const bool v31 = p.protocol_name == "MQIsdp" && p.protocol_level == 3;
  auto refuse = [&](connack_code code, std::string_view why) {
    log_.info() << "mqtt " << c.transport->peer() << " '" << p.client_id << "': connection refused: " << why;
    send_connack(c, false, code);
    end_client(c, {}, false);
  };

  if (!v311 && !v31) {
    // A level we do not speak is refused in the MQTT 5 form of CONNACK
    // (reason 0x84, "unsupported protocol version"), as Mosquitto answers:
    // it is what an MQTT 5 client understands, and no 3.1.1 client sends it.
    log_.info() << "mqtt " << c.transport->peer() << ": connection refused: unsupported protocol level "
                << int(p.protocol_level);
    static constexpr char connack_v5_unsupported[] = {0x20, 0x03, 0x00, static_cast<char>(0x84), 0x00};
    emit(c, std::string_view(connack_v5_unsupported, sizeof connack_v5_unsupported));
    ++stats_.messages_sent;
    return end_client(c, {}, false);
  }

  std::string client_id = p.client_id;
  if (client_id.empty()) {
    // MQTT-3.1.3-7/8: a zero-length id needs a clean session; MQTT 3.1 had
    // no zero-length ids at all.
    if (!p.clean_session || v31 || !cfg_.allow_zero_length_client_id)
      return refuse(connack_code::identifier_rejected, "zero-length client id without clean session");
    do {
      client_id = "auto-" + std::to_string(++next_assigned_id_);
    } while (sessions_.count(client_id));
  }
  // MQTT 3.1 limited client ids to 23 characters; like Mosquitto, longer ones
  // are accepted, since clients in the field send them.

  std::optional<std::string> username = p.username;
  if (auth_) {
    auth_verdict verdict = auth_(auth_request{p, c.transport->peer(), c.transport->certificate_name()});
    // A delayed answer slows down password guessing; the link holds its
    // writes, nothing here waits.
    if (verdict.delay.count() > 0) c.transport->delay_writes(verdict.delay);
    if (verdict.code != connack_code::accepted)
      return refuse(verdict.code, verdict.reason.empty() ? "authentication failed" : verdict.reason);
    if (verdict.username) username = std::move(verdict.username);
  }

  c.client_id = std::move(client_id);
  c.username = std::move(username);
  c.protocol_level = p.protocol_level;
  c.will = p.will;

  bool present = false;
  session& s = attach_session(c, p, present);
  c.connected = true;
  ++stats_.clients_connected;
  if (stats_.clients_connected > stats_.clients_maximum) stats_.clients_maximum = stats_.clients_connected;

  log_.debug() << "mqtt " << c.transport->peer() << " '" << c.client_id << "' connected"
               << (p.clean_session ? " (clean session)" : present ? " (session resumed)" : " (new session)");
  c.transport->on_connected(p.keepalive);
  // MQTT 3.1 has no session-present flag: its CONNACK flags byte is reserved.
  send_connack(c, present && v311, connack_code::accepted);
  resume(s);
}

session& broker::attach_session(client& c, const connect_packet& p, bool& present) {
  auto it = sessions_.find(c.client_id);
  if (it != sessions_.end()) {
    session& old = **it;
    if (old.connection) {
      // MQTT-3.1.4-2: the new connection takes the session over and the old
      // one is closed. Its will is published when the session ends with it
      // (either side asked for a clean session); when a persistent session
      // simply moves to the new connection, the client is not gone, and the
      // will is discarded, as Mosquitto does.
      client& previous = *old.connection;
      log_.info() << "mqtt '" << c.client_id << "': taken over by " << c.transport->peer() << ", closing "
                  << previous.transport->peer();
      end_client(previous, errc::session_taken_over, old.clean() || p.clean_session);
      it = sessions_.find(c.client_id);  // a clean session was discarded by end_client
    }
  }
  if (it != sessions_.end() && p.clean_session) {
    discard_session(**it);
    it = sessions_.end();
  }
  if (it == sessions_.end()) {
    auto s = std::make_unique<session>(c.client_id, p.clean_session, &meter_);
    it = sessions_.insert(std::move(s)).first;
    present = false;
  } else {
    present = true;  // MQTT-3.2.2-2
  }
  session& s = **it;
  s.connection = &c;
  away_.erase(&s);
  const bool changed = !present || s.username != c.username;
  s.username = c.username;  // the authenticated name (a certificate's CN may replace the CONNECT's)
  if (changed && persistent(s)) persist_->session_stored(s);
  c.sess = &s;
  return s;
}

}  // namespace hearth::mqtt
