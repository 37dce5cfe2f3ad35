// DS18B20 over the fake w1 tree: the parser on every shape of w1_slave, and
// the sensor's retry, conversion spacing and "unavailable, not stale" rule.
#include <catch2/catch.hpp>

#include "hearth/hal/ds18b20.hpp"
#include "hearth/hal/fake.hpp"
#include "temp_dir.hpp"

using namespace hearth::hal;
using namespace std::chrono_literals;

namespace {
const std::string good =
    "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n72 01 4b 46 7f ff 0e 10 57 t=23125\n";
}

TEST_CASE("w1_slave: a good reading is parsed as signed millidegrees", "[hal][ds18b20]") {
  auto r = parse_w1_slave(good);
  CHECK(r.verdict == w1_verdict::ok);
  CHECK(r.millicelsius == 23125);
  r = parse_w1_slave("ff ff : crc=4f YES\nff ff t=-10125\n");
  CHECK(r.verdict == w1_verdict::ok);
  CHECK(r.millicelsius == -10125);
  CHECK(parse_w1_slave("a : crc=1 YES\nb t=-55000\n").verdict == w1_verdict::ok);
  CHECK(parse_w1_slave("a : crc=1 YES\nb t=125000\n").verdict == w1_verdict::ok);
}

TEST_CASE("w1_slave: CRC failures, 85000, 127937 and out-of-range values are refused", "[hal][ds18b20][malformed]") {
  CHECK(parse_w1_slave("72 01 : crc=57 NO\n72 01 t=23125\n").verdict == w1_verdict::crc_error);
  CHECK(parse_w1_slave("72 01 : crc=57 YES\n72 01 t=85000\n").verdict == w1_verdict::power_on_value);
  CHECK(parse_w1_slave("ff ff : crc=ff YES\nff ff t=127937\n").verdict == w1_verdict::bus_error);
  CHECK(parse_w1_slave("a : crc=1 YES\nb t=125001\n").verdict == w1_verdict::out_of_range);
  CHECK(parse_w1_slave("a : crc=1 YES\nb t=-55001\n").verdict == w1_verdict::out_of_range);
}

TEST_CASE("w1_slave: malformed files", "[hal][ds18b20][malformed]") {
  CHECK(parse_w1_slave("").verdict == w1_verdict::malformed);
  CHECK(parse_w1_slave("72 01 : crc=57 YES").verdict == w1_verdict::malformed);        // one line
  CHECK(parse_w1_slave("72 01 : crc=57 YES\n72 01\n").verdict == w1_verdict::malformed);  // no t=
  CHECK(parse_w1_slave("72 01 : crc=57 YES\n72 01 t=\n").verdict == w1_verdict::malformed);
  CHECK(parse_w1_slave("72 01 : crc=57 YES\n72 01 t=21.5\n").verdict == w1_verdict::malformed);
  CHECK(parse_w1_slave("72 01 : crc=57 YES\n72 01 t=9999999999\n").verdict == w1_verdict::malformed);
  CHECK(parse_w1_slave("no verdict here\n72 01 t=21000\n").verdict == w1_verdict::malformed);
}

TEST_CASE("ds18b20: discovery lists only family 28 devices, sorted", "[hal][ds18b20]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_ds18b20("28-00000b", 20000);
  tree.add_ds18b20("28-00000a", 20000);
  std::filesystem::create_directories(dir.path() + "/sys/bus/w1/devices/w1_bus_master1");
  std::filesystem::create_directories(dir.path() + "/sys/bus/w1/devices/10-000000");
  CHECK(discover_ds18b20(dir.path()) == std::vector<std::string>{"28-00000a", "28-00000b"});
  CHECK(discover_ds18b20(dir.path() + "/nowhere").empty());
}

TEST_CASE("ds18b20: a CRC failure is counted and re-read once, a conversion time later", "[hal][ds18b20]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_ds18b20("28-000001", 21500);
  manual_clock clk;
  ds18b20_sensor s("28-000001", ds18b20_path(dir.path(), "28-000001"), clk);

  auto r = s.read();
  REQUIRE(r.status == sample_status::ok);
  CHECK(r.celsius == Approx(21.5));
  const auto t0 = clk.now();

  tree.inject_crc_failure("28-000001");
  r = s.read();  // both attempts fail
  CHECK(r.status == sample_status::failed);
  CHECK(r.last_verdict == w1_verdict::crc_error);
  CHECK(s.crc_failures() == 2);
  CHECK(s.failures_in_a_row() == 1);
  // Two conversions after the first: never faster than 750 ms apart.
  CHECK(clk.now() - t0 >= 2 * 750ms);

  tree.set_temperature("28-000001", 22000);
  r = s.read();
  CHECK(r.status == sample_status::ok);
  CHECK(r.celsius == Approx(22.0));
  CHECK(s.failures_in_a_row() == 0);
}

TEST_CASE("ds18b20: a re-read that succeeds hides a single bad read", "[hal][ds18b20]") {
  // A file that fails on the first read and is good on the second: a clock
  // whose sleep rewrites the file stands in for the bus recovering.
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_ds18b20("28-000002", 19000);
  struct recovering_clock : clock {
    fake_tree* tree;
    manual_clock inner;
    time_point now() override { return inner.now(); }
    void sleep_until(time_point t) override {
      inner.sleep_until(t);
      tree->set_temperature("28-000002", 19500);
    }
  } clk;
  clk.tree = &tree;
  ds18b20_sensor s("28-000002", ds18b20_path(dir.path(), "28-000002"), clk);
  tree.inject_power_on_value("28-000002");
  auto r = s.read();
  CHECK(r.status == sample_status::ok);
  CHECK(r.celsius == Approx(19.5));
  CHECK(s.rejected_values() == 1);
}

TEST_CASE("ds18b20: 85000 is never reported, and N failures make the sensor unavailable", "[hal][ds18b20]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_ds18b20("28-000003", 20000);
  manual_clock clk;
  ds18b20_sensor s("28-000003", ds18b20_path(dir.path(), "28-000003"), clk, {750ms, 3});
  REQUIRE(s.read().status == sample_status::ok);
  tree.inject_power_on_value("28-000003");
  CHECK(s.read().status == sample_status::failed);
  CHECK(s.read().status == sample_status::failed);
  auto r = s.read();
  CHECK(r.status == sample_status::unavailable);
  CHECK(r.last_verdict == w1_verdict::power_on_value);
  CHECK(s.rejected_values() == 6);
  CHECK(s.read().status == sample_status::unavailable);
}

TEST_CASE("ds18b20: a sensor that disappears is unavailable, not its last value", "[hal][ds18b20]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_ds18b20("28-000004", 20000);
  manual_clock clk;
  ds18b20_sensor s("28-000004", ds18b20_path(dir.path(), "28-000004"), clk, {750ms, 2});
  REQUIRE(s.read().status == sample_status::ok);
  tree.remove_ds18b20("28-000004");
  auto r = s.read();
  CHECK(r.missing);
  CHECK(r.status == sample_status::failed);
  r = s.read();
  CHECK(r.status == sample_status::unavailable);
  CHECK(s.crc_failures() == 0);
  tree.add_ds18b20("28-000004", 23000);  // plugged back in
  r = s.read();
  CHECK(r.status == sample_status::ok);
  CHECK(r.celsius == Approx(23.0));
}
