// A thin RAII layer over the SQLite C API, shared by every store in hearthd.
//
// SQLite is called from the event loop (one thread), so there is no locking
// here. Expected failures (a busy or corrupt file, a constraint) come back as
// sqlite_error with SQLite's message and the statement that failed; the
// callers decide whether that is fatal. Nothing else in Hearth includes
// <sqlite3.h>.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace hearth::store {

struct sqlite_error : std::runtime_error {
  sqlite_error(int code, const std::string& what) : std::runtime_error(what), code(code) {}
  int code;  // SQLite's primary result code (SQLITE_BUSY, SQLITE_CORRUPT, ...)
};

class statement;

class database {
 public:
  // Opens (creating if needed) the file at `path`; ":memory:" for tests.
  // Sets foreign_keys on and a busy timeout; WAL is the caller's choice
  // (exec("PRAGMA journal_mode=WAL")).
  explicit database(const std::string& path);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  // Runs one or more statements without results; throws sqlite_error.
  void exec(std::string_view sql);
  statement prepare(std::string_view sql);

  // PRAGMA user_version, the schema version that migrations advance.
  int user_version();
  void set_user_version(int v);

  std::int64_t last_insert_rowid() const;
  int changes() const;  // rows changed by the last statement
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }  // for the backup API and the like

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A prepared statement. bind() indexes start at 1 as in SQLite. step()
// returns true while there is a row; reset() makes it reusable (bindings are
// cleared too), which is how hot statements are kept prepared.
class statement {
 public:
  statement(database& db, std::string_view sql);
  ~statement();
  statement(statement&& other) noexcept;
  statement& operator=(statement&& other) noexcept;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int index, std::int64_t v);
  statement& bind(int index, double v);
  statement& bind(int index, std::string_view text);
  statement& bind_blob(int index, std::string_view bytes);
  statement& bind_null(int index);

  bool step();   // true: a row is available; false: done. Throws sqlite_error.
  void run() { step(); reset(); }  // for INSERT/UPDATE/DELETE
  void reset();

  std::int64_t column_int(int col) const;
  double column_double(int col) const;
  std::string column_text(int col) const;  // also for blobs
  bool column_is_null(int col) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  database* db_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back if destroyed before commit().
class transaction {
 public:
  explicit transaction(database& db);
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  void commit();

 private:
  database& db_;
  bool done_ = false;
};

}  // namespace hearth::store
