#include "hearth/bench/stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace hearth::bench {

std::size_t latency_histogram::bucket_of(std::uint64_t value) noexcept {
  if (value < exact_limit) return static_cast<std::size_t>(value);
  const unsigned octave = 63u - static_cast<unsigned>(std::countl_zero(value));  // >= sub_bits + 1
  const unsigned shift = octave - sub_bits;
  const auto mantissa = static_cast<std::size_t>(value >> shift);  // in [64, 128)
  return exact_limit + (octave - (sub_bits + 1)) * (std::size_t{1} << sub_bits) +
         (mantissa - (std::size_t{1} << sub_bits));
}

std::uint64_t latency_histogram::bucket_upper(std::size_t bucket) noexcept {
  if (bucket < exact_limit) return bucket;
  const std::size_t k = bucket - exact_limit;
  const unsigned octave = static_cast<unsigned>(k >> sub_bits) + sub_bits + 1;
  const std::uint64_t mantissa = (std::uint64_t{1} << sub_bits) + (k & ((std::size_t{1} << sub_bits) - 1));
  const unsigned shift = octave - sub_bits;
  // For the very last bucket (mantissa + 1) << shift wraps to 0 and the
  // subtraction yields UINT64_MAX, which is the right answer.
  return ((mantissa + 1) << shift) - 1;
}

void latency_histogram::record(std::uint64_t value) noexcept {
  ++buckets_[bucket_of(value)];
  ++count_;
  max_ = std::max(max_, value);
  min_ = std::min(min_, value);
}

void latency_histogram::merge(const latency_histogram& other) noexcept {
  for (std::size_t i = 0; i < bucket_count; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

void latency_histogram::reset() noexcept { *this = latency_histogram{}; }

std::uint64_t latency_histogram::percentile(double q) const noexcept {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the sample asked for, 1-based: p50 of 1..100 is the 50th.
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min(bucket_upper(i), max_);
  }
  return max_;
}

sequence_tracker::sequence_tracker(std::size_t window)
    : bits_((std::max<std::size_t>(window, 64) + 63) / 64, 0), window_(bits_.size() * 64) {}

bool sequence_tracker::test(std::uint64_t seq) const noexcept {
  const std::uint64_t b = seq % window_;
  return (bits_[b / 64] >> (b % 64)) & 1u;
}

void sequence_tracker::set(std::uint64_t seq) noexcept {
  const std::uint64_t b = seq % window_;
  bits_[b / 64] |= std::uint64_t{1} << (b % 64);
}

void sequence_tracker::clear(std::uint64_t seq) noexcept {
  const std::uint64_t b = seq % window_;
  bits_[b / 64] &= ~(std::uint64_t{1} << (b % 64));
}

sequence_tracker::outcome sequence_tracker::record(std::uint64_t seq) noexcept {
  ++received_;
  if (seq >= next_) {
    // Forget the numbers that slide out of the window: their bit positions
    // are reused by next_ .. seq.
    if (seq - next_ >= window_) {
      std::fill(bits_.begin(), bits_.end(), 0);
    } else {
      for (std::uint64_t s = next_; s < seq; ++s) clear(s);
    }
    set(seq);
    const bool gap = seq != next_;
    next_ = seq + 1;
    ++unique_;
    return gap ? outcome::gap : outcome::in_order;
  }
  if (next_ - seq > window_) {  // too old to tell: count it late, not duplicated
    ++unique_;
    ++out_of_order_;
    return outcome::out_of_order;
  }
  if (test(seq)) {
    ++duplicates_;
    return outcome::duplicate;
  }
  set(seq);
  ++unique_;
  ++out_of_order_;
  return outcome::out_of_order;
}

}  // namespace hearth::bench
