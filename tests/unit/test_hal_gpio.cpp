// GPIO through the sysfs backend on a fake tree: chip by label, active-low,
// initial levels, write failures, inputs and the debouncer.
#include <catch2/catch.hpp>

#include <linux/gpio.h>

#include "hearth/hal/fake.hpp"
#include "hearth/hal/gpio.hpp"
#include "temp_dir.hpp"

using namespace hearth::hal;
using namespace std::chrono_literals;

TEST_CASE("gpio sysfs: an output is found by chip label and starts at its initial level", "[hal][gpio]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_gpio_chip("gpio-brcmstb@107d508500", 512, 32);  // a Pi 5 style chip
  tree.add_gpio_chip("pinctrl-rp1", 569, 54);
  auto gpio = make_gpio_backend(gpio_kind::automatic, dir.path());
  CHECK(gpio->name() == "sysfs");  // no /dev/gpiochip* in the tree

  std::error_code ec;
  auto relay = gpio->open_output({"pinctrl-rp1", 17, false}, false, ec);
  REQUIRE(relay);
  CHECK_FALSE(ec);
  CHECK(tree.gpio_direction("pinctrl-rp1", 17) == "low");
  CHECK(tree.gpio_level("pinctrl-rp1", 17) == 0);
  CHECK(std::filesystem::exists(dir.path() + "/sys/class/gpio/gpio586/value"));  // 569 + 17
  CHECK_FALSE(relay->set(true));
  CHECK(tree.gpio_level("pinctrl-rp1", 17) == 1);
  CHECK_FALSE(relay->set(false));
  CHECK(tree.gpio_level("pinctrl-rp1", 17) == 0);
}

TEST_CASE("gpio sysfs: active-low outputs are inverted once, from the first instant", "[hal][gpio]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_gpio_chip("pinctrl-bcm2711", 0, 58);
  auto gpio = make_sysfs_backend(dir.path());
  std::error_code ec;
  auto valve = gpio->open_output({"pinctrl-bcm2711", 27, true}, false, ec);
  REQUIRE(valve);
  CHECK(tree.gpio_direction("pinctrl-bcm2711", 27) == "high");  // inactive = high
  CHECK(tree.gpio_level("pinctrl-bcm2711", 27) == 1);
  CHECK_FALSE(valve->set(true));
  CHECK(tree.gpio_level("pinctrl-bcm2711", 27) == 0);
}

TEST_CASE("gpio sysfs: unknown chips and offsets past the chip are refused", "[hal][gpio]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_gpio_chip("pinctrl-bcm2711", 0, 58);
  auto gpio = make_sysfs_backend(dir.path());
  std::error_code ec;
  CHECK_FALSE(gpio->open_output({"pinctrl-rp1", 17, false}, false, ec));
  CHECK(ec == std::errc::no_such_device);
  CHECK_FALSE(gpio->open_output({"pinctrl-bcm2711", 58, false}, false, ec));
  CHECK(ec == std::errc::invalid_argument);
  CHECK_FALSE(gpio->open_input({"pinctrl-bcm2711", 99, false}, 0us, ec));
  CHECK(ec);
}

TEST_CASE("gpio sysfs: a write that fails comes back as an error", "[hal][gpio]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_gpio_chip("pinctrl-bcm2711", 0, 58);
  auto gpio = make_sysfs_backend(dir.path());
  std::error_code ec;
  auto relay = gpio->open_output({"pinctrl-bcm2711", 5, false}, false, ec);
  REQUIRE(relay);
  tree.fail_gpio_writes("pinctrl-bcm2711", 5, true);
  CHECK(relay->set(true));
  tree.fail_gpio_writes("pinctrl-bcm2711", 5, false);
  CHECK_FALSE(relay->set(true));
  CHECK(tree.gpio_level("pinctrl-bcm2711", 5) == 1);
}

TEST_CASE("gpio sysfs: inputs read logical levels, active-low inverted", "[hal][gpio]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  tree.add_gpio_chip("pinctrl-bcm2711", 0, 58);
  auto gpio = make_sysfs_backend(dir.path());
  std::error_code ec;
  auto gas = gpio->open_input({"pinctrl-bcm2711", 22, true}, 5ms, ec);
  auto pir = gpio->open_input({"pinctrl-bcm2711", 23, false}, 5ms, ec);
  REQUIRE(gas);
  REQUIRE(pir);
  CHECK(tree.gpio_direction("pinctrl-bcm2711", 22) == "in");
  bool v = true;
  tree.set_gpio_level("pinctrl-bcm2711", 22, 1);
  CHECK_FALSE(gas->read(v));
  CHECK_FALSE(v);  // high = inactive on an active-low line
  tree.set_gpio_level("pinctrl-bcm2711", 22, 0);
  CHECK_FALSE(gas->read(v));
  CHECK(v);
  tree.set_gpio_level("pinctrl-bcm2711", 23, 1);
  CHECK_FALSE(pir->read(v));
  CHECK(v);
  tree.fail_gpio_writes("pinctrl-bcm2711", 23, true);  // value is unreadable too
  CHECK(pir->read(v));
}

TEST_CASE("gpio chardev: a root without the chip gives no_such_device, not a crash", "[hal][gpio]") {
  hearth::test::temp_dir dir;
  fake_tree tree(dir.path());
  auto gpio = make_gpio_backend(gpio_kind::chardev, dir.path());
  CHECK(gpio->name() == "chardev");
  std::error_code ec;
  CHECK_FALSE(gpio->open_output({"pinctrl-rp1", 17, false}, false, ec));
  CHECK(ec);
  // A regular file named like a chip is not a GPIO device: the ioctl fails.
  std::filesystem::create_directories(dir.path() + "/dev");
  write_file(dir.path() + "/dev/gpiochip0", "");
  CHECK(make_gpio_backend(gpio_kind::automatic, dir.path())->name() == "chardev");
  CHECK_FALSE(gpio->open_output({"pinctrl-rp1", 17, false}, false, ec));
  CHECK(ec);
}

TEST_CASE("gpio: backend names parse", "[hal][gpio]") {
  gpio_kind k{};
  CHECK(parse_gpio_kind("auto", k));
  CHECK(k == gpio_kind::automatic);
  CHECK(parse_gpio_kind("chardev", k));
  CHECK(k == gpio_kind::chardev);
  CHECK(parse_gpio_kind("sysfs", k));
  CHECK(k == gpio_kind::sysfs);
  CHECK_FALSE(parse_gpio_kind("libgpiod", k));
}

TEST_CASE("debouncer: a level must hold for the period to count", "[hal][gpio]") {
  debouncer d(50ms);
  const time_point t0{std::chrono::seconds(10)};
  CHECK_FALSE(d.update(true, t0));
  CHECK_FALSE(d.update(true, t0 + 49ms));
  CHECK(d.update(true, t0 + 50ms));
  // A 30 ms glitch back to low is ignored.
  CHECK(d.update(false, t0 + 100ms));
  CHECK(d.update(true, t0 + 130ms));
  CHECK(d.update(true, t0 + 400ms));
  CHECK(d.update(false, t0 + 500ms));
  CHECK_FALSE(d.update(false, t0 + 550ms));
}
