// The client side of WebSocket (RFC 6455) that hearth-bench's end-to-end
// mode needs to talk Engine.IO v4 to hearthd without a client library: the
// HTTP/1.1 upgrade request and the check of its 101 answer, masked client
// frames out, unmasked server frames in.
//
// Pure and sans-I/O like the MQTT codec: encoders append to a caller's
// buffer, decode_frame() returns bytes consumed, `need_more` or an error,
// with views into the caller's input (no allocation). Fragmented messages are
// reported frame by frame (fin, continuation); the caller joins them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::bench::ws {

enum class opcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

// A Sec-WebSocket-Key: base64 of 16 bytes derived from `seed`.
std::string make_key(std::uint64_t seed);
// The Sec-WebSocket-Accept a server must answer for `key`.
std::string accept_for(std::string_view key);

// GET `target` with the upgrade headers; `host` is the Host header (host:port).
void append_upgrade_request(std::string_view host, std::string_view target, std::string_view key, std::string& out);

struct upgrade_result {
  std::size_t consumed = 0;  // length of the response head; 0 = need more (or an error)
  std::string error;         // non-empty: not a valid 101 answer for `key`
};
// Checks the server's response head (status 101, Upgrade: websocket,
// Connection: upgrade, the right Sec-WebSocket-Accept). A head longer than
// `max_head` without its end is an error.
upgrade_result parse_upgrade_response(std::string_view in, std::string_view key, std::size_t max_head = 16384);

// One frame with FIN set, masked with `mask` (clients must mask).
void append_frame(opcode op, std::string_view payload, std::uint32_t mask, std::string& out);

struct frame {
  opcode op = opcode::text;
  bool fin = true;
  std::string_view payload;  // into the decoder's input
};

enum class decode_status { ok, need_more, error };

struct decode_result {
  decode_status status = decode_status::need_more;
  std::size_t consumed = 0;
  const char* error = "";
};

// Decodes one server frame. Errors: a masked frame (servers must not mask),
// reserved bits or opcodes, a control frame that is fragmented or over 125
// bytes, a payload over `max_payload`, a non-minimal or 64-bit length with
// the top bit set.
decode_result decode_frame(std::string_view in, std::size_t max_payload, frame& out);

}  // namespace hearth::bench::ws
