// The agent's hardware layer on a fake tree: outputs start in their safe
// state, the supervisor's reset, debounced inputs, and a sampler that skips
// bad readings and reports an unavailable sensor as null, never stale.
#include <catch2/catch.hpp>

#include "hearth/agent/devices.hpp"
#include "hearth/hal/fake.hpp"
#include "temp_dir.hpp"

using namespace hearth;
using namespace hearth::agent;
using namespace std::chrono_literals;

namespace {

agent_config room(const std::string& root) {
  agent_config c;
  c.node = "kitchen";
  c.sysfs_root = root;
  sensor_config t1;
  t1.id = "28-00000000aa01";
  t1.kind = "temperature";
  sensor_config soil;
  soil.id = "soil";
  soil.type = sensor_type::adc;
  soil.kind = "moisture";
  soil.device = "ads1115";
  soil.cal = hal::calibration{2800, 1200, 0, 100};
  sensor_config gas;
  gas.id = "gas";
  gas.type = sensor_type::gpio;
  gas.kind = "gas";
  gas.line = {"pinctrl-bcm2711", 22, true};
  gas.debounce = 50ms;
  c.sensors = {t1, soil, gas};
  actuator_config light{"light", {"pinctrl-bcm2711", 17, false}, false, 0s, false};
  actuator_config valve{"valve", {"pinctrl-bcm2711", 27, true}, false, 600s, false};
  actuator_config heater{"heater", {"pinctrl-bcm2711", 5, false}, true, 0s, false};
  c.actuators = {light, valve, heater};
  return c;
}

}  // namespace

TEST_CASE("outputs: opened in their safe state; failures reported, not thrown", "[agent][devices]") {
  test::temp_dir dir;
  hal::fake_tree tree(dir.path());
  tree.add_gpio_chip("pinctrl-bcm2711", 512, 64);
  auto cfg = room(dir.path());
  cfg.actuators.push_back({"pump", {"pinctrl-rp1", 3, false}, false, 0s, false});  // no such chip
  auto gpio = hal::make_sysfs_backend(dir.path());
  std::vector<std::string> errors;
  outputs out(cfg.actuators, *gpio, errors);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("pump") != std::string::npos);
  CHECK(tree.gpio_level("pinctrl-bcm2711", 17) == 0);
  CHECK(tree.gpio_level("pinctrl-bcm2711", 27) == 1);  // active-low valve: closed = high
  CHECK(tree.gpio_level("pinctrl-bcm2711", 5) == 1);   // safe_state = on
  CHECK_FALSE(out.set("valve", true));
  CHECK(tree.gpio_level("pinctrl-bcm2711", 27) == 0);
  CHECK(out.set("pump", true) == std::errc::no_such_device);
  tree.fail_gpio_writes("pinctrl-bcm2711", 17, true);
  CHECK(out.set("light", true));
}

TEST_CASE("reset_to_safe_state: what the supervisor does after the agent died", "[agent][devices]") {
  test::temp_dir dir;
  hal::fake_tree tree(dir.path());
  tree.add_gpio_chip("pinctrl-bcm2711", 512, 64);
  auto cfg = room(dir.path());
  auto gpio = hal::make_sysfs_backend(dir.path());
  {
    std::vector<std::string> errors;
    outputs out(cfg.actuators, *gpio, errors);
    REQUIRE_FALSE(out.set("valve", true));
    REQUIRE_FALSE(out.set("light", true));
    REQUIRE_FALSE(out.set("heater", false));
  }  // the agent is gone; the lines keep their levels
  CHECK(tree.gpio_level("pinctrl-bcm2711", 27) == 0);
  CHECK(reset_to_safe_state(cfg.actuators, *gpio).empty());
  CHECK(tree.gpio_level("pinctrl-bcm2711", 27) == 1);
  CHECK(tree.gpio_level("pinctrl-bcm2711", 17) == 0);
  CHECK(tree.gpio_level("pinctrl-bcm2711", 5) == 1);
  tree.fail_gpio_writes("pinctrl-bcm2711", 27, true);
  auto failed = reset_to_safe_state(cfg.actuators, *gpio);
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].rfind("valve: ", 0) == 0);
}

TEST_CASE("inputs: debounced changes and values by kind", "[agent][devices]") {
  test::temp_dir dir;
  hal::fake_tree tree(dir.path());
  tree.add_gpio_chip("pinctrl-bcm2711", 512, 64);
  tree.set_gpio_level("pinctrl-bcm2711", 22, 1);  // active-low detector idle
  auto cfg = room(dir.path());
  auto gpio = hal::make_sysfs_backend(dir.path());
  std::vector<std::string> errors;
  inputs in(cfg.sensors, *gpio, errors);
  CHECK(errors.empty());
  const hal::time_point t0{std::chrono::seconds(100)};
  CHECK(in.poll(t0).empty());
  CHECK(in.values()["gas"] == sensor_values{{"gas", 0.0}});
  tree.set_gpio_level("pinctrl-bcm2711", 22, 0);  // gas
  CHECK(in.poll(t0 + 10ms).empty());              // not yet: debouncing
  tree.set_gpio_level("pinctrl-bcm2711", 22, 1);  // a 20 ms glitch
  CHECK(in.poll(t0 + 30ms).empty());
  tree.set_gpio_level("pinctrl-bcm2711", 22, 0);
  CHECK(in.poll(t0 + 40ms).empty());
  auto changes = in.poll(t0 + 95ms);
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].id == "gas");
  CHECK(changes[0].active);
  CHECK(in.values()["gas"] == sensor_values{{"gas", 1.0}});
  tree.fail_gpio_writes("pinctrl-bcm2711", 22, true);  // unreadable
  in.poll(t0 + 200ms);
  CHECK(in.values()["gas"] == sensor_values{{"gas", std::nullopt}});
}

TEST_CASE("sampler: bad readings are skipped, an unavailable sensor is null", "[agent][devices]") {
  test::temp_dir dir;
  hal::fake_tree tree(dir.path());
  tree.add_ds18b20("28-00000000aa01", 21500);
  tree.add_iio_device("ads1115");
  tree.set_iio_channel("ads1115", 0, 16000, 0.125);  // 2000 mV = 50 %
  hal::manual_clock clk;
  sampler s(room(dir.path()), clk);
  auto b = s.sample();
  CHECK(b.by_kind["temperature"] == sensor_values{{"28-00000000aa01", 21.5}});
  REQUIRE(b.by_kind["moisture"].size() == 1);
  CHECK(*b.by_kind["moisture"][0].second == Approx(50));
  CHECK(b.problems.empty());

  tree.inject_power_on_value("28-00000000aa01");
  for (int i = 0; i < 2; ++i) {
    b = s.sample();
    CHECK(b.by_kind["temperature"].empty());  // skipped, not 85 and not 21.5
    CHECK_FALSE(b.problems.empty());
  }
  b = s.sample();  // the third failure in a row
  CHECK(b.by_kind["temperature"] == sensor_values{{"28-00000000aa01", std::nullopt}});
  tree.inject_crc_failure("28-00000000aa01");
  b = s.sample();
  CHECK(b.problems.front().find("CRC") != std::string::npos);

  std::filesystem::remove_all(dir.path() + "/sys/bus/iio/devices/iio:device0");
  b = s.sample();
  CHECK(b.by_kind["moisture"] == sensor_values{{"soil", std::nullopt}});
  tree.add_iio_device("ads1115");  // re-probed
  tree.set_iio_channel("ads1115", 0, 16000, 0.125);
  b = s.sample();
  REQUIRE(b.by_kind["moisture"][0].second);
}
