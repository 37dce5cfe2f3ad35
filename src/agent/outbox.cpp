#include "hearth/agent/outbox.hpp"

namespace hearth::agent {
namespace {

store::database& open(store::database& db) {
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=FULL");
  if (db.user_version() == 0) {
    db.exec(
        "CREATE TABLE IF NOT EXISTS outbox(id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, "
        "payload BLOB NOT NULL);"
        "CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
        "INSERT OR IGNORE INTO counters VALUES('dropped', 0);");
    db.set_user_version(1);
  }
  return db;
}

}  // namespace

outbox::outbox(const std::string& path, std::size_t max_rows)
    : db_(path),
      max_rows_(max_rows == 0 ? 1 : max_rows),
      insert_(open(db_), "INSERT INTO outbox(topic, payload) VALUES(?, ?)"),
      select_(db_, "SELECT id, topic, payload FROM outbox WHERE id > ? ORDER BY id LIMIT ?"),
      delete_(db_, "DELETE FROM outbox WHERE id = ?") {
  auto q = db_.prepare("SELECT value FROM counters WHERE name = 'dropped'");
  if (q.step()) dropped_ = static_cast<std::uint64_t>(q.column_int(0));
  count_ = size();
}

std::int64_t outbox::push(const std::string& topic, const std::string& payload) {
  store::transaction tx(db_);
  insert_.bind(1, std::string_view(topic)).bind_blob(2, payload).run();
  const auto id = db_.last_insert_rowid();
  ++count_;
  if (count_ > max_rows_) {
    const auto excess = static_cast<std::int64_t>(count_ - max_rows_);
    auto del = db_.prepare("DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)");
    del.bind(1, excess).run();
    const auto n = static_cast<std::int64_t>(db_.changes());
    auto upd = db_.prepare("UPDATE counters SET value = value + ? WHERE name = 'dropped'");
    upd.bind(1, n).run();
    dropped_ += static_cast<std::uint64_t>(n);
    count_ -= static_cast<std::size_t>(n);
  }
  tx.commit();
  return id;
}

std::vector<queued_message> outbox::next(std::int64_t after, std::size_t n) {
  std::vector<queued_message> out;
  select_.bind(1, after).bind(2, static_cast<std::int64_t>(n));
  while (select_.step()) out.push_back({select_.column_int(0), select_.column_text(1), select_.column_text(2)});
  select_.reset();
  return out;
}

void outbox::remove(std::int64_t id) {
  delete_.bind(1, id).run();
  if (db_.changes() > 0 && count_ > 0) --count_;
}

std::size_t outbox::size() {
  auto q = db_.prepare("SELECT COUNT(*) FROM outbox");
  q.step();
  return static_cast<std::size_t>(q.column_int(0));
}

}  // namespace hearth::agent
