// The one check for a message published from inside the process (the
// broker's own $SYS and net::local_client), pure and without allocation.
//
// Such a message goes out encoded to TCP subscribers, so it must be one a
// network client could have sent: what decode_publish() and the fixed header
// would refuse is refused here with the same error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>

namespace hearth::mqtt {

// Empty when a PUBLISH of `topic`, `payload_size` bytes and `qos` is valid;
// otherwise errc::bad_qos (over 2), bad_topic_name (empty, a wildcard, or over
// 65,535 bytes: the length is a 16-bit field), bad_utf8,
// too_many_topic_levels, or packet_too_large (the packet would exceed
// max_remaining_length).
std::error_code check_publish(std::string_view topic, std::size_t payload_size, std::uint8_t qos) noexcept;

}  // namespace hearth::mqtt
