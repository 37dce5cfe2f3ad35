// An application message as the broker routes it: immutable once built and
// shared by every queue it is in, so a publish to N subscribers is stored once.
#pragma once

#include <cstddef>
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

  // Bookkeeping of the broker's thread, not content (hence mutable):
  mutable std::uint64_t store_id = 0;  // its row in the persistence layer; 0 while not stored
  mutable std::uint32_t holders = 0;   // queues, windows and retained stores holding it (message_meter)
};

using message_ptr = std::shared_ptr<const message>;

// Counts the messages held by session queues and windows and by the retained
// store, each message once however many hold it (the broker's memory
// budget). Holders call hold() when they take a message and release() when
// they let it go.
struct message_meter {
  std::size_t count = 0;
  std::size_t bytes = 0;  // topic + payload

  static std::size_t size_of(const message& m) noexcept { return m.topic.size() + m.payload.size(); }
  void hold(const message& m) noexcept {
    if (m.holders++ == 0) {
      ++count;
      bytes += size_of(m);
    }
  }
  void release(const message& m) noexcept {
    if (--m.holders == 0) {
      --count;
      bytes -= size_of(m);
    }
  }
};

inline message_ptr make_message(std::string_view topic, std::string_view payload, std::uint8_t qos,
                                bool retain) {
  return std::make_shared<const message>(message{std::string(topic), std::string(payload), qos, retain});
}

}  // namespace hearth::mqtt
