// The fake backend: a directory tree laid out like the parts of sysfs the
// HAL reads (w1 thermometers, IIO ADCs, /sys/class/gpio), so the real sysfs
// code runs unchanged on it with `--sysfs-root DIR`. Tests and `--simulate`
// build it with this class; its methods are also the fault injection
// (a CRC failure, the 85000 power-on value, a sensor that disappears, a GPIO
// line whose writes fail), and they read back what the agent drove.
//
// GPIO `value` files hold physical levels (1 = high), as the kernel shows them.
// A failing GPIO write is a `value` that is a directory: open(O_WRONLY) fails
// with EISDIR even for root, which permission bits would not achieve.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::hal {

class fake_tree {
public:
  // Creates the directory skeleton under `root` (which may already exist).
  explicit fake_tree(std::string root);

  const std::string& root() const noexcept { return root_; }

  // 1-wire thermometers. Temperatures in millidegrees, as the driver prints.
  void add_ds18b20(std::string_view id, std::int32_t millicelsius);
  void set_temperature(std::string_view id, std::int32_t millicelsius);
  void inject_crc_failure(std::string_view id);      // the next reads fail CRC
  void inject_power_on_value(std::string_view id);   // the next reads give 85000
  void write_w1_slave(std::string_view id, std::string_view text);
  void remove_ds18b20(std::string_view id);          // the sensor disappears

  // A GPIO chip of `ngpio` lines numbered from `base`, every line exported
  // as an input at level 0.
  void add_gpio_chip(std::string_view label, unsigned base, unsigned ngpio);
  int gpio_level(std::string_view label, unsigned offset) const;  // physical, -1 if unreadable
  std::string gpio_direction(std::string_view label, unsigned offset) const;
  void set_gpio_level(std::string_view label, unsigned offset, int level);  // drive an input
  void fail_gpio_writes(std::string_view label, unsigned offset, bool fail);

  // An IIO ADC found by `name`; channels get in_voltageX_raw and _scale.
  void add_iio_device(std::string_view name);
  void set_iio_channel(std::string_view name, unsigned channel, long raw, double scale_mv);

private:
  std::string line_dir(std::string_view label, unsigned offset) const;
  std::string iio_dir(std::string_view name) const;
  std::string root_;
};

// Writes `text` to a file, creating it (and failing loudly: it is test and
// simulation setup, not hardware access). Throws std::runtime_error.
void write_file(const std::string& path, std::string_view text);

}  // namespace hearth::hal
