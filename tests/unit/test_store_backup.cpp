// Online backup (restored and compared) and the integrity check on open.
#include <catch2/catch.hpp>

#include <fstream>

#include "hearth/store/backup.hpp"
#include "hearth/store/readings.hpp"
#include "store_support.hpp"

using namespace hearth;
using hearth::test::house::count_rows;

namespace {

std::string dump(store::database& db) {
  std::string out;
  auto s = db.prepare("SELECT s.node, s.kind, s.sensor, r.ts, r.value FROM reading r JOIN series s ON s.id = r.series "
                      "ORDER BY r.rowid");
  while (s.step()) out += s.column_text(2) + "@" + std::to_string(s.column_int(3)) + "=" + s.column_text(4) + ";";
  return out;
}

void fill(store::database& db, int n) {
  store::readings_store s(db, {.batch_rows = 1000});
  for (int i = 0; i < n; ++i) s.add({"n1", "temperature", "28-0" + std::to_string(i % 4), i * 0.5, 1000 + i});
  REQUIRE(s.flush());
}

}  // namespace

TEST_CASE("store: open_house_db makes a WAL database at the latest schema", "[store]") {
  test::house::temp_dir dir;
  auto db = store::open_house_db(dir.file("readings.db"));
  auto mode = db->prepare("PRAGMA journal_mode");
  REQUIRE(mode.step());
  CHECK(mode.column_text(0) == "wal");
  CHECK(db->user_version() == store::latest_schema_version());
  auto vac = db->prepare("PRAGMA auto_vacuum");
  REQUIRE(vac.step());
  CHECK(vac.column_int(0) == 2);  // incremental
}

TEST_CASE("store: an online backup restores to the same data", "[store]") {
  test::house::temp_dir dir;
  auto db = store::open_house_db(dir.file("readings.db"));
  fill(*db, 5000);
  const std::string before = dump(*db);

  SECTION("all at once") { store::backup_to(*db, dir.file("backup.db")); }
  SECTION("a few pages per step, with writes in between") {
    store::backup_job job(*db, dir.file("backup.db"));
    int steps = 0;
    while (!job.step(2)) {
      ++steps;
      REQUIRE(steps < 100000);
      CHECK(job.remaining() <= job.total());
    }
    CHECK(steps > 1);
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("backup.db.tmp")));
  auto restored = store::open_house_db(dir.file("backup.db"));  // integrity-checked
  CHECK(dump(*restored) == before);
  CHECK(count_rows(*restored, "SELECT count(*) FROM reading") == 5000);
  CHECK(restored->user_version() == store::latest_schema_version());
}

TEST_CASE("store: a backup to an impossible place fails clearly and leaves nothing", "[store]") {
  test::house::temp_dir dir;
  auto db = store::open_house_db(dir.file("readings.db"));
  CHECK_THROWS_WITH(store::backup_to(*db, dir.file("no/such/dir/backup.db")), Catch::Contains("cannot open"));
  CHECK_FALSE(std::filesystem::exists(dir.file("backup.db")));
}

TEST_CASE("store: a corrupt file is refused on open with a clear message", "[store][malformed]") {
  test::house::temp_dir dir;
  const std::string path = dir.file("readings.db");
  {
    auto db = store::open_house_db(path);
    fill(*db, 20000);
    db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const auto size = std::filesystem::file_size(path);
  REQUIRE(size > 64 * 1024);

  SECTION("garbage in the middle of the b-trees") {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    const std::string junk(8192, '\xA5');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    f.close();
    CHECK_THROWS_WITH(store::open_house_db(path),
                      Catch::Contains(path) && Catch::Contains("corrupt") && Catch::Contains("restore a backup"));
  }
  SECTION("not a database at all") {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << std::string(4096, 'x');
    CHECK_THROWS_WITH(store::open_house_db(path), Catch::Contains(path) && Catch::Contains("not a database"));
  }
}
