// Readings storage: every sensor value, written in batched transactions.
//
// add() only queues; the rows reach SQLite in one transaction when the
// caller's timer calls flush() or when the queue reaches `batch_rows`. While
// the disk fails (flush() returns false) the queued rows are kept for the next
// attempt, but the queue never exceeds `max_pending`: past it new readings are
// dropped and counted, so a dead SD card costs bounded memory. The sensor
// table is bounded too (`max_series`), so a client publishing random sensor
// ids cannot grow it without end.
//
// Called from the event loop only (no locking).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hearth/store/sqlite.hpp"

namespace hearth::store {

struct reading {
  std::string node;
  std::string kind;    // temperature, humidity, moisture, gas, ...
  std::string sensor;  // the sensor id within the node
  double value = 0;
  std::int64_t ts = 0;  // unix milliseconds
};

struct readings_limits {
  std::size_t batch_rows = 500;     // a full batch is written at once
  std::size_t max_pending = 20000;  // queued rows kept while flushes fail
  std::size_t max_series = 10000;   // distinct (node, kind, sensor)
};

struct readings_stats {
  std::uint64_t stored = 0;         // rows committed
  std::uint64_t dropped = 0;        // refused: queue full (disk failing) or too many series
  std::uint64_t failed_flushes = 0;
  std::uint64_t flushes = 0;        // successful transactions
};

class readings_store {
public:
  readings_store(database& db, readings_limits limits = {});

  // Queues one reading, flushing when the batch is full. Returns false when
  // the reading was dropped (counted in stats().dropped).
  bool add(reading r);

  // Writes every queued row in one transaction. On a SQLite failure the rows
  // stay queued, last_error() says why, and false is returned.
  bool flush();

  std::size_t pending() const noexcept { return queue_.size(); }
  const readings_stats& stats() const noexcept { return stats_; }
  const std::string& last_error() const noexcept { return last_error_; }

  // The id of a stored series, for queries; nullopt if never stored.
  std::optional<std::int64_t> series_id(std::string_view node, std::string_view kind, std::string_view sensor);

private:
  std::int64_t series_for(const reading& r, std::vector<std::string>& created);

  database& db_;
  readings_limits limits_;
  std::vector<reading> queue_;
  std::unordered_map<std::string, std::int64_t> series_;  // key: node \0 kind \0 sensor
  statement insert_row_;
  statement insert_series_;
  readings_stats stats_;
  std::string last_error_;
};

// The key series_ uses; exposed for the queries that share the cache format.
std::string series_key(std::string_view node, std::string_view kind, std::string_view sensor);

}  // namespace hearth::store
