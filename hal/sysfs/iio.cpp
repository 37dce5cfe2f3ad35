#include "hearth/hal/iio.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "hearth/hal/file_io.hpp"

namespace hearth::hal {

double calibration::apply(double mv) const noexcept {
  if (wet_mv == dry_mv) return dry_value;
  const double v = dry_value + (mv - dry_mv) * (wet_value - dry_value) / (wet_mv - dry_mv);
  return std::clamp(v, std::min(dry_value, wet_value), std::max(dry_value, wet_value));
}

std::string find_iio_device(const std::string& root, const std::string& device_name, std::error_code& ec) {
  std::error_code dir_ec;
  std::vector<std::string> dirs;
  for (const auto& e : std::filesystem::directory_iterator(root + "/sys/bus/iio/devices", dir_ec)) {
    if (e.path().filename().string().rfind("iio:device", 0) == 0) dirs.push_back(e.path().string());
  }
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    std::string name;
    if (!read_text(d + "/name", name) && trim(name) == device_name) {
      ec.clear();
      return d;
    }
  }
  ec = std::make_error_code(std::errc::no_such_device);
  return {};
}

iio_channel::iio_channel(std::string device_dir, unsigned channel, std::optional<calibration> cal)
    : raw_path_(device_dir + "/in_voltage" + std::to_string(channel) + "_raw"),
      scale_path_(device_dir + "/in_voltage" + std::to_string(channel) + "_scale"),
      shared_scale_path_(device_dir + "/in_voltage_scale"),
      cal_(cal) {}

std::error_code iio_channel::read_millivolts(double& mv) const {
  long raw = 0;
  if (auto ec = read_long(raw_path_, raw)) return ec;
  double scale = 0;
  if (auto ec = read_double(scale_path_, scale)) {
    if (ec != std::errc::no_such_file_or_directory) return ec;
    if (auto shared = read_double(shared_scale_path_, scale)) return shared;
  }
  mv = static_cast<double>(raw) * scale;
  return {};
}

std::error_code iio_channel::read(double& value) const {
  double mv = 0;
  if (auto ec = read_millivolts(mv)) return ec;
  value = cal_ ? cal_->apply(mv) : mv;
  return {};
}

}  // namespace hearth::hal
