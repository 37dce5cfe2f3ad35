// The house database (readings.db in --data-dir): opening, integrity check
// and the ordered schema migrations.
//
// One file holds the readings (raw and hourly), the devices, rooms and
// pairing, and the command audit log, so that one backup is the whole house.
// The schema version is PRAGMA user_version; migration i takes the schema
// from version i to i+1 inside one transaction, so a crash mid-migration
// leaves the previous version intact. A file newer than this build is refused
// rather than guessed at.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "hearth/store/sqlite.hpp"

namespace hearth::store {

// A database that cannot be used: corrupt, not a database, or from a newer
// hearthd. The message says what happened and what to do about it.
struct store_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The version migrate() brings a database to.
int latest_schema_version() noexcept;

// Applies the missing migrations in order. Throws store_error for a file
// newer than this build, sqlite_error if a migration fails (rolled back).
void migrate(database& db);

// Runs PRAGMA integrity_check (or quick_check); returns "" when the file is
// sound, else SQLite's first problems, one per line.
std::string integrity_problems(database& db, bool quick = false, int max_errors = 10);

// Pages in use (page_count - freelist_count) times the page size: what the
// data occupies, as opposed to the file size, which shrinks only once freed
// pages are vacuumed.
std::uint64_t used_bytes(database& db);

// Opens (creating) the database file at `path`: incremental auto-vacuum on a
// new file, WAL with synchronous=NORMAL, the integrity check, migrations.
// Throws store_error with a message naming the file on any failure.
std::unique_ptr<database> open_house_db(const std::string& path, bool quick_check = false);

}  // namespace hearth::store
