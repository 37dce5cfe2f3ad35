#include "hearth/mqtt/outbound_queue.hpp"

#include <algorithm>
#include <cassert>

namespace hearth::mqtt {

std::string* outbound_queue::appendable_tail(std::size_t n) noexcept {
  if (empty()) return nullptr;
  entry& tail = entries_.back();
  if (tail.payload || tail.bytes.size() + n > coalesce_max) return nullptr;
  return &tail.bytes;  // also when partly written: offset_ stays valid
}

void outbound_queue::push(std::string_view bytes) {
  if (bytes.empty()) return;
  if (std::string* tail = appendable_tail(bytes.size())) {
    tail->append(bytes);
  } else {
    entries_.push_back(entry{std::string(bytes), nullptr});
  }
  bytes_ += bytes.size();
}

bool outbound_queue::push_publish(std::string_view header, const message_ptr& m, bool droppable) {
  // An empty queue takes anything, so a message larger than the soft limit
  // still reaches a subscriber that keeps up.
  if (droppable && bytes_ > limits_.soft_bytes) {
    ++dropped_;
    return false;
  }
  const std::string& payload = m->payload;
  if (payload.size() <= inline_payload_max) {
    // Copying a small payload is cheaper than a buffer of its own, and lets
    // the packets around it share one string.
    const std::size_t n = header.size() + payload.size();
    std::string* tail = appendable_tail(n);
    if (!tail) {
      entries_.push_back(entry{});
      tail = &entries_.back().bytes;
      tail->reserve(n);
    }
    tail->append(header).append(payload);
    bytes_ += n;
    return true;
  }
  entries_.push_back(entry{std::string(header), m});
  bytes_ += header.size() + payload.size();
  return true;
}

void outbound_queue::consume(std::size_t n) noexcept {
  assert(n <= bytes_);
  bytes_ -= n;
  while (n > 0 && head_ < entries_.size()) {
    const std::size_t left = entries_[head_].size() - offset_;
    if (n < left) {
      offset_ += n;
      break;
    }
    n -= left;
    entries_[head_] = entry{};  // frees its bytes and releases its payload now
    ++head_;
    offset_ = 0;
  }
  if (empty()) {
    // An idle connection keeps no queue memory at all.
    clear();
  } else if (head_ >= 32 && head_ * 2 >= entries_.size()) {
    // Compact once the written prefix is half the vector: amortised O(1)
    // per entry, however long a slow subscriber's queue grows.
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void outbound_queue::clear() noexcept {
  std::vector<entry>().swap(entries_);
  head_ = offset_ = bytes_ = 0;
}

}  // namespace hearth::mqtt
