// The MQTT 3.1.1 wire codec: pure functions, no I/O, no allocation before the
// size of a packet is known to be within limits.
//
// Decoding is incremental in two steps, so that a connection can refuse an
// oversized packet after reading at most five bytes:
//   1. decode_fixed_header(bytes) -> need_more | header | error
//   2. decode_packet(header, body) -> packet | error
// decode() combines both for callers that hold a buffer of whole packets.
// Encoders append to a caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "hearth/mqtt/errors.hpp"
#include "hearth/mqtt/packet.hpp"

namespace hearth::mqtt {

inline constexpr std::size_t max_remaining_length = 268'435'455;  // 4 length bytes

struct fixed_header {
  packet_type type = packet_type::connect;
  std::uint8_t flags = 0;                // low nibble of byte 1
  std::size_t remaining_length = 0;
  std::size_t header_length = 0;         // 2..5 bytes
  std::size_t total_length() const noexcept { return header_length + remaining_length; }
};

enum class decode_status { ok, need_more, error };

struct header_result {
  decode_status status = decode_status::need_more;
  fixed_header header;
  std::error_code error;
};

// Reads the fixed header at the start of `in`. Checks the packet type, the
// reserved flag bits and that the remaining length is at most `max_packet`.
// `protocol_level` is the connection's (3 for MQTT 3.1, which let DUP be set
// on PUBREL, SUBSCRIBE and UNSUBSCRIBE); before CONNECT, use the default.
header_result decode_fixed_header(std::string_view in, std::size_t max_packet,
                                  std::uint8_t protocol_level = 4) noexcept;

// Topic names and filters deeper than this are refused as Mosquitto does (it
// allows 200 '/' separators): a topic of 65,535 slashes would otherwise cost
// every matching walk dearly.
inline constexpr std::size_t max_topic_levels = 201;

// Decodes one packet's variable header and payload. `body` holds exactly
// `h.remaining_length` bytes. A decoded PUBLISH refers into `body`.
std::error_code decode_packet(const fixed_header& h, std::string_view body, packet& out);

struct decode_result {
  decode_status status = decode_status::need_more;
  std::size_t consumed = 0;
  std::error_code error;
};

// Decodes the first whole packet in `in` (header and body).
decode_result decode(std::string_view in, std::size_t max_packet, packet& out);

// Encoders: append the packet's bytes to `out`.
void encode(const connect_packet& p, std::string& out);
void encode(const connack_packet& p, std::string& out);
void encode(const publish_packet& p, std::string& out);
void encode(const ack_packet& p, std::string& out);
void encode(const subscribe_packet& p, std::string& out);
void encode(const suback_packet& p, std::string& out);
void encode(const unsubscribe_packet& p, std::string& out);
void encode(const empty_packet& p, std::string& out);
void encode(const packet& p, std::string& out);

// The PUBLISH header up to and including the packet id, without the payload:
// the per-subscriber part of an outgoing message whose payload is shared.
void encode_publish_header(bool dup, std::uint8_t qos, bool retain, std::string_view topic,
                           std::uint16_t packet_id, std::size_t payload_size, std::string& out);

// Appends the variable-length "remaining length" encoding of `n`.
void encode_remaining_length(std::size_t n, std::string& out);

}  // namespace hearth::mqtt
