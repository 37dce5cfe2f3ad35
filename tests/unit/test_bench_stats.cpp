// hearth-bench's pure parts: payload stamp, latency histogram, sequence
// accounting, in-flight id window, option parsing, result line, /proc parsers.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <boost/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/bench/id_pool.hpp"
#include "hearth/bench/options.hpp"
#include "hearth/bench/proc.hpp"
#include "hearth/bench/result.hpp"
#include "hearth/bench/stamp.hpp"
#include "hearth/bench/stats.hpp"

using namespace hearth::bench;

TEST_CASE("stamp round-trips and refuses foreign payloads", "[bench]") {
  std::string payload(64, 'x');
  write_stamp({7, 0x0102030405060708ull, 123456789012345ull}, payload.data());
  stamp s;
  REQUIRE(read_stamp(payload, s));
  CHECK(s.publisher == 7);
  CHECK(s.sequence == 0x0102030405060708ull);
  CHECK(s.sent_ns == 123456789012345ull);
  CHECK(static_cast<unsigned char>(payload[8]) == 0x08);  // little-endian on every host

  SECTION("[malformed] too short") { CHECK_FALSE(read_stamp(std::string_view(payload).substr(0, stamp_size - 1), s)); }
  SECTION("[malformed] wrong magic") {
    payload[0] = 'Q';
    CHECK_FALSE(read_stamp(payload, s));
  }
}

