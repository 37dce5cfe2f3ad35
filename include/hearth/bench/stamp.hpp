// The stamp every hearth-bench payload starts with: publisher id, sequence
// number and the CLOCK_MONOTONIC time at which the publisher built the packet.
//
// Publishers write the stamp straight into their send buffer, subscribers read
// it from the received payload; the rest of the payload is filler. Fixed
// little-endian layout so that the bytes mean the same on every machine:
//   offset 0  u32 magic ("HBn1")   offset 4  u32 publisher id
//   offset 8  u64 sequence number  offset 16 u64 send time in nanoseconds
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hearth::bench {

inline constexpr std::size_t stamp_size = 24;
inline constexpr std::uint32_t stamp_magic = 0x316e4248;  // "HBn1" little-endian

struct stamp {
  std::uint32_t publisher = 0;
  std::uint64_t sequence = 0;
  std::uint64_t sent_ns = 0;
};

namespace detail {
inline void put_le(char* p, std::uint64_t v, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
inline std::uint64_t get_le(const char* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}
}  // namespace detail

// Writes the stamp into `out`, which has room for at least stamp_size bytes.
inline void write_stamp(const stamp& s, char* out) noexcept {
  detail::put_le(out, stamp_magic, 4);
  detail::put_le(out + 4, s.publisher, 4);
  detail::put_le(out + 8, s.sequence, 8);
  detail::put_le(out + 16, s.sent_ns, 8);
}

// Reads a stamp; false if the payload is too short or is not a bench payload.
inline bool read_stamp(std::string_view payload, stamp& out) noexcept {
  if (payload.size() < stamp_size) return false;
  if (detail::get_le(payload.data(), 4) != stamp_magic) return false;
  out.publisher = static_cast<std::uint32_t>(detail::get_le(payload.data() + 4, 4));
  out.sequence = detail::get_le(payload.data() + 8, 8);
  out.sent_ns = detail::get_le(payload.data() + 16, 8);
  return true;
}

}  // namespace hearth::bench
