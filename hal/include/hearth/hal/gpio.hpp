// GPIO lines behind one narrow interface, with two kernel backends:
//
//  - chardev: the GPIO character device (/dev/gpiochipN) through the v2 uAPI
//    of <linux/gpio.h> (GPIO_V2_GET_LINE_IOCTL and friends), so neither
//    libgpiod v1 nor v2 is needed. The chip is found by its label
//    ("pinctrl-bcm2711", "pinctrl-rp1"), not its number, because the Pi 5
//    and kernel 6.6 renumbered the chips.
//  - sysfs: the deprecated /sys/class/gpio interface, as a fallback for old
//    kernels; the chip is found by the label file of gpiochipN, its lines are
//    numbered from its base. The fake backend is a sysfs tree, so the tests
//    drive this code.
//
// Lines are addressed by (chip label, offset, active_low). set()/read() speak
// logical levels: true = active (relay energised, gas detected); active-low
// wiring is inverted here, once. Expected failures are error_codes.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "hearth/hal/clock.hpp"

namespace hearth::hal {

struct line_address {
  std::string chip;  // the chip's label, or its name ("gpiochip0")
  unsigned offset = 0;
  bool active_low = false;
  std::string to_string() const;  // "pinctrl-bcm2711:17" (+ " active-low")
};

class output_line {
public:
  virtual ~output_line() = default;
  virtual std::error_code set(bool active) = 0;
};

class input_line {
public:
  virtual ~input_line() = default;
  virtual std::error_code read(bool& active) = 0;
};

class gpio_backend {
public:
  virtual ~gpio_backend() = default;
  virtual std::string_view name() const = 0;
  // Requests the line as an output driven to `initial_active` from the first
  // instant (no glitch through the other level). Null and `ec` on failure.
  virtual std::unique_ptr<output_line> open_output(const line_address& a, bool initial_active,
                                                   std::error_code& ec) = 0;
  // Requests the line as an input; `debounce` is handed to the kernel where
  // the backend can (chardev), callers debounce in software as well.
  virtual std::unique_ptr<input_line> open_input(const line_address& a, std::chrono::microseconds debounce,
                                                 std::error_code& ec) = 0;
};

enum class gpio_kind { automatic, chardev, sysfs };

// Parses "auto", "chardev", "sysfs".
bool parse_gpio_kind(std::string_view s, gpio_kind& out) noexcept;

// `root` prefixes /dev and /sys ("" on a real system). automatic picks the
// character device when `root`/dev/gpiochip* exists, sysfs otherwise.
std::unique_ptr<gpio_backend> make_gpio_backend(gpio_kind kind, const std::string& root);
std::unique_ptr<gpio_backend> make_chardev_backend(const std::string& root);
std::unique_ptr<gpio_backend> make_sysfs_backend(const std::string& root);

// Software debouncing of an input: the stable level changes only once the raw
// level has held for `period`. Pure; fed with samples and their times.
class debouncer {
public:
  explicit debouncer(duration period, bool initial = false) : period_(period), stable_(initial), raw_(initial) {}
  // Returns the debounced level after this sample.
  bool update(bool raw, time_point now) noexcept;
  bool stable() const noexcept { return stable_; }

private:
  duration period_;
  bool stable_;
  bool raw_;
  time_point raw_since_{};
};

}  // namespace hearth::hal