TEST_CASE("latency histogram: exact below 128, within 1/64 above", "[bench]") {
  latency_histogram h;
  CHECK(h.percentile(0.5) == 0);
  CHECK(h.max() == 0);
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  CHECK(h.count() == 100);
  CHECK(h.percentile(0.5) == 50);
  CHECK(h.percentile(0.99) == 99);
  CHECK(h.percentile(1.0) == 100);
  CHECK(h.percentile(0.0) == 1);
  CHECK(h.min() == 1);

  latency_histogram big;
  for (std::uint64_t v = 1; v <= 100'000; ++v) big.record(v * 1000);  // 1 us .. 100 ms
  const double p50 = static_cast<double>(big.percentile(0.5));
  const double p999 = static_cast<double>(big.percentile(0.999));
  CHECK(p50 >= 50'000'000.0);
  CHECK(p50 <= 50'000'000.0 * (1 + 1.0 / 64));
  CHECK(p999 >= 99'900'000.0);
  CHECK(p999 <= 99'900'000.0 * (1 + 1.0 / 64));
  CHECK(big.percentile(1.0) == 100'000'000);  // capped by the exact maximum
}

TEST_CASE("latency histogram buckets cover every value once", "[bench]") {
  std::mt19937_64 rng(42);
  std::vector<std::uint64_t> values = {0, 1, 127, 128, 129, 255, 256, 1'000'000, UINT64_MAX - 1, UINT64_MAX};
  for (int i = 0; i < 10'000; ++i) values.push_back(rng() >> (rng() % 64));
  for (std::uint64_t v : values) {
    const std::size_t b = latency_histogram::bucket_of(v);
    REQUIRE(b < latency_histogram::bucket_count);
    REQUIRE(v <= latency_histogram::bucket_upper(b));
    if (b > 0) REQUIRE(v > latency_histogram::bucket_upper(b - 1));
    // Relative width of a bucket is at most 1/64.
    if (v >= 128) REQUIRE(static_cast<double>(latency_histogram::bucket_upper(b) - v) <= static_cast<double>(v) / 64);
  }
  CHECK(latency_histogram::bucket_upper(latency_histogram::bucket_count - 1) == UINT64_MAX);
}

TEST_CASE("latency histogram merge and reset", "[bench]") {
  latency_histogram a, b;
  a.record(10);
  b.record(20);
  b.record(5000);
  a.merge(b);
  CHECK(a.count() == 3);
  CHECK(a.max() == 5000);
  CHECK(a.min() == 10);
  CHECK(a.percentile(0.5) == 20);
  a.reset();
  CHECK(a.count() == 0);
  CHECK(a.percentile(0.99) == 0);
}

TEST_CASE("sequence tracker counts loss, duplicates and reordering", "[bench]") {
  using o = sequence_tracker::outcome;
  sequence_tracker t(128);

  SECTION("in order, nothing lost") {
    for (std::uint64_t s = 0; s < 1000; ++s) REQUIRE(t.record(s) == o::in_order);
    CHECK(t.unique() == 1000);
    CHECK(t.lost(1000) == 0);
    CHECK(t.duplicates() == 0);
    CHECK(t.out_of_order() == 0);
  }
  SECTION("a gap is lost until the late message arrives") {
    CHECK(t.record(0) == o::in_order);
    CHECK(t.record(3) == o::gap);
    CHECK(t.lost(4) == 2);
    CHECK(t.record(1) == o::out_of_order);
    CHECK(t.lost(4) == 1);
    CHECK(t.out_of_order() == 1);
    CHECK(t.lost(10) == 7);  // the tail never sent through
  }
  SECTION("duplicates are recognised, also behind the highest number") {
    CHECK(t.record(0) == o::in_order);
    CHECK(t.record(0) == o::duplicate);
    CHECK(t.record(1) == o::in_order);
    CHECK(t.record(5) == o::gap);
    CHECK(t.record(1) == o::duplicate);
    CHECK(t.record(5) == o::duplicate);
    CHECK(t.duplicates() == 3);
    CHECK(t.received() == 6);
    CHECK(t.unique() == 3);
  }
  SECTION("bits are reused after the window slides") {
    for (std::uint64_t s = 0; s < 128; ++s) t.record(s);
    // 200 reuses the bit of 72; 72 is still inside the window (< 128 behind).
    CHECK(t.record(200) == o::gap);
    CHECK(t.record(150) == o::out_of_order);
    CHECK(t.record(150) == o::duplicate);
    // Much older than the window: cannot be checked, counted late and unique.
    CHECK(t.record(3) == o::out_of_order);
    CHECK(t.record(10'000) == o::gap);  // a jump past the whole window clears it
    CHECK(t.record(9'999) == o::out_of_order);
    CHECK(t.record(10'000) == o::duplicate);
  }
  SECTION("more seen than sent is never negative loss") {
    t.record(0);
    t.record(1);
    CHECK(t.lost(1) == 0);
  }
}

TEST_CASE("id pool bounds the in-flight window and skips ids in use", "[bench]") {
  id_pool p(3);
  CHECK(p.acquire() == 1);
  CHECK(p.acquire() == 2);
  CHECK(p.acquire() == 3);
  CHECK(p.full());
  CHECK(p.acquire() == 0);
  CHECK(p.release(2));
  CHECK_FALSE(p.release(2));  // a repeated ack
  CHECK_FALSE(p.release(9));  // an unsolicited ack
  CHECK_FALSE(p.release(0));
  CHECK(p.acquire() == 4);

  id_pool wrap(2);
  std::uint16_t held = wrap.acquire();  // 1 stays in flight while the rest cycles
  for (int i = 0; i < 70'000; ++i) {
    const std::uint16_t id = wrap.acquire();
    REQUIRE(id != 0);
    REQUIRE(id != held);
    REQUIRE(wrap.release(id));
  }
  CHECK(wrap.contains(held));
  CHECK(wrap.in_use() == 1);
}

namespace {
options parse(std::vector<std::string_view> args) { return parse_options(args); }
}  // namespace

TEST_CASE("options: modes and their defaults", "[bench]") {
  auto fanin = parse({"fanin"});
  CHECK(fanin.run_mode == mode::fanin);
  CHECK(fanin.publishers == 4);
  CHECK(fanin.subscribers == 1);
  CHECK(fanin.rate == 0);
  auto fanout = parse({"fanout", "--qos", "1", "--subscribers", "10"});
  CHECK(fanout.publishers == 1);
  CHECK(fanout.subscribers == 10);
  CHECK(fanout.qos == 1);
  auto lat = parse({"--mode", "latency", "--port", "40123", "--duration", "0.5", "--broker-pid", "77"});
  CHECK(lat.rate == 1000);
  CHECK(lat.port == 40123);
  CHECK(lat.duration == 0.5);
  CHECK(lat.broker_pid == 77);
  auto idle = parse({"idle", "--connections", "2000"});
  CHECK(idle.connections == 2000);
  CHECK(parse({"--help"}).help);
}

TEST_CASE("options: [malformed] bad input is one clear error", "[bench]") {
  auto fails_with = [](std::vector<std::string_view> args, std::string_view needle) {
    try {
      parse_options(args);
    } catch (const options_error& e) {
      return std::string_view(e.what()).find(needle) != std::string_view::npos;
    }
    return false;
  };
  CHECK(fails_with({}, "no mode"));
  CHECK(fails_with({"flood"}, "unknown mode"));
  CHECK(fails_with({"fanin", "--qos", "3"}, "--qos"));
  CHECK(fails_with({"fanin", "--qos"}, "needs a value"));
  CHECK(fails_with({"fanin", "--port", "0"}, "--port"));
  CHECK(fails_with({"fanin", "--port", "70000"}, "--port"));
  CHECK(fails_with({"fanin", "--payload", "10"}, "--payload"));
  CHECK(fails_with({"fanin", "--duration", "abc"}, "--duration"));
  CHECK(fails_with({"fanin", "--rate", "-5"}, "--rate"));
  CHECK(fails_with({"fanin", "--frobnicate", "1"}, "unknown option"));
  CHECK(fails_with({"fanin", "fanout"}, "unexpected argument"));
  CHECK(fails_with({"fanout", "--publishers", "2"}, "exactly one publisher"));
  CHECK(fails_with({"idle", "--publishers", "2"}, "idle mode"));
  CHECK(fails_with({"latency", "--rate", "0"}, "rate"));
  CHECK(fails_with({"fanin", "--topic-prefix", "a/+"}, "--topic-prefix"));
  CHECK(fails_with({"fanin", "--publishers", "1000", "--subscribers", "1000"}, "pairs"));
  CHECK(fails_with({"e2e"}, "--web-port"));
  CHECK(fails_with({"e2e", "--web-port", "8080"}, "API token"));
  CHECK(fails_with({"e2e", "--web-port", "8080", "--token", "t", "--rate", "0"}, "rate"));
  CHECK(fails_with({"e2e", "--web-port", "8080", "--token", "t", "--subscribers", "2"}, "one publisher"));
  CHECK(fails_with({"e2e", "--web-port", "8080", "--token", "t", "--node", "Bad/Node"}, "--node"));
}

TEST_CASE("result line: one JSON object with derived figures", "[bench]") {
  run_result r;
  r.opts = parse({"fanin", "--qos", "1", "--label", "hearthd \"q1\""});
  r.measured_s = 2.0;
  r.sent = 200'000;
  r.delivered = 100'000;
  r.sent_total = 250'000;
  r.expected_total = 250'000;
  r.received_total = 240'000;
  r.lost = 10'000;
  r.bench_cpu_s = 0.5;
  r.broker_cpu_s = 1.0;
  for (int i = 0; i < 99; ++i) r.latency_ns.record(20'000);
  r.latency_ns.record(5'000'000);

  const std::string line = format_result_line(r);
  CHECK(line.find('\n') == std::string::npos);
  const auto j = boost::json::parse(line).as_object();
  CHECK(j.at("mode").as_string() == "fanin");
  CHECK(j.at("label").as_string() == "hearthd \"q1\"");
  CHECK(j.at("ok").as_bool());
  CHECK(j.at("qos").to_number<int>() == 1);
  CHECK(j.at("delivered_per_s").to_number<double>() == 50'000);
  CHECK(j.at("sent_per_s").to_number<double>() == 100'000);
  CHECK(j.at("lost").to_number<std::uint64_t>() == 10'000);
  CHECK(j.at("lost_pct").to_number<double>() == Approx(4.0));
  CHECK(j.at("latency_p50_us").to_number<double>() == Approx(20.0).epsilon(1.0 / 64));
  CHECK(j.at("latency_p99_us").to_number<double>() == Approx(20.0).epsilon(1.0 / 64));
  CHECK(j.at("latency_max_us").to_number<double>() == 5000.0);
  CHECK(j.at("broker_cpu_us_per_msg").to_number<double>() == Approx(10.0));
  CHECK(j.at("bench_cpu_us_per_msg").to_number<double>() == Approx(5.0));

  r.broker_cpu_s.reset();
  r.error = "connection failed: Connection refused";
  const auto failed = boost::json::parse(format_result_line(r)).as_object();
  CHECK_FALSE(failed.at("ok").as_bool());
  CHECK(failed.at("error").as_string() == "connection failed: Connection refused");
  CHECK(failed.at("broker_cpu_us_per_msg").is_null());
}

TEST_CASE("result line: idle mode reports KiB per connection", "[bench]") {
  run_result r;
  r.opts = parse({"idle", "--connections", "2000", "--broker-pid", "5"});
  r.connected = 2000;
  r.broker_rss_before_kib = 9000;
  r.broker_rss_after_kib = 10'420;
  REQUIRE(kib_per_connection(r).has_value());
  CHECK(*kib_per_connection(r) == Approx(0.71));
  const auto j = boost::json::parse(format_result_line(r)).as_object();
  CHECK(j.at("kib_per_connection").to_number<double>() == Approx(0.71));
  CHECK(j.at("broker_pid").to_number<int>() == 5);
  r.broker_rss_after_kib.reset();
  CHECK_FALSE(kib_per_connection(r).has_value());
  CHECK(boost::json::parse(format_result_line(r)).as_object().at("kib_per_connection").is_null());
  CHECK_FALSE(cpu_us_per_message(1.0, 0).has_value());
  CHECK(per_second(10, 0) == 0);
}

TEST_CASE("/proc parsers", "[bench]") {
  const std::string status = "Name:\tmosquitto\nVmPeak:\t   20000 kB\nVmRSS:\t    9216 kB\nRssAnon:\t 1 kB\n";
  CHECK(parse_vm_rss_kib(status) == 9216u);
  CHECK_FALSE(parse_vm_rss_kib("Name:\tx\n").has_value());
  CHECK_FALSE(parse_vm_rss_kib("VmRSS:\t 12 MB\n").has_value());

  // utime 1500, stime 250; the command name holds spaces and a ')'.
  const std::string stat =
      "6815 (my (odd) broker) S 1 6815 6815 0 -1 4194560 1234 0 0 0 1500 250 0 0 20 0 1 0 100 12345 678 "
      "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 1 0 0 0 0 0\n";
  CHECK(parse_stat_cpu_ticks(stat) == 1750u);
  CHECK_FALSE(parse_stat_cpu_ticks("6815 (x) S 1 2 3").has_value());
  CHECK_FALSE(parse_stat_cpu_ticks("garbage").has_value());

  // This process exists and is reading: the live readers work.
  CHECK(read_rss_kib(static_cast<int>(getpid())).value_or(0) > 0);
  CHECK(read_cpu_seconds(static_cast<int>(getpid())).has_value());
  CHECK(monotonic_ns() > 0);
}
