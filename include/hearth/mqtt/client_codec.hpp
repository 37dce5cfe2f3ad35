// The client's side of the MQTT 3.1.1 codec (hearth-agent).
//
// codec.hpp decodes and encodes every packet type, as a broker needs. A
// client needs two things more, both pure:
//  - decode_from_server() refuses what a server never sends (CONNECT,
//    SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT in 3.1.1), so a confused or
//    hostile peer is dropped instead of being half-understood;
//  - checked encoders refuse fields that do not fit the wire format (a string
//    over 65,535 bytes, an invalid will topic) instead of writing a packet
//    whose length prefixes lie.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "hearth/mqtt/codec.hpp"

namespace hearth::mqtt {

enum class client_errc {
  ok = 0,
  server_sent_client_packet = 1,  // CONNECT/SUBSCRIBE/UNSUBSCRIBE/PINGREQ/DISCONNECT from a server
  field_too_long,                 // a string or binary field over 65,535 bytes
  bad_client_id,                  // not valid MQTT UTF-8
  bad_will_topic,                 // empty, wildcards, or invalid UTF-8
  bad_topic,                      // a PUBLISH topic that is not a valid topic name
  bad_filter,                     // a SUBSCRIBE filter that is not a valid filter
  bad_qos,                        // QoS above 2
  connection_refused,             // CONNACK with a non-zero return code
};

const std::error_category& client_category() noexcept;

inline std::error_code make_error_code(client_errc e) noexcept { return {static_cast<int>(e), client_category()}; }

// Decodes the first whole packet in `in` as a client reads it from a server.
decode_result decode_from_server(std::string_view in, std::size_t max_packet, packet& out);

// CONNECT, checked. Appends nothing on error.
std::error_code encode_connect(const connect_packet& p, std::string& out);

// PUBLISH from a client, checked (topic name, QoS, packet id when QoS > 0).
std::error_code encode_client_publish(const publish_packet& p, std::string& out);

// SUBSCRIBE, checked (each filter valid, QoS <= 2, at least one filter).
std::error_code encode_client_subscribe(const subscribe_packet& p, std::string& out);

// The acknowledgements and the one-byte packets a client sends.
void encode_puback(std::uint16_t packet_id, std::string& out);
void encode_pubrec(std::uint16_t packet_id, std::string& out);
void encode_pubcomp(std::uint16_t packet_id, std::string& out);
void encode_pingreq(std::string& out);
void encode_disconnect(std::string& out);

}  // namespace hearth::mqtt

template <>
struct std::is_error_code_enum<hearth::mqtt::client_errc> : std::true_type {};
