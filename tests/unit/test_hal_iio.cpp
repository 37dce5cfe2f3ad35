// IIO ADC channels on a fake tree, and the dry/wet calibration.
#include <catch2/catch.hpp>

#include "hearth/hal/fake.hpp"
#include "hearth/hal/iio.hpp"
#include "hearth/hal/simulator.hpp"
#include "temp_dir.hpp"

using namespace hearth::hal;

TEST_CASE("iio: the device is found by its name file, not its number", "[hal][iio]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_iio_device("mcp3008");
  tree.add_iio_device("ads1115");
  std::error_code ec;
  CHECK(find_iio_device(dir.path(), "ads1115", ec) == dir.path() + "/sys/bus/iio/devices/iio:device1");
  CHECK_FALSE(ec);
  CHECK(find_iio_device(dir.path(), "ads1015", ec).empty());
  CHECK(ec == std::errc::no_such_device);
}

TEST_CASE("iio: raw * scale in millivolts, with a per-channel or a shared scale", "[hal][iio]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_iio_device("ads1115");
  tree.set_iio_channel("ads1115", 0, 16000, 0.125);
  std::error_code ec;
  const auto dev = find_iio_device(dir.path(), "ads1115", ec);
  iio_channel ch(dev, 0, std::nullopt);
  double mv = 0;
  REQUIRE_FALSE(ch.read(mv));
  CHECK(mv == Approx(2000.0));

  // A driver with one in_voltage_scale for all channels.
  write_file(dev + "/in_voltage3_raw", "1023\n");
  write_file(dev + "/in_voltage_scale", "3.222656250\n");
  iio_channel shared(dev, 3, std::nullopt);
  REQUIRE_FALSE(shared.read(mv));
  CHECK(mv == Approx(3296.777).epsilon(1e-4));
}

TEST_CASE("iio: missing and garbled channel files are errors", "[hal][iio][malformed]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_iio_device("ads1115");
  std::error_code ec;
  const auto dev = find_iio_device(dir.path(), "ads1115", ec);
  double v = 0;
  CHECK(iio_channel(dev, 7, std::nullopt).read(v) == std::errc::no_such_file_or_directory);
  write_file(dev + "/in_voltage1_raw", "12x\n");
  write_file(dev + "/in_voltage1_scale", "0.125\n");
  CHECK(iio_channel(dev, 1, std::nullopt).read(v) == std::errc::invalid_argument);
  write_file(dev + "/in_voltage2_raw", "100\n");
  write_file(dev + "/in_voltage2_scale", "\n");
  CHECK(iio_channel(dev, 2, std::nullopt).read(v) == std::errc::invalid_argument);
}

TEST_CASE("iio: dry/wet calibration maps linearly and clamps", "[hal][iio]") {
  calibration soil{2800, 1200, 0, 100};  // capacitive probe: wetter = lower voltage
  CHECK(soil.apply(2800) == Approx(0));
  CHECK(soil.apply(1200) == Approx(100));
  CHECK(soil.apply(2000) == Approx(50));
  CHECK(soil.apply(3300) == Approx(0));
  CHECK(soil.apply(500) == Approx(100));
  calibration degenerate{1000, 1000, 0, 100};
  CHECK(degenerate.apply(1234) == Approx(0));

  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_iio_device("ads1115");
  tree.set_iio_channel("ads1115", 0, 16000, 0.125);  // 2000 mV
  std::error_code ec;
  iio_channel ch(find_iio_device(dir.path(), "ads1115", ec), 0, soil);
  double pct = 0;
  REQUIRE_FALSE(ch.read(pct));
  CHECK(pct == Approx(50));
}

TEST_CASE("simulator: the soil gets wetter while the valve is open", "[hal][iio]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_gpio_chip("pinctrl-bcm2711", 0, 58);
  simulated_room room;
  room.thermometers = {"28-00000000aa01"};
  room.soil_channel = 0;
  room.valve = line_address{"pinctrl-bcm2711", 27, false};
  room_simulator sim(tree, room, 42);
  sim.install();
  std::error_code ec;
  iio_channel soil(find_iio_device(dir.path(), "ads1115", ec), 0, calibration{2800, 1200, 0, 100});
  double before = 0, dried = 0, after = 0;
  REQUIRE_FALSE(soil.read(before));
  sim.step(60);
  REQUIRE_FALSE(soil.read(dried));
  CHECK(dried < before);
  tree.set_gpio_level("pinctrl-bcm2711", 27, 1);  // what the agent's open valve drives
  sim.step(30);
  REQUIRE_FALSE(soil.read(after));
  CHECK(after > dried + 10);
}
