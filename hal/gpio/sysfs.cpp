// The deprecated /sys/class/gpio interface. Values written and read here are
// physical levels; active-low is applied in this file rather than through
// the `active_low` attribute, so that the tree reads the same whoever wrote
// it last (the agent or its supervisor).
#include <filesystem>

#include "hearth/hal/file_io.hpp"
#include "hearth/hal/gpio.hpp"

namespace hearth::hal {
namespace {

class sysfs_output final : public output_line {
public:
  sysfs_output(std::string value_path, bool active_low) : path_(std::move(value_path)), active_low_(active_low) {}
  std::error_code set(bool active) override { return write_text(path_, (active != active_low_) ? "1" : "0"); }

private:
  std::string path_;
  bool active_low_;
};

class sysfs_input final : public input_line {
public:
  sysfs_input(std::string value_path, bool active_low) : path_(std::move(value_path)), active_low_(active_low) {}
  std::error_code read(bool& active) override {
    long v = 0;
    if (auto ec = read_long(path_, v)) return ec;
    active = (v != 0) != active_low_;
    return {};
  }

private:
  std::string path_;
  bool active_low_;
};

class sysfs_backend final : public gpio_backend {
public:
  explicit sysfs_backend(std::string root) : base_(std::move(root) + "/sys/class/gpio") {}
  std::string_view name() const override { return "sysfs"; }

  std::unique_ptr<output_line> open_output(const line_address& a, bool initial_active,
                                           std::error_code& ec) override {
    const std::string dir = line_dir(a, ec);
    if (dir.empty()) return nullptr;
    // "high"/"low" set the direction and the (physical) level in one write.
    const bool high = initial_active != a.active_low;
    if ((ec = write_text(dir + "/direction", high ? "high" : "low"))) return nullptr;
    // The kernel has set the level already; writing it again costs nothing
    // there and makes plain-file trees (the fake backend) agree.
    auto line = std::make_unique<sysfs_output>(dir + "/value", a.active_low);
    if ((ec = line->set(initial_active))) return nullptr;
    return line;
  }

  std::unique_ptr<input_line> open_input(const line_address& a, std::chrono::microseconds,
                                         std::error_code& ec) override {
    const std::string dir = line_dir(a, ec);
    if (dir.empty()) return nullptr;
    if ((ec = write_text(dir + "/direction", "in"))) return nullptr;
    return std::make_unique<sysfs_input>(dir + "/value", a.active_low);
  }

private:
  // The gpioN directory of the line, exported first if needed.
  std::string line_dir(const line_address& a, std::error_code& ec) const {
    long base = -1;
    long ngpio = 0;
    std::error_code dir_ec;
    for (const auto& e : std::filesystem::directory_iterator(base_, dir_ec)) {
      const std::string name = e.path().filename().string();
      if (name.rfind("gpiochip", 0) != 0) continue;
      std::string label;
      if (read_text(e.path().string() + "/label", label)) continue;
      if (trim(label) != a.chip && name != a.chip) continue;
      if (read_long(e.path().string() + "/base", base) || read_long(e.path().string() + "/ngpio", ngpio)) {
        base = -1;
        continue;
      }
      break;
    }
    if (base < 0) {
      ec = std::make_error_code(std::errc::no_such_device);
      return {};
    }
    if (static_cast<long>(a.offset) >= ngpio) {
      ec = std::make_error_code(std::errc::invalid_argument);
      return {};
    }
    const std::string number = std::to_string(base + static_cast<long>(a.offset));
    const std::string dir = base_ + "/gpio" + number;
    if (!std::filesystem::exists(dir, dir_ec)) {
      if ((ec = write_text(base_ + "/export", number))) return {};
    }
    ec.clear();
    return dir;
  }

  std::string base_;
};

}  // namespace

std::unique_ptr<gpio_backend> make_sysfs_backend(const std::string& root) {
  return std::make_unique<sysfs_backend>(root);
}

}  // namespace hearth::hal
