// Downsampling, retention, the size cap, history queries and CSV export.
#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include "hearth/store/history.hpp"
#include "hearth/store/readings.hpp"
#include "hearth/store/retention.hpp"
#include "store_support.hpp"

using namespace hearth;
using hearth::test::house::count_rows;
using store::ms_per_hour;

namespace {

constexpr std::int64_t t0 = 1'700'000'000'000 / ms_per_hour * ms_per_hour;  // a whole hour

// `per_hour` readings per hour for `hours` hours from t0, values 0..per_hour-1.
void fill(store::readings_store& s, std::string sensor, int hours, int per_hour) {
  for (int h = 0; h < hours; ++h)
    for (int i = 0; i < per_hour; ++i)
      s.add({"kitchen", "temperature", sensor, static_cast<double>(i), t0 + h * ms_per_hour + i * (ms_per_hour / per_hour)});
  REQUIRE(s.flush());
}

store::history_query q(std::int64_t from, std::int64_t to, std::size_t max_points = 1000) {
  return {"kitchen", "temperature", "28-01", from, to, max_points};
}

}  // namespace

TEST_CASE("store: raw rows older than the retention become hourly min/avg/max", "[store]") {
  test::house::memory_db m;
  store::readings_store s(m.db);
  fill(s, "28-01", 5, 4);  // values 0,1,2,3 each hour
  fill(s, "28-02", 5, 2);
  // Keep 2 hours raw at t0 + 5h: hours 0, 1 and 2 are summarised.
  auto res = store::apply_retention(m.db, t0 + 5 * ms_per_hour, std::chrono::hours(2));
  CHECK(res.raw_summarised == 3 * 4 + 3 * 2);
  CHECK(count_rows(m.db, "SELECT count(*) FROM reading") == 2 * 4 + 2 * 2);
  CHECK(count_rows(m.db, "SELECT count(*) FROM hourly") == 6);
  auto row = m.db.prepare("SELECT n, min, avg, max FROM hourly h JOIN series s ON s.id = h.series "
                          "WHERE s.sensor = '28-01' AND hour = ?");
  row.bind(1, t0 + ms_per_hour);
  REQUIRE(row.step());
  CHECK(row.column_int(0) == 4);
  CHECK(row.column_double(1) == 0);
  CHECK(row.column_double(2) == 1.5);
  CHECK(row.column_double(3) == 3);
  // Running it again changes nothing.
  CHECK(store::apply_retention(m.db, t0 + 5 * ms_per_hour, std::chrono::hours(2)).raw_summarised == 0);
}

TEST_CASE("store: a late reading is folded into its summarised hour", "[store]") {
  test::house::memory_db m;
  store::readings_store s(m.db);
  fill(s, "28-01", 1, 4);  // 0,1,2,3: avg 1.5
  store::downsample_before(m.db, t0 + ms_per_hour);
  s.add({"kitchen", "temperature", "28-01", 11.0, t0 + 10});  // buffered by an agent
  REQUIRE(s.flush());
  store::downsample_before(m.db, t0 + ms_per_hour);
  auto row = m.db.prepare("SELECT n, min, avg, max FROM hourly");
  REQUIRE(row.step());
  CHECK(row.column_int(0) == 5);
  CHECK(row.column_double(1) == 0);
  CHECK(row.column_double(2) == Approx((0 + 1 + 2 + 3 + 11) / 5.0));
  CHECK(row.column_double(3) == 11);
  CHECK_FALSE(row.step());
}

TEST_CASE("store: a cutoff inside an hour keeps that hour raw", "[store]") {
  test::house::memory_db m;
  store::readings_store s(m.db);
  fill(s, "28-01", 2, 4);
  store::downsample_before(m.db, t0 + ms_per_hour + ms_per_hour / 2);
  CHECK(count_rows(m.db, "SELECT count(*) FROM hourly") == 1);
  CHECK(count_rows(m.db, "SELECT count(*) FROM reading") == 4);
}

