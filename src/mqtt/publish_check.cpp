#include "hearth/mqtt/publish_check.hpp"

#include "hearth/mqtt/codec.hpp"
#include "hearth/mqtt/errors.hpp"
#include "hearth/mqtt/topic.hpp"
#include "hearth/mqtt/utf8.hpp"

namespace hearth::mqtt {

std::error_code check_publish(std::string_view topic, std::size_t payload_size, std::uint8_t qos) noexcept {
  if (qos > 2) return errc::bad_qos;
  if (topic.size() > 65535) return errc::bad_topic_name;
  if (!is_valid_mqtt_utf8(topic)) return errc::bad_utf8;
  if (!is_valid_topic_name(topic)) return errc::bad_topic_name;
  if (topic_levels(topic) > max_topic_levels) return errc::too_many_topic_levels;
  // The topic is at most 65,535 bytes here, so the header never exceeds the maximum.
  const std::size_t header = 2 + topic.size() + (qos > 0 ? 2 : 0);
  if (payload_size > max_remaining_length - header) return errc::packet_too_large;
  return {};
}

}  // namespace hearth::mqtt
