#include "hearth/store/audit.hpp"

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace hearth::store {

audit_log::audit_log(database& db, std::size_t max_rows) : db_(db), max_rows_(std::max<std::size_t>(max_rows, 1)) {}

namespace {
// A default-constructed string_view has no data and would bind as NULL.
std::string_view text(std::string_view s) { return s.data() ? s : std::string_view(""); }
}  // namespace

std::int64_t audit_log::record(std::int64_t ts, std::string_view user, std::string_view node, std::string_view relay,
                               std::string_view state, std::string_view outcome, std::string_view detail) {
  statement s(db_, "INSERT INTO command_log(ts, user, node, relay, state, outcome, detail) VALUES(?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, ts).bind(2, text(user)).bind(3, text(node)).bind(4, text(relay)).bind(5, text(state)).bind(6, text(outcome));
  s.bind(7, text(detail)).run();
  return db_.last_insert_rowid();
}

void audit_log::finish(std::int64_t id, std::string_view outcome, std::int64_t done_ts, std::string_view detail) {
  statement s(db_, "UPDATE command_log SET outcome = ?, done_ts = ?, detail = ? WHERE id = ?");
  s.bind(1, text(outcome)).bind(2, done_ts).bind(3, text(detail)).bind(4, id).run();
}

std::vector<audit_entry> audit_log::query(const audit_query& q) const {
  statement s(db_, "SELECT id, ts, user, node, relay, state, outcome, done_ts, detail FROM command_log "
                   "WHERE id < ?1 AND (?2 = '' OR node = ?2) AND (?3 = '' OR user = ?3) ORDER BY id DESC LIMIT ?4");
  s.bind(1, q.before_id.value_or(INT64_MAX))
      .bind(2, std::string_view(q.node))
      .bind(3, std::string_view(q.user))
      .bind(4, static_cast<std::int64_t>(std::min<std::size_t>(q.limit, 10000)));
  std::vector<audit_entry> out;
  while (s.step()) {
    audit_entry e{s.column_int(0),  s.column_int(1),
                  s.column_text(2), s.column_text(3), s.column_text(4), s.column_text(5), s.column_text(6),
                  std::nullopt,     s.column_text(8)};
    if (!s.column_is_null(7)) e.done_ts = s.column_int(7);
    out.push_back(std::move(e));
  }
  return out;
}

std::size_t audit_log::prune() {
  statement s(db_, "DELETE FROM command_log WHERE id <= (SELECT id FROM command_log ORDER BY id DESC LIMIT 1 OFFSET ?)");
  s.bind(1, static_cast<std::int64_t>(max_rows_)).run();
  return static_cast<std::size_t>(db_.changes());
}

boost::json::value to_json(const std::vector<audit_entry>& entries) {
  boost::json::array out;
  for (const audit_entry& e : entries) {
    boost::json::object o{{"id", e.id},       {"ts", e.ts},           {"user", e.user},
                          {"node", e.node},   {"relay", e.relay},     {"state", e.state},
                          {"outcome", e.outcome}, {"detail", e.detail}};
    if (e.done_ts) o["done_ts"] = *e.done_ts;
    else o["done_ts"] = nullptr;
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace hearth::store