TEST_CASE("store: the size cap summarises the oldest raw data, then drops the oldest hours", "[store]") {
  test::house::temp_dir dir;
  auto db = store::open_house_db(dir.file("readings.db"));
  store::readings_store s(*db, {.batch_rows = 5000});
  fill(s, "28-01", 48, 600);  // 28,800 rows
  const std::uint64_t full = store::used_bytes(*db);
  REQUIRE(full > 400'000);

  // Half the size: the oldest raw hours go (summarised), the newest stay raw.
  auto res = store::enforce_size_cap(*db, full / 2);
  CHECK(res.bytes_before == full);
  CHECK(res.bytes_after <= full / 2);
  CHECK(store::used_bytes(*db) <= full / 2);
  CHECK(res.raw_summarised > 0);
  CHECK(res.hourly_dropped == 0);
  CHECK(count_rows(*db, "SELECT max(ts) FROM reading") == t0 + 47 * ms_per_hour + 599 * 6000);
  CHECK(count_rows(*db, "SELECT min(hour) FROM hourly") == t0);
  // The file itself shrank (incremental vacuum), not only the used pages.
  CHECK(std::filesystem::file_size(dir.file("readings.db")) < full);

  // No cap, nothing done.
  CHECK(store::enforce_size_cap(*db, 0).raw_summarised == 0);
}

TEST_CASE("store: with no raw rows left the size cap drops the oldest hours", "[store]") {
  test::house::temp_dir dir;
  auto db = store::open_house_db(dir.file("readings.db"));
  store::readings_store s(*db, {.batch_rows = 5000});
  for (int i = 0; i < 4; ++i) fill(s, "28-0" + std::to_string(i), 2000, 1);  // 4 x 2000 hours
  store::downsample_before(*db, t0 + 2000 * ms_per_hour);
  REQUIRE(count_rows(*db, "SELECT count(*) FROM reading") == 0);
  const std::uint64_t hourly_only = store::used_bytes(*db);
  REQUIRE(hourly_only > 100'000);
  auto res = store::enforce_size_cap(*db, hourly_only / 2);
  CHECK(res.hourly_dropped > 0);
  CHECK(res.hourly_dropped < 8000);
  CHECK(store::used_bytes(*db) <= hourly_only / 2);
  CHECK(count_rows(*db, "SELECT max(hour) FROM hourly") == t0 + 1999 * ms_per_hour);  // the newest stay
  CHECK(count_rows(*db, "SELECT min(hour) FROM hourly") > t0);
}

TEST_CASE("store: history returns raw rows for a short raw range", "[store]") {
  test::house::memory_db m;
  store::readings_store s(m.db);
  fill(s, "28-01", 2, 4);
  auto h = store::query_history(m.db, q(t0, t0 + ms_per_hour));
  CHECK(h.raw);
  REQUIRE(h.points.size() == 4);
  CHECK(h.points[1].ts == t0 + ms_per_hour / 4);
  CHECK(h.points[1].avg == 1);
  // `to` is exclusive, `from` inclusive.
  CHECK(store::query_history(m.db, q(t0 + ms_per_hour / 4, t0 + ms_per_hour / 2)).points.size() == 1);
  // Unknown series, inverted range: nothing.
  auto unknown = q(t0, t0 + ms_per_hour);
  unknown.sensor = "nope";
  CHECK(store::query_history(m.db, unknown).points.empty());
  CHECK(store::query_history(m.db, q(t0 + 5, t0)).points.empty());
}

TEST_CASE("store: history buckets when there are too many points or hourly rows", "[store]") {
  test::house::memory_db m;
  store::readings_store s(m.db);
  fill(s, "28-01", 10, 4);  // 40 rows over 10 hours

  SECTION("too many raw rows: hourly buckets of raw rows") {
    auto h = store::query_history(m.db, q(t0, t0 + 10 * ms_per_hour, 10));
    CHECK_FALSE(h.raw);
    CHECK(h.bucket_ms == ms_per_hour);
    REQUIRE(h.points.size() == 10);
    CHECK(h.points[3].ts == t0 + 3 * ms_per_hour);
    CHECK(h.points[3].count == 4);
    CHECK(h.points[3].min == 0);
    CHECK(h.points[3].avg == 1.5);
    CHECK(h.points[3].max == 3);
  }
  SECTION("fewer points allowed than hours: buckets of several hours") {
    auto h = store::query_history(m.db, q(t0, t0 + 10 * ms_per_hour, 3));
    CHECK(h.bucket_ms == 4 * ms_per_hour);
    CHECK(h.points.size() <= 4);
    std::int64_t total = 0;
    for (const auto& p : h.points) total += p.count;
    CHECK(total == 40);
  }
  SECTION("hourly and raw rows combine in one series") {
    store::downsample_before(m.db, t0 + 5 * ms_per_hour);
    auto h = store::query_history(m.db, q(t0, t0 + 10 * ms_per_hour));
    CHECK_FALSE(h.raw);  // part of the range is hourly already
    REQUIRE(h.points.size() == 10);
    for (const auto& p : h.points) {
      CHECK(p.count == 4);
      CHECK(p.avg == 1.5);
    }
    // The raw part alone is still raw.
    CHECK(store::query_history(m.db, q(t0 + 6 * ms_per_hour, t0 + 7 * ms_per_hour)).raw);
  }
}

TEST_CASE("store: CSV and JSON export of a history", "[store]") {
  store::history h;
  h.query = {"kitchen", "temperature", "28-01", 0, 10, 100};
  h.points = {{1'700'000'000'123, 21.5, 21.5, 21.5, 1}, {1'700'000'060'000, 0.1, 0.1, 0.1, 1}};
  CHECK(store::to_csv(h) ==
        "time,ts,value\n"
        "2023-11-14T22:13:20.123Z,1700000000123,21.5\n"
        "2023-11-14T22:14:20.000Z,1700000060000,0.1\n");
  CHECK(boost::json::serialize(store::to_json(h)) ==
        R"({"node":"kitchen","kind":"temperature","sensor":"28-01","from":0,"to":10,"raw":true,"bucket_ms":0,)"
        R"("points":[[1700000000123,2.15E1],[1700000060000,1E-1]]})");
  h.raw = false;
  h.bucket_ms = ms_per_hour;
  h.points = {{1'699'999'200'000, 18, 20.25, 23, 12}};
  CHECK(store::to_csv(h) == "time,ts,min,avg,max,count\n2023-11-14T22:00:00.000Z,1699999200000,18,20.25,23,12\n");
}

TEST_CASE("store: the list of series with their time span", "[store]") {
  test::house::memory_db m;
  store::readings_store s(m.db);
  fill(s, "28-01", 3, 2);
  store::downsample_before(m.db, t0 + ms_per_hour);
  auto list = store::list_series(m.db);
  REQUIRE(list.size() == 1);
  CHECK(list[0].sensor == "28-01");
  CHECK(list[0].first == t0);
  CHECK(list[0].last == t0 + 2 * ms_per_hour + ms_per_hour / 2);
}
