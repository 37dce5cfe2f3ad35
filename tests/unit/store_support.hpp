// Helpers for the house storage tests: a migrated :memory: database, a
// temporary directory removed at the end, and a row counter.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <random>
#include <string>

#include "hearth/store/schema.hpp"
#include "hearth/store/sqlite.hpp"

namespace hearth::test::house {

struct memory_db {
  store::database db{":memory:"};
  memory_db() { store::migrate(db); }
};

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("hearth-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

inline std::int64_t count_rows(store::database& db, const std::string& sql) {
  auto s = db.prepare(sql);
  REQUIRE(s.step());
  return s.column_int(0);
}

}  // namespace hearth::test::house
