// Why a peer's bytes were refused. Every reason the broker closes a
// connection for is one of these, so the log line names it precisely.
#pragma once

#include <system_error>

namespace hearth::mqtt {

enum class errc {
  ok = 0,
  bad_remaining_length = 1,   // more than 4 length bytes, or a non-minimal encoding
  packet_too_large,           // remaining length over the configured maximum
  bad_packet_type,            // type 0 or 15
  bad_fixed_header_flags,     // reserved flag bits not as the standard requires
  truncated,                  // the remaining length ends inside a field
  trailing_bytes,             // bytes left over after the last field
  bad_utf8,                   // ill-formed UTF-8, U+0000 or a surrogate
  bad_protocol_name,          // not "MQTT" / "MQIsdp"
  bad_connect_flags,          // reserved bit set, or inconsistent will/user/password flags
  bad_qos,                    // QoS 3
  bad_topic_name,             // empty, or wildcards in a topic name
  bad_packet_id,              // packet id 0 where one is required
  empty_subscription_list,    // SUBSCRIBE/UNSUBSCRIBE without any topic
  bad_subscribe_options,      // reserved bits in a requested QoS byte
  empty_topic_filter,         // a zero-length filter in SUBSCRIBE or UNSUBSCRIBE
  too_many_topic_levels,      // a topic or filter deeper than max_topic_levels
  // protocol-level violations found by the broker, not the codec
  first_packet_not_connect,
  second_connect,
  server_only_packet,
  unexpected_ack,
  connect_timeout,
  keepalive_timeout,
  session_taken_over,
  write_queue_overflow,
  qos2_window_full,
};

const std::error_category& mqtt_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), mqtt_category()};
}

}  // namespace hearth::mqtt

template <>
struct std::is_error_code_enum<hearth::mqtt::errc> : std::true_type {};
