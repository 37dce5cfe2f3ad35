// Helpers for the house storage tests: a migrated :memory: database, a
// temporary directory removed at the end, and a row counter.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <string>

#include "hearth/store/schema.hpp"
#include "hearth/store/sqlite.hpp"
#include "temp_dir.hpp"

namespace hearth::test::house {

struct memory_db {
  store::database db{":memory:"};
  memory_db() { store::migrate(db); }
};

using test::temp_dir;

inline std::int64_t count_rows(store::database& db, const std::string& sql) {
  auto s = db.prepare(sql);
  REQUIRE(s.step());
  return s.column_int(0);
}

}  // namespace hearth::test::house
