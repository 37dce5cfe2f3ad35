// Engine.IO v4 packets and polling payloads, as pure functions.
//
// A packet is one type digit and its data: "4hello" (message), "2" (ping),
// "2probe". Over WebSocket a text frame is one packet and a binary frame is a
// binary message with no type byte. Over HTTP long-polling a payload is
// packets joined by the record separator \x1e, a binary message written as
// 'b' followed by its base64 ("4hello\x1ebAQIDBA==").
//
// Decoding never throws and never reads past its input; malformed input gives
// an error the server answers with HTTP 400 or WebSocket close.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::web::eio {

enum class packet_type : char {
  open = '0',
  close = '1',
  ping = '2',
  pong = '3',
  message = '4',
  upgrade = '5',
  noop = '6',
};

struct packet {
  packet_type type = packet_type::message;
  bool binary = false;  // only for messages
  std::string data;
  friend bool operator==(const packet&, const packet&) = default;
};

// One text packet ("4hello"). nullopt for an empty string or an unknown type.
std::optional<packet> decode_text_packet(std::string_view text);

// Appends the text form of a packet (type digit, then data). A binary message
// must not be encoded this way; see encode_payload.
void encode_text_packet(std::string& out, const packet& p);

enum class payload_error {
  none,
  empty_packet,   // two separators in a row, or an empty body
  bad_type,       // a packet whose first character is not 0-6
  bad_base64,     // a 'b' packet whose base64 does not decode
  too_many,       // more packets than allowed
};

// Splits a polling POST body into packets, at most `max_packets`. Returns
// the first error met; `out` then holds the packets before it.
payload_error decode_payload(std::string_view body, std::vector<packet>& out, std::size_t max_packets = 4096);

// Appends one packet to a polling payload, with the separator before it when
// `out` is not empty. Binary messages are written as 'b' + base64.
void append_to_payload(std::string& out, const packet& p);

// Bytes a packet adds to a polling payload (for queue accounting).
std::size_t payload_size(bool binary, std::size_t data_size) noexcept;

// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);
// Strict: padding required, no whitespace, no other alphabet.
std::optional<std::string> base64_decode(std::string_view text);

const char* to_string(payload_error e) noexcept;

}  // namespace hearth::web::eio
