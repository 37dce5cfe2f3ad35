// A publisher's QoS 1/2 in-flight window: packet ids handed out in rising
// order (wrapping after 65535, skipping ids still in use), at most `limit` in
// use at once. Pure; the bench engine releases an id on PUBACK / PUBCOMP and
// treats a release of an id not in use as the broker's protocol error.
#pragma once

#include <bitset>
#include <cstdint>

namespace hearth::bench {

class id_pool {
public:
  explicit id_pool(std::uint16_t limit = 64) noexcept : limit_(limit == 0 ? 1 : limit) {}

  bool full() const noexcept { return in_use_ >= limit_; }
  std::uint32_t in_use() const noexcept { return in_use_; }
  std::uint16_t limit() const noexcept { return limit_; }

  // A free id; 0 when the window is full.
  std::uint16_t acquire() noexcept {
    if (full()) return 0;
    for (;;) {
      next_ = next_ == 65535 ? 1 : static_cast<std::uint16_t>(next_ + 1);
      if (!used_[next_]) break;
    }
    used_[next_] = true;
    ++in_use_;
    return next_;
  }

  // False if `id` was not in use (an unsolicited or repeated ack).
  bool release(std::uint16_t id) noexcept {
    if (id == 0 || !used_[id]) return false;
    used_[id] = false;
    --in_use_;
    return true;
  }

  bool contains(std::uint16_t id) const noexcept { return id != 0 && used_[id]; }

private:
  std::bitset<65536> used_;
  std::uint16_t limit_;
  std::uint16_t next_ = 0;
  std::uint32_t in_use_ = 0;
};

}  // namespace hearth::bench
