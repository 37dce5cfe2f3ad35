// The two ends of hearth-bench's end-to-end mode, as pure functions: the MQTT
// reading it publishes (DESIGN.md topic contract: `<prefix>/<node>/temperature`
// with JSON {"<sensor-id>": <value>}) and the Engine.IO v4 / Socket.IO v5
// text packets it gets back from hearthd over WebSocket.
//
// The reading's value is the message's sequence number (exact in a JSON
// number up to 2^53); its send time stays in the bench, which is the same
// process and clock, so the payload needs nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::bench::e2e {

// {"<sensor>":<seq>}; `sensor` is a valid sensor id (no escaping needed).
void append_reading_payload(std::string_view sensor, std::uint64_t seq, std::string& out);

// The Socket.IO CONNECT to namespace "/" with the API token as auth:
// 40{"token":"..."} (the token JSON-escaped).
std::string connect_packet(std::string_view token);

// What an Engine.IO text packet from the server is (one per WebSocket message).
enum class packet_kind {
  open,           // 0{...}: the handshake
  close,          // 1
  ping,           // 2: answer 3
  sio_connected,  // 40...
  sio_disconnect, // 41...
  sio_event,      // 42...
  sio_error,      // 44...: CONNECT refused, e.g. a bad token
  other,          // anything else (noop 6, acks, binary events): ignored
};
packet_kind classify(std::string_view packet);

// A `reading` event as hearthd emits it, 42["reading",{node, kind, sensor,
// room, value, unit, ts}], checked against the bench's node and sensor.
struct reading_match {
  enum class what { ours, other, malformed } is = what::malformed;
  std::uint64_t seq = 0;  // the value, when ours
};
reading_match match_reading(std::string_view packet, std::string_view node, std::string_view sensor);

}  // namespace hearth::bench::e2e
