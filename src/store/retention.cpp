#include "hearth/store/retention.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "hearth/store/schema.hpp"

namespace hearth::store {

namespace {

std::int64_t hour_floor(std::int64_t ms) {
  const std::int64_t h = ms / ms_per_hour * ms_per_hour;
  return h > ms ? h - ms_per_hour : h;  // negative times round down too
}

std::vector<std::int64_t> all_series(database& db) {
  std::vector<std::int64_t> ids;
  statement s(db, "SELECT id FROM series ORDER BY id");
  while (s.step()) ids.push_back(s.column_int(0));
  return ids;
}

// The min or max of a column over every series, each found through the
// index (one seek per series instead of a scan of the table).
std::optional<std::int64_t> extreme(database& db, const char* sql) {
  statement s(db, sql);
  if (!s.step() || s.column_is_null(0)) return std::nullopt;
  return s.column_int(0);
}

constexpr const char* oldest_raw_sql =
    "SELECT min(m) FROM (SELECT (SELECT min(ts) FROM reading WHERE series = s.id) AS m FROM series s)";
constexpr const char* newest_raw_sql =
    "SELECT max(m) FROM (SELECT (SELECT max(ts) FROM reading WHERE series = s.id) AS m FROM series s)";
constexpr const char* oldest_hour_sql =
    "SELECT min(m) FROM (SELECT (SELECT min(hour) FROM hourly WHERE series = s.id) AS m FROM series s)";
constexpr const char* newest_hour_sql =
    "SELECT max(m) FROM (SELECT (SELECT max(hour) FROM hourly WHERE series = s.id) AS m FROM series s)";

// The next span to drop: doubling from one hour (few rounds when far over
// the cap) but at most an eighth of what is left, so that the last round
// does not overshoot by much.
std::int64_t next_span(std::int64_t span, std::int64_t oldest, std::int64_t newest) {
  return std::max(ms_per_hour, std::min(span, (newest - oldest) / 8));
}

}  // namespace

maintenance_result downsample_before(database& db, std::int64_t cutoff_ms) {
  maintenance_result out;
  const std::int64_t cutoff = hour_floor(cutoff_ms);
  transaction tx(db);
  // The SET expressions all see the row as it was, so n is updated last
  // only for the reader's sake.
  statement fold(db, R"sql(
    INSERT INTO hourly(series, hour, n, min, avg, max)
      SELECT series, ts - (ts % 3600000), count(*), min(value), avg(value), max(value)
      FROM reading WHERE series = ?1 AND ts < ?2 GROUP BY 2
    ON CONFLICT(series, hour) DO UPDATE SET
      min = min(hourly.min, excluded.min),
      max = max(hourly.max, excluded.max),
      avg = (hourly.avg * hourly.n + excluded.avg * excluded.n) / (hourly.n + excluded.n),
      n = hourly.n + excluded.n)sql");
  statement drop(db, "DELETE FROM reading WHERE series = ?1 AND ts < ?2");
  for (std::int64_t id : all_series(db)) {
    fold.bind(1, id).bind(2, cutoff);
    fold.run();
    drop.bind(1, id).bind(2, cutoff);
    drop.run();
    out.raw_summarised += static_cast<std::uint64_t>(db.changes());
  }
  tx.commit();
  return out;
}

maintenance_result apply_retention(database& db, std::int64_t now_ms, std::chrono::hours keep_raw) {
  const std::int64_t keep_ms = std::chrono::duration_cast<std::chrono::milliseconds>(keep_raw).count();
  return downsample_before(db, now_ms - keep_ms);
}

maintenance_result enforce_size_cap(database& db, std::uint64_t max_bytes) {
  maintenance_result out;
  out.bytes_before = out.bytes_after = used_bytes(db);
  if (max_bytes == 0) return out;
  std::int64_t span = ms_per_hour;
  while (out.bytes_after > max_bytes) {
    if (auto first = extreme(db, oldest_raw_sql)) {
      const std::int64_t step = next_span(span, *first, extreme(db, newest_raw_sql).value_or(*first));
      out.raw_summarised += downsample_before(db, hour_floor(*first) + step).raw_summarised;
    } else if (auto first_hour = extreme(db, oldest_hour_sql)) {
      const std::int64_t step = next_span(span, *first_hour, extreme(db, newest_hour_sql).value_or(*first_hour));
      statement drop(db, "DELETE FROM hourly WHERE hour < ?1");
      drop.bind(1, *first_hour + step);
      drop.run();
      out.hourly_dropped += static_cast<std::uint64_t>(db.changes());
    } else {
      break;  // nothing left to drop: the cap is below an empty database
    }
    db.exec("PRAGMA incremental_vacuum");
    span *= 2;
    out.bytes_after = used_bytes(db);
  }
  return out;
}

}  // namespace hearth::store
