#include "hearth/mqtt/outbound_queue.hpp"

#include <cassert>

namespace hearth::mqtt {

std::string* outbound_queue::appendable_tail(std::size_t n) noexcept {
  if (head_ == entries_.size()) return nullptr;
  entry& tail = entries_.back();
  if (tail.payload || tail.bytes.size() + n > coalesce_max) return nullptr;
  return &tail.bytes;
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

std::size_t outbound_queue::prepare(std::size_t budget) {
  if (!flight_.empty()) return 0;
  std::size_t bytes = 0;
  std::size_t pieces = 0;
  std::size_t end = head_;
  for (; end < entries_.size(); ++end) {
    const entry& e = entries_[end];
    // Always at least one entry, however large, so that a write makes progress.
    if (end > head_ && (bytes + e.size() > budget || pieces + e.pieces() > max_pieces)) break;
    bytes += e.size();
    pieces += e.pieces();
  }
  flight_.reserve(end - head_);
  for (; head_ < end; ++head_) flight_.push_back(std::move(entries_[head_]));
  flight_bytes_ = bytes;
  if (head_ == entries_.size()) {
    entries_.clear();
    head_ = 0;
  } else if (head_ >= 32 && head_ * 2 >= entries_.size()) {
    // Compact once the moved-out prefix is half the vector: amortised O(1)
    // per entry, however long a slow subscriber's queue grows.
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  return bytes;
}

void outbound_queue::consume() noexcept {
  assert(bytes_ >= flight_bytes_);
  bytes_ -= flight_bytes_;
  flight_bytes_ = 0;
  flight_.clear();
  if (empty()) {
    // An idle connection keeps no queue memory at all.
    std::vector<entry>().swap(entries_);
    std::vector<entry>().swap(flight_);
  }
}

void outbound_queue::clear() noexcept {
  std::vector<entry>().swap(entries_);
  std::vector<entry>().swap(flight_);
  head_ = flight_bytes_ = bytes_ = 0;
}

}  // namespace hearth::mqtt
