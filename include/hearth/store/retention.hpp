// Keeping readings.db small: raw rows older than the retention period become
// per-hour min/avg/max rows, and a size cap drops the oldest data first
// (raw before hourly) when the file holds more than allowed.
//
// Both run from the event loop at the caller's pace (hourly is plenty) and
// work series by series through the (series, ts) index, so no full-table
// scan and no index on ts alone is needed. Downsampling merges into an
// existing hour (count-weighted average), so a late reading buffered by an
// agent and stored after its hour was summarised is folded in, not lost.
#pragma once

#include <chrono>
#include <cstdint>

#include "hearth/store/sqlite.hpp"

namespace hearth::store {

inline constexpr std::int64_t ms_per_hour = 3600 * 1000;

struct maintenance_result {
  std::uint64_t raw_summarised = 0;  // raw rows folded into hourly rows and deleted
  std::uint64_t hourly_dropped = 0;  // hourly rows deleted by the size cap
  std::uint64_t bytes_before = 0;
  std::uint64_t bytes_after = 0;
};

// Folds every raw row with ts < `cutoff_ms` (rounded down to a whole hour)
// into the hourly table and deletes it. One transaction.
maintenance_result downsample_before(database& db, std::int64_t cutoff_ms);

// Raw rows older than `keep_raw` (relative to `now_ms`) become hourly rows.
maintenance_result apply_retention(database& db, std::int64_t now_ms, std::chrono::hours keep_raw);

// While used_bytes() exceeds `max_bytes`: summarise the oldest raw hours
// (doubling the span each round, at most an eighth of the time left), then, when no raw rows are left, delete the
// oldest hourly rows the same way. Frees the pages (incremental vacuum) so the
// file shrinks too. max_bytes == 0 means no cap.
maintenance_result enforce_size_cap(database& db, std::uint64_t max_bytes);

}  // namespace hearth::store
