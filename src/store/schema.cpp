#include "hearth/store/schema.hpp"

#include <array>
#include <string_view>

namespace hearth::store {

namespace {

// Append only: a released migration is never edited, a change is a new one.
constexpr std::array<std::string_view, 3> migrations = {
    // 1: readings. A series is one sensor value stream (node, kind, sensor);
    // rows refer to it by a small integer so that a raw row stays ~20 bytes.
    // (series, ts) serves both history ranges and the per-series retention
    // scans, so no index on ts alone is needed (each index slows inserts).
    R"sql(
      CREATE TABLE series(
        id INTEGER PRIMARY KEY,
        node TEXT NOT NULL, kind TEXT NOT NULL, sensor TEXT NOT NULL,
        UNIQUE(node, kind, sensor));
      CREATE TABLE reading(series INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL);
      CREATE INDEX reading_series_ts ON reading(series, ts);
      CREATE TABLE hourly(
        series INTEGER NOT NULL, hour INTEGER NOT NULL,
        n INTEGER NOT NULL, min REAL NOT NULL, avg REAL NOT NULL, max REAL NOT NULL,
        PRIMARY KEY(series, hour)) WITHOUT ROWID;
    )sql",
    // 2: devices, rooms and the pairing imported from pairing.conf. A device
    // is what a node publishes (a sensor or a relay); `confirmed` is 0 until
    // the user has looked at it (the "new devices" list). `pairing` maps a
    // sensor id to a room whatever node reports it, as pairing.conf did.
    R"sql(
      CREATE TABLE room(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE);
      CREATE TABLE node(
        name TEXT PRIMARY KEY, label TEXT NOT NULL DEFAULT '',
        room INTEGER REFERENCES room(id) ON DELETE SET NULL,
        first_seen INTEGER NOT NULL, confirmed INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
      CREATE TABLE device(
        node TEXT NOT NULL, kind TEXT NOT NULL, sensor TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        room INTEGER REFERENCES room(id) ON DELETE SET NULL,
        first_seen INTEGER NOT NULL, confirmed INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY(node, kind, sensor)) WITHOUT ROWID;
      CREATE TABLE pairing(
        sensor TEXT PRIMARY KEY,
        room INTEGER NOT NULL REFERENCES room(id) ON DELETE CASCADE) WITHOUT ROWID;
    )sql",
    // 3: the command audit log.
    R"sql(
      CREATE TABLE command_log(
        id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, user TEXT NOT NULL,
        node TEXT NOT NULL, relay TEXT NOT NULL, state TEXT NOT NULL,
        outcome TEXT NOT NULL, done_ts INTEGER, detail TEXT NOT NULL DEFAULT '');
    )sql",
};

std::string pragma_text(database& db, const std::string& sql) {
  statement s(db, sql);
  return s.step() ? s.column_text(0) : std::string();
}

}  // namespace

int latest_schema_version() noexcept { return static_cast<int>(migrations.size()); }

void migrate(database& db) {
  const int have = db.user_version();
  if (have > latest_schema_version()) {
    throw store_error(db.path() + ": schema version " + std::to_string(have) + " is newer than this hearthd (" +
                      std::to_string(latest_schema_version()) +
                      "); run the newer hearthd or restore a backup made by this one");
  }
  for (int v = have; v < latest_schema_version(); ++v) {
    transaction tx(db);
    db.exec(migrations[static_cast<std::size_t>(v)]);
    db.set_user_version(v + 1);  // in the same transaction: both or neither
    tx.commit();
  }
}

std::string integrity_problems(database& db, bool quick, int max_errors) {
  statement s(db, std::string(quick ? "PRAGMA quick_check(" : "PRAGMA integrity_check(") +
                      std::to_string(max_errors) + ")");
  std::string out;
  while (s.step()) {
    std::string line = s.column_text(0);
    if (line == "ok") continue;
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

std::uint64_t used_bytes(database& db) {
  statement s(db, "SELECT (SELECT page_count FROM pragma_page_count()) - "
                  "(SELECT freelist_count FROM pragma_freelist_count()), "
                  "(SELECT page_size FROM pragma_page_size())");
  s.step();
  return static_cast<std::uint64_t>(s.column_int(0)) * static_cast<std::uint64_t>(s.column_int(1));
}

std::unique_ptr<database> open_house_db(const std::string& path, bool quick_check) {
  const std::string advice =
      "; restore a backup (hearthd backup FILE makes one) or move the file away to start with an empty one";
  std::unique_ptr<database> db;
  try {
    db = std::make_unique<database>(path);
    // Only takes effect before the first table exists, i.e. on a new file;
    // it lets the size cap give freed pages back to the file system.
    if (db->user_version() == 0) db->exec("PRAGMA auto_vacuum=INCREMENTAL");
    const std::string problems = integrity_problems(*db, quick_check);
    if (!problems.empty())
      throw store_error(path + " is corrupt (PRAGMA integrity_check: " + problems + ")" + advice);
    if (path != ":memory:") {
      const std::string mode = pragma_text(*db, "PRAGMA journal_mode=WAL");
      if (mode != "wal") throw store_error(path + ": cannot switch to WAL mode (journal_mode is " + mode + ")");
    }
    // In WAL mode NORMAL loses at most the last transactions on power loss,
    // never consistency, and spares the SD card a sync per commit.
    db->exec("PRAGMA synchronous=NORMAL");
    migrate(*db);
  } catch (const sqlite_error& e) {
    const std::string why = e.code == 26 /* SQLITE_NOTADB */ || e.code == 11 /* SQLITE_CORRUPT */
                                ? " is corrupt or not a database (" + std::string(e.what()) + ")" + advice
                                : ": " + std::string(e.what());
    throw store_error(path + why);
  }
  return db;
}

}  // namespace hearth::store
