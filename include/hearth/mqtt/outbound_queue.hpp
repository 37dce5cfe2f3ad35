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
// Writing: one write in flight. prepare(budget) moves a prefix of whole
// entries (at least one, up to `budget` bytes and `max_pieces` buffers) to
// the in-flight list, for_each_in_flight() hands out their pieces for one
// coalesced gather write, and consume() drops them once that write has
// completed. The in-flight list is not touched by later pushes (a short
// string keeps its bytes inside the object, so moving it, as a growing
// vector does, would move the bytes under the write).
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
  static constexpr std::size_t coalesce_max = 4096;      // an owned entry grows up to this by appending
  static constexpr std::size_t inline_payload_max = 128;  // smaller payloads are copied, not shared
  static constexpr std::size_t max_pieces = 64;           // buffers per write (Asio's gather limit)

  explicit outbound_queue(outbound_limits limits = {}) noexcept : limits_(limits) {}

  // Queues an encoded control packet. Always accepted: the caller checks
  // overflowed() afterwards.
  void push(std::string_view bytes);

  // Queues a PUBLISH made of `header` (copied) and the payload of `m`
  // (shared). A droppable publish is refused past the soft limit: returns
  // false and counts the drop.
  bool push_publish(std::string_view header, const message_ptr& m, bool droppable);

  // Past the hard limit: the connection must be closed.
  bool overflowed() const noexcept {
    return bytes_ > limits_.hard_bytes || size() > limits_.max_entries;
  }

  std::size_t bytes() const noexcept { return bytes_; }  // queued and in flight
  std::size_t size() const noexcept { return entries_.size() - head_ + flight_.size(); }
  bool empty() const noexcept { return head_ == entries_.size() && flight_.empty(); }
  std::uint64_t dropped() const noexcept { return dropped_; }
  const outbound_limits& limits() const noexcept { return limits_; }

  // Moves the next entries in flight and returns their size in bytes; 0 when
  // nothing is queued or a write is already in flight.
  std::size_t prepare(std::size_t budget);
  bool in_flight() const noexcept { return !flight_.empty(); }

  // Calls fn(std::string_view) for each piece of the entries in flight.
  template <class Fn>
  void for_each_in_flight(Fn&& fn) const {
    for (const entry& e : flight_) {
      if (!e.bytes.empty()) fn(std::string_view(e.bytes));
      if (e.payload && !e.payload->payload.empty()) fn(std::string_view(e.payload->payload));
    }
  }

  // The write of the entries in flight completed: drops them.
  void consume() noexcept;

  // Drops everything, in flight or not. Only once the write can no longer
  // touch its buffers (it completed, or the socket is closed).
  void clear() noexcept;

private:
  struct entry {
    std::string bytes;    // a control packet, packets appended together, or a PUBLISH header
    message_ptr payload;  // shared payload following `bytes`, or null
    std::size_t size() const noexcept { return bytes.size() + (payload ? payload->payload.size() : 0); }
    std::size_t pieces() const noexcept { return (bytes.empty() ? 0 : 1) + (payload ? 1 : 0); }
  };

  // The owned tail entry that `n` more bytes may be appended to, or null.
  std::string* appendable_tail(std::size_t n) noexcept;

  outbound_limits limits_;
  std::vector<entry> entries_;  // waiting; [0, head_) already moved out
  std::size_t head_ = 0;
  std::vector<entry> flight_;   // being written
  std::size_t flight_bytes_ = 0;
  std::size_t bytes_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace hearth::mqtt
