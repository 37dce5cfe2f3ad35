// Decoded MQTT 3.1.1 packets, as plain structs.
//
// The codec (codec.hpp) turns bytes into these and back; the broker works on
// them and never sees bytes. A decoded PUBLISH holds string_views into the
// caller's input buffer, so the hot path copies a payload exactly once: into
// the shared, immutable message that every subscriber's queue refers to.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hearth::mqtt {

enum class packet_type : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
};

std::string_view to_string(packet_type t) noexcept;

// CONNACK return codes of MQTT 3.1.1, section 3.2.2.3.
enum class connack_code : std::uint8_t {
  accepted = 0,
  unacceptable_protocol_version = 1,
  identifier_rejected = 2,
  server_unavailable = 3,
  bad_username_or_password = 4,
  not_authorized = 5,
};

inline constexpr std::uint8_t suback_failure = 0x80;

struct will_message {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  bool retain = false;
};

struct connect_packet {
  std::string protocol_name;        // "MQTT" (3.1.1) or "MQIsdp" (3.1)
  std::uint8_t protocol_level = 4;  // 4 for 3.1.1, 3 for 3.1
  bool clean_session = true;
  std::uint16_t keepalive = 0;      // seconds, 0 = off
  std::string client_id;
  std::optional<will_message> will;
  std::optional<std::string> username;
  std::optional<std::string> password;  // binary data, not UTF-8
};

struct connack_packet {
  bool session_present = false;
  connack_code code = connack_code::accepted;
};

struct publish_packet {
  bool dup = false;
  std::uint8_t qos = 0;
  bool retain = false;
  std::string_view topic;    // views into the decoder's input
  std::uint16_t packet_id = 0;  // 0 when qos == 0
  std::string_view payload;
};

// PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK carry only a packet id.
struct ack_packet {
  packet_type type = packet_type::puback;
  std::uint16_t packet_id = 0;
};

struct subscription_request {
  std::string filter;
  std::uint8_t qos = 0;
};

struct subscribe_packet {
  std::uint16_t packet_id = 0;
  std::vector<subscription_request> topics;
};

struct suback_packet {
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> return_codes;
};

struct unsubscribe_packet {
  std::uint16_t packet_id = 0;
  std::vector<std::string> filters;
};

// PINGREQ, PINGRESP and DISCONNECT have no variable header or payload.
struct empty_packet {
  packet_type type = packet_type::pingreq;
};

using packet = std::variant<connect_packet, connack_packet, publish_packet, ack_packet,
                            subscribe_packet, suback_packet, unsubscribe_packet, empty_packet>;

}  // namespace hearth::mqtt
