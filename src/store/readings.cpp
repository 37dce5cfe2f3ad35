#include "hearth/store/readings.hpp"

#include <utility>

namespace hearth::store {

std::string series_key(std::string_view node, std::string_view kind, std::string_view sensor) {
  std::string key;
  key.reserve(node.size() + kind.size() + sensor.size() + 2);
  key.append(node).append(1, '\0').append(kind).append(1, '\0').append(sensor);
  return key;
}

readings_store::readings_store(database& db, readings_limits limits)
    : db_(db),
      limits_(limits),
      insert_row_(db, "INSERT INTO reading(series, ts, value) VALUES(?, ?, ?)"),
      insert_series_(db, "INSERT INTO series(node, kind, sensor) VALUES(?, ?, ?)") {
  if (limits_.batch_rows == 0) limits_.batch_rows = 1;
  if (limits_.max_pending < limits_.batch_rows) limits_.max_pending = limits_.batch_rows;
  queue_.reserve(limits_.batch_rows);
  statement all(db, "SELECT id, node, kind, sensor FROM series");
  while (all.step())
    series_.emplace(series_key(all.column_text(1), all.column_text(2), all.column_text(3)), all.column_int(0));
}

bool readings_store::add(reading r) {
  if (series_.size() >= limits_.max_series && !series_.contains(series_key(r.node, r.kind, r.sensor))) {
    ++stats_.dropped;
    return false;
  }
  if (queue_.size() >= limits_.max_pending) {
    // Only possible while flushes fail: try once more, then give up on this row.
    if (!flush()) {
      ++stats_.dropped;
      return false;
    }
  }
  queue_.push_back(std::move(r));
  if (queue_.size() % limits_.batch_rows == 0) flush();  // a failure keeps the rows queued
  return true;
}

std::int64_t readings_store::series_for(const reading& r, std::vector<std::string>& created) {
  std::string key = series_key(r.node, r.kind, r.sensor);
  if (auto it = series_.find(key); it != series_.end()) return it->second;
  insert_series_.bind(1, std::string_view(r.node)).bind(2, std::string_view(r.kind)).bind(3, std::string_view(r.sensor));
  insert_series_.run();
  const std::int64_t id = db_.last_insert_rowid();
  created.push_back(key);
  series_.emplace(std::move(key), id);
  return id;
}

bool readings_store::flush() {
  if (queue_.empty()) return true;
  // Series created in a transaction that then rolls back do not exist:
  // forget their ids again.
  std::vector<std::string> created;
  try {
    transaction tx(db_);
    for (const reading& r : queue_) {
      insert_row_.bind(1, series_for(r, created)).bind(2, r.ts).bind(3, r.value);
      insert_row_.run();
    }
    tx.commit();
  } catch (const sqlite_error& e) {
    insert_row_.reset();
    insert_series_.reset();
    for (const auto& key : created) series_.erase(key);
    ++stats_.failed_flushes;
    last_error_ = e.what();
    return false;
  }
  stats_.stored += queue_.size();
  ++stats_.flushes;
  queue_.clear();
  last_error_.clear();
  return true;
}

std::optional<std::int64_t> readings_store::series_id(std::string_view node, std::string_view kind,
                                                      std::string_view sensor) {
  if (auto it = series_.find(series_key(node, kind, sensor)); it != series_.end()) return it->second;
  return std::nullopt;
}

}  // namespace hearth::store
