// hearth-bench's statistics: a latency histogram and per-publisher sequence
// accounting. Pure data structures: no clock, no I/O, no allocation after
// construction, so recording a sample costs a few instructions on the hot path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace hearth::bench {

// Log-linear histogram of non-negative values (nanoseconds here), in the
// manner of HdrHistogram: values below 128 are exact, larger values fall into
// 64 buckets per power of two, so a reported percentile is at most 1/64
// (1.6 %) above the true value. Fixed memory (~30 KiB), any uint64 value.
class latency_histogram {
public:
  static constexpr unsigned sub_bits = 6;  // 64 sub-buckets per octave
  static constexpr std::size_t exact_limit = 2u << sub_bits;  // 128: values below are their own bucket
  static constexpr std::size_t bucket_count = exact_limit + (64 - (sub_bits + 1)) * (1u << sub_bits);

  void record(std::uint64_t value) noexcept;
  void merge(const latency_histogram& other) noexcept;
  void reset() noexcept;

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t max() const noexcept { return max_; }
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  // The value below or at which `q` (0..1) of the samples lie, reported as the
  // upper bound of its bucket, never above the exact maximum; 0 when empty.
  std::uint64_t percentile(double q) const noexcept;

  // Exposed for tests: bucket of a value and the largest value in a bucket.
  static std::size_t bucket_of(std::uint64_t value) noexcept;
  static std::uint64_t bucket_upper(std::size_t bucket) noexcept;

private:
  std::array<std::uint64_t, bucket_count> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = UINT64_MAX;
};

// Accounts for the sequence numbers one subscriber receives from one
// publisher (which numbers them 0, 1, 2, ...). A bitmap of the last `window`
// numbers below the highest seen tells a duplicate from a late arrival; a
// number older than the window cannot be checked and counts as out of order
// (and as unique, so loss can only be under-reported, never invented).
class sequence_tracker {
public:
  enum class outcome { in_order, gap, out_of_order, duplicate };

  explicit sequence_tracker(std::size_t window = 4096);

  outcome record(std::uint64_t seq) noexcept;

  std::uint64_t received() const noexcept { return received_; }
  std::uint64_t unique() const noexcept { return unique_; }
  std::uint64_t duplicates() const noexcept { return duplicates_; }
  std::uint64_t out_of_order() const noexcept { return out_of_order_; }
  // Messages of 0..sent-1 never seen; 0 if more were seen than sent.
  std::uint64_t lost(std::uint64_t sent) const noexcept { return sent > unique_ ? sent - unique_ : 0; }

private:
  bool test(std::uint64_t seq) const noexcept;
  void set(std::uint64_t seq) noexcept;
  void clear(std::uint64_t seq) noexcept;

  std::vector<std::uint64_t> bits_;  // bit (seq % window_) set = seq received
  std::uint64_t window_;
  std::uint64_t next_ = 0;  // highest sequence seen + 1
  std::uint64_t received_ = 0;
  std::uint64_t unique_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t out_of_order_ = 0;
};

}  // namespace hearth::bench
