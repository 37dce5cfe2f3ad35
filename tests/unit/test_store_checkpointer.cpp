// store::wal_checkpointer: checkpoints happen on its thread, the loop's
// connection keeps only a fallback threshold, and the log stays small while
// a writer keeps committing.
#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include "hearth/store/sqlite.hpp"
#include "hearth/store/wal_checkpointer.hpp"
#include "temp_dir.hpp"

using namespace hearth::store;
using namespace std::chrono_literals;

namespace {
using hearth::test::temp_dir;

void write_batch(database& db, int rows) {
  transaction tx(db);
  statement ins(db, "INSERT INTO t(v) VALUES(?)");
  for (int i = 0; i < rows; ++i) ins.bind(1, std::string(100, 'x')).run();
  tx.commit();
}
}  // namespace

TEST_CASE("wal_checkpointer copies the log in the background", "[store]") {
  temp_dir d;
  const std::string path = d.file("r.db");
  database db(path);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("CREATE TABLE t(v TEXT)");
  wal_checkpointer ckpt(db, 5ms, 100000);
  statement pragma(db, "PRAGMA wal_autocheckpoint");
  REQUIRE(pragma.step());
  CHECK(pragma.column_int(0) == 100000);  // the loop's own checkpoints only as a fallback
  pragma.reset();

  // A writer that never checkpoints itself (threshold far away): the log
  // is copied and restarted by the background thread, so it stays small.
  std::uintmax_t biggest = 0;
  for (int i = 0; i < 40; ++i) {
    write_batch(db, 200);
    std::this_thread::sleep_for(10ms);
    biggest = std::max(biggest, std::filesystem::file_size(path + "-wal"));
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (ckpt.frames_copied() == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  CHECK(ckpt.checkpoints() > 0);
  CHECK(ckpt.frames_copied() > 0);
  CHECK(ckpt.failures() == 0);
  CHECK(ckpt.last_error().empty());
  // 40 batches of ~20 KiB of rows: without the restarts the log would hold
  // all of them (~1 MiB and more); with them, a few batches at most.
  CHECK(biggest < 512 * 1024);
  statement count(db, "SELECT count(*) FROM t");
  REQUIRE(count.step());
  CHECK(count.column_int(0) == 40 * 200);
}

TEST_CASE("wal_checkpointer stops promptly", "[store]") {
  temp_dir d;
  database db(d.file("r.db"));
  db.exec("PRAGMA journal_mode=WAL");
  const auto t0 = std::chrono::steady_clock::now();
  { wal_checkpointer ckpt(db, 10s); }
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
}
