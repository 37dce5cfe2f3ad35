#include "hearth/store/sqlite.hpp"

#include <sqlite3.h>

#include <utility>

namespace hearth::store {

namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view context) {
  std::string what(context);
  what += ": ";
  what += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw sqlite_error(rc & 0xff, what);
}

}  // namespace

database::database(const std::string& path) : path_(path) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string what = "cannot open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close(db_);
    db_ = nullptr;
    throw sqlite_error(rc & 0xff, what);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 2000);
  exec("PRAGMA foreign_keys=ON");
}

database::~database() { sqlite3_close_v2(db_); }

void database::exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string what = std::string(err ? err : sqlite3_errstr(rc)) + " (in: " + text.substr(0, 120) + ")";
    sqlite3_free(err);
    throw sqlite_error(rc & 0xff, what);
  }
}

statement database::prepare(std::string_view sql) { return statement(*this, sql); }

int database::user_version() {
  statement s(*this, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.column_int(0));
}

void database::set_user_version(int v) { exec("PRAGMA user_version=" + std::to_string(v)); }

std::int64_t database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int database::changes() const { return sqlite3_changes(db_); }

statement::statement(database& db, std::string_view sql) : db_(&db) {
  const int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) fail(db.handle(), rc, "prepare '" + std::string(sql.substr(0, 120)) + "'");
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement::statement(statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_) {}

statement& statement::operator=(statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = other.db_;
  }
  return *this;
}

statement& statement::bind(int index, std::int64_t v) {
  const int rc = sqlite3_bind_int64(stmt_, index, v);
  if (rc != SQLITE_OK) fail(db_->handle(), rc, "bind");
  return *this;
}

statement& statement::bind(int index, double v) {
  const int rc = sqlite3_bind_double(stmt_, index, v);
  if (rc != SQLITE_OK) fail(db_->handle(), rc, "bind");
  return *this;
}

statement& statement::bind(int index, std::string_view text) {
  const int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_->handle(), rc, "bind");
  return *this;
}

statement& statement::bind_blob(int index, std::string_view bytes) {
  // A zero-length blob must not bind as NULL: pass a valid pointer.
  const int rc = sqlite3_bind_blob(stmt_, index, bytes.empty() ? "" : bytes.data(),
                                   static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_->handle(), rc, "bind");
  return *this;
}

statement& statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) fail(db_->handle(), rc, "bind");
  return *this;
}

bool statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string sql = sqlite3_sql(stmt_) ? sqlite3_sql(stmt_) : "";
  sqlite3_reset(stmt_);
  fail(db_->handle(), rc, "step '" + sql.substr(0, 120) + "'");
}

void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t statement::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }

double statement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }

std::string statement::column_text(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

bool statement::column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

transaction::transaction(database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

transaction::~transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (const sqlite_error&) {
      // Nothing to do: SQLite rolls back on its own when a statement failed.
    }
  }
}

void transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace hearth::store
