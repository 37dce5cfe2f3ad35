// Readings storage: schema migrations, batched writes, a failing disk, and
// the bounded queue, on :memory: databases.
#include <catch2/catch.hpp>

#include "hearth/store/readings.hpp"
#include "store_support.hpp"

using namespace hearth;
using hearth::test::house::count_rows;

namespace {

store::reading r(std::string sensor, double v, std::int64_t ts, std::string kind = "temperature") {
  return {"kitchen", std::move(kind), std::move(sensor), v, ts};
}

// Makes every INSERT into reading fail as a dying disk would: SQLite aborts
// the statement and the transaction is rolled back.
void break_disk(store::database& db) {
  db.exec("CREATE TEMP TRIGGER fail BEFORE INSERT ON reading "
          "BEGIN SELECT RAISE(ABORT, 'disk I/O error (simulated)'); END");
}
void mend_disk(store::database& db) { db.exec("DROP TRIGGER temp.fail"); }

}  // namespace

TEST_CASE("store: migrations run in order once, and a newer file is refused", "[store]") {
  store::database db(":memory:");
  CHECK(db.user_version() == 0);
  store::migrate(db);
  CHECK(db.user_version() == store::latest_schema_version());
  store::migrate(db);  // nothing to do the second time
  CHECK(db.user_version() == store::latest_schema_version());
  CHECK(count_rows(db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('reading', 'hourly', 'device', "
                       "'room', 'pairing', 'command_log')") == 6);
  db.set_user_version(store::latest_schema_version() + 1);
  CHECK_THROWS_WITH(store::migrate(db), Catch::Contains("newer than this hearthd"));
}

TEST_CASE("store: readings are queued until flush, then written in one transaction", "[store]") {
  test::house::memory_db m;
  store::readings_store s(m.db, {.batch_rows = 100});
  CHECK(s.add(r("28-01", 21.5, 1000)));
  CHECK(s.add(r("28-02", 19.0, 1000)));
  CHECK(s.add(r("28-01", 21.75, 2000)));
  CHECK(s.pending() == 3);
  CHECK(count_rows(m.db, "SELECT count(*) FROM reading") == 0);
  CHECK(s.flush());
  CHECK(s.pending() == 0);
  CHECK(count_rows(m.db, "SELECT count(*) FROM reading") == 3);
  CHECK(count_rows(m.db, "SELECT count(*) FROM series") == 2);
  CHECK(s.stats().stored == 3);
  CHECK(s.stats().flushes == 1);
  CHECK(s.series_id("kitchen", "temperature", "28-01").has_value());
  CHECK_FALSE(s.series_id("kitchen", "humidity", "28-01").has_value());
  CHECK(s.flush());  // nothing queued: no transaction
  CHECK(s.stats().flushes == 1);
}

TEST_CASE("store: a full batch is written without waiting for the timer", "[store]") {
  test::house::memory_db m;
  store::readings_store s(m.db, {.batch_rows = 10});
  for (int i = 0; i < 25; ++i) CHECK(s.add(r("28-01", i, i)));
  CHECK(count_rows(m.db, "SELECT count(*) FROM reading") == 20);
  CHECK(s.pending() == 5);
  CHECK(s.stats().flushes == 2);
}

TEST_CASE("store: series ids survive a restart of the store", "[store]") {
  test::house::memory_db m;
  {
    store::readings_store s(m.db);
    s.add(r("28-01", 1, 1));
    REQUIRE(s.flush());
  }
  store::readings_store s(m.db);
  CHECK(s.series_id("kitchen", "temperature", "28-01").has_value());
  s.add(r("28-01", 2, 2));
  REQUIRE(s.flush());
  CHECK(count_rows(m.db, "SELECT count(*) FROM series") == 1);
}

TEST_CASE("store: while the disk fails rows are kept, bounded, and written once it recovers", "[store]") {
  test::house::memory_db m;
  store::readings_store s(m.db, {.batch_rows = 10, .max_pending = 30});
  break_disk(m.db);
  for (int i = 0; i < 50; ++i) s.add(r("28-0" + std::to_string(i % 3), i, i));
  CHECK(s.pending() == 30);  // never more than max_pending
  CHECK(s.stats().dropped == 20);
  CHECK(s.stats().failed_flushes >= 3);
  CHECK_THAT(s.last_error(), Catch::Contains("disk I/O error (simulated)"));
  CHECK(count_rows(m.db, "SELECT count(*) FROM reading") == 0);
  // The series created inside the failed transactions were rolled back too.
  CHECK(count_rows(m.db, "SELECT count(*) FROM series") == 0);

  mend_disk(m.db);
  CHECK(s.flush());
  CHECK(s.pending() == 0);
  CHECK(s.last_error().empty());
  CHECK(count_rows(m.db, "SELECT count(*) FROM reading") == 30);
  CHECK(count_rows(m.db, "SELECT count(*) FROM series") == 3);
  // The first 30 were kept, the last 20 dropped.
  CHECK(count_rows(m.db, "SELECT max(ts) FROM reading") == 29);
}

TEST_CASE("store: the number of series is bounded", "[store]") {
  test::house::memory_db m;
  store::readings_store s(m.db, {.batch_rows = 1, .max_series = 3});
  CHECK(s.add(r("a", 1, 1)));
  CHECK(s.add(r("b", 1, 1)));
  CHECK(s.add(r("c", 1, 1)));
  CHECK_FALSE(s.add(r("d", 1, 1)));  // a fourth sensor id is refused...
  CHECK(s.add(r("a", 2, 2)));        // ...known ones still go in
  CHECK(s.stats().dropped == 1);
  CHECK(count_rows(m.db, "SELECT count(*) FROM series") == 3);
}
