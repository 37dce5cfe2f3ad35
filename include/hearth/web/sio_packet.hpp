// Socket.IO v5 packets (the protocol socket.io-client 4.x speaks), as the
// codec produces and consumes them.
//
// On the wire a packet is one Engine.IO text message
//     <type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
// followed, for BINARY_EVENT and BINARY_ACK, by one binary Engine.IO message
// per attachment. Inside the JSON each attachment appears as the placeholder
// {"_placeholder":true,"num":N}. The codec keeps placeholders in place and
// carries the attachments beside the JSON: Boost.JSON has no binary type, and
// a handler that echoes or forwards binary data needs no reconstruction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace hearth::web::sio {

enum class packet_type : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

std::string_view to_string(packet_type t) noexcept;

struct packet {
  packet_type type = packet_type::event;
  std::string nsp = "/";
  std::optional<std::uint64_t> id;          // ack id of an EVENT / the acknowledged id of an ACK
  std::optional<boost::json::value> data;   // absent when the packet carries no payload
  std::vector<std::string> attachments;     // BINARY_* only; referenced by placeholders in data

  bool operator==(const packet&) const = default;
};

// Bounds on what one packet may hold. Engine.IO's maxPayload already bounds
// each message; these bound what a packet may accumulate across messages.
struct codec_limits {
  std::size_t max_attachments = 16;
  std::size_t max_attachment_bytes = 1'000'000;  // sum over one packet's attachments
  unsigned max_json_depth = 32;
};

// Ack ids above this lose precision in JavaScript (Number.MAX_SAFE_INTEGER).
inline constexpr std::uint64_t max_ack_id = (std::uint64_t{1} << 53) - 1;

// [name, values...]: the payload of an EVENT.
boost::json::array event_payload(std::string_view name, boost::json::array values);

// {"_placeholder":true,"num":n}: how an argument refers to attachment n.
boost::json::object placeholder(std::size_t n);

// The attachment index of a placeholder object, or nothing if `v` is not one.
std::optional<std::size_t> placeholder_index(const boost::json::value& v) noexcept;

}  // namespace hearth::web::sio
