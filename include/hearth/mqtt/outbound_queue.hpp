// A connection's bounded write queue, free of I/O.
//
// Entries are either owned bytes (control packets, and the per-subscriber
// PUBLISH header) or an owned header followed by a shared, immutable payload
// (message_ptr), so a publish fanned out to N subscribers keeps one copy of
// its payload. Consecutive small packets are appended into one owned string,
// and payloads of at most `inline_payload_max` bytes are copied next to their
// header: a burst of small packets then costs one buffer, not hundreds.
//
// Flow control (redis' client output buffer limits, STYLE.md habit 4):
//  - past `soft_bytes` of unsent data a droppable (QoS 0) publish is refused
//    and counted; an empty queue accepts anything;
//  - past `hard_bytes` or `max_entries` the queue reports overflowed() and
//    the caller disconnects the peer. Nothing is ever refused silently.
//
// Writing (redis' writeToClient): gather() hands out the unsent bytes from
// the front as at most `max_pieces` buffers for one gather write, and
// consume(n) drops the n bytes the write took, which may end inside an entry.
// The buffers are valid until the next push or consume: a writer gathers,
// writes and consumes in one go, and gathers again for the next write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/mqtt/message.hpp"

namespace hearth::mqtt {

struct outbound_limits {
  std::size_t soft_bytes = 1u << 20;
  std::size_t hard_bytes = 16u << 20;
  // Bounds the bookkeeping too: 2^17 entries of at least `inline_payload_max`
  // bytes each reach the default hard_bytes at about the same point.
  std::size_t max_entries = 1u << 17;
};

class outbound_queue {
public:
  static constexpr std::size_t coalesce_max = 4096;       // an owned entry grows up to this by appending
  static constexpr std::size_t inline_payload_max = 128;  // smaller payloads are copied, not shared
  static constexpr std::size_t max_pieces = 64;           // buffers per gather write (Asio's limit)

  explicit outbound_queue(outbound_limits limits = {}) noexcept : limits_(limits) {}

  // Queues an encoded control packet. Always accepted: the caller checks
  // overflowed() afterwards.
  void push(std::string_view bytes);

  // Queues a PUBLISH made of `header` (copied) and the payload of `m`
  // (shared). A droppable publish is refused past the soft limit: returns
  // false and counts the drop.
  bool push_publish(std::string_view header, const message_ptr& m, bool droppable);

  // Past the hard limit: the connection must be closed.
  bool overflowed() const noexcept { return bytes_ > limits_.hard_bytes || size() > limits_.max_entries; }

  std::size_t bytes() const noexcept { return bytes_; }  // not yet written
  std::size_t size() const noexcept { return entries_.size() - head_; }
  bool empty() const noexcept { return head_ == entries_.size(); }
  std::uint64_t dropped() const noexcept { return dropped_; }
  const outbound_limits& limits() const noexcept { return limits_; }

  // Calls fn(std::string_view) for the unsent bytes from the front: whole
  // pieces, at most max_pieces of them, stopping once `max_bytes` are
  // reached (the last piece may pass it). Returns the bytes handed out.
  template <class Fn>
  std::size_t gather(std::size_t max_bytes, Fn&& fn) const {
    std::size_t total = 0;
    std::size_t pieces = 0;
    std::size_t skip = offset_;  // already written of the front entry
    for (std::size_t i = head_; i < entries_.size() && pieces < max_pieces && total < max_bytes; ++i) {
      const entry& e = entries_[i];
      std::string_view parts[2] = {e.bytes, e.payload ? std::string_view(e.payload->payload) : std::string_view()};
      for (std::string_view part : parts) {
        if (skip >= part.size()) {
          skip -= part.size();
          continue;
        }
        part.remove_prefix(skip);
        skip = 0;
        if (pieces == max_pieces || total >= max_bytes) break;
        fn(part);
        total += part.size();
        ++pieces;
      }
    }
    return total;
  }

  // Drops the first `n` written bytes (at most bytes()).
  void consume(std::size_t n) noexcept;

  // Drops everything.
  void clear() noexcept;

private:
  struct entry {
    std::string bytes;    // a control packet, packets appended together, or a PUBLISH header
    message_ptr payload;  // shared payload following `bytes`, or null
    std::size_t size() const noexcept { return bytes.size() + (payload ? payload->payload.size() : 0); }
  };

  // The owned tail entry that `n` more bytes may be appended to, or null.
  std::string* appendable_tail(std::size_t n) noexcept;

  outbound_limits limits_;
  std::vector<entry> entries_;  // [head_, end) are unsent
  std::size_t head_ = 0;
  std::size_t offset_ = 0;      // bytes of entries_[head_] already written
  std::size_t bytes_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace hearth::mqtt
