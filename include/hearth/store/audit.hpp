// The command audit log: who asked for what, when, and how it ended. One
// row per command, written when it starts (outcome "pending") and updated
// when it ends. Bounded: prune() keeps the newest `max_rows`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "hearth/store/sqlite.hpp"

namespace hearth::store {

struct audit_entry {
  std::int64_t id = 0;
  std::int64_t ts = 0;  // unix ms
  std::string user, node, relay, state;
  std::string outcome;  // pending, confirmed, timeout, superseded, failed, refused
  std::optional<std::int64_t> done_ts;
  std::string detail;
};

struct audit_query {
  std::size_t limit = 100;                // newest first
  std::optional<std::int64_t> before_id;  // paging: entries older than this
  std::string node;                       // "" = any
  std::string user;                       // "" = any
};

class audit_log {
public:
  explicit audit_log(database& db, std::size_t max_rows = 100000);

  // Returns the new row's id.
  std::int64_t record(std::int64_t ts, std::string_view user, std::string_view node, std::string_view relay,
                      std::string_view state, std::string_view outcome = "pending", std::string_view detail = {});
  void finish(std::int64_t id, std::string_view outcome, std::int64_t done_ts, std::string_view detail);
  std::vector<audit_entry> query(const audit_query& q) const;
  std::size_t prune();  // rows deleted

private:
  database& db_;
  std::size_t max_rows_;
};

// [{id, ts, user, node, relay, state, outcome, done_ts, detail}] for the UI.
boost::json::value to_json(const std::vector<audit_entry>& entries);

}  // namespace hearth::store
