// An application message as the broker routes it: immutable once built and
// shared by every queue it is in, so a publish to N subscribers is stored once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace hearth::mqtt {

struct message {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;  // the QoS it was published with
  bool retain = false;   // as published; deliveries set their own flag
};

using message_ptr = std::shared_ptr<const message>;

inline message_ptr make_message(std::string_view topic, std::string_view payload, std::uint8_t qos,
                                bool retain) {
  return std::make_shared<const message>(message{std::string(topic), std::string(payload), qos, retain});
}

}  // namespace hearth::mqtt
