// Retained messages by topic name: the last retained PUBLISH per topic,
// removed by a retained PUBLISH with an empty payload (MQTT-3.3.1-10).
// Given a message_meter, it holds every message it keeps (memory budget).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/mqtt/message.hpp"

namespace hearth::mqtt {

class retained_store {
public:
  explicit retained_store(message_meter* meter = nullptr) noexcept : meter_(meter) {}
  ~retained_store();
  retained_store(const retained_store&) = delete;
  retained_store& operator=(const retained_store&) = delete;

  // Stores `m` under its topic, or clears the topic when the payload is empty.
  void put(const message_ptr& m);

  // Appends every retained message whose topic matches `filter`.
  void match(std::string_view filter, std::vector<message_ptr>& out) const;

  const message_ptr* find(std::string_view topic) const;
  std::size_t size() const noexcept { return messages_.size(); }
  std::size_t payload_bytes() const noexcept { return bytes_; }

  template <class F>
  void for_each(F&& f) const {
    for (auto& [topic, m] : messages_) f(m);
  }

private:
  std::map<std::string, message_ptr, std::less<>> messages_;
  std::size_t bytes_ = 0;
  message_meter* meter_ = nullptr;
};

}  // namespace hearth::mqtt
