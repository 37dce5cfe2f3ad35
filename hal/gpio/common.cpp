// What both GPIO backends share: addresses, backend selection, debouncing.
#include <filesystem>

#include "hearth/hal/gpio.hpp"

namespace hearth::hal {

std::string line_address::to_string() const {
  return chip + ":" + std::to_string(offset) + (active_low ? " active-low" : "");
}

bool parse_gpio_kind(std::string_view s, gpio_kind& out) noexcept {
  if (s == "auto") out = gpio_kind::automatic;
  else if (s == "chardev") out = gpio_kind::chardev;
  else if (s == "sysfs") out = gpio_kind::sysfs;
  else return false;
  return true;
}

std::unique_ptr<gpio_backend> make_gpio_backend(gpio_kind kind, const std::string& root) {
  if (kind == gpio_kind::chardev) return make_chardev_backend(root);
  if (kind == gpio_kind::sysfs) return make_sysfs_backend(root);
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root + "/dev", ec)) {
    if (e.path().filename().string().rfind("gpiochip", 0) == 0) return make_chardev_backend(root);
  }
  return make_sysfs_backend(root);
}

bool debouncer::update(bool raw, time_point now) noexcept {
  if (raw != raw_) {
    raw_ = raw;
    raw_since_ = now;
  }
  if (raw_ != stable_ && now - raw_since_ >= period_) stable_ = raw_;
  return stable_;
}

}  // namespace hearth::hal
