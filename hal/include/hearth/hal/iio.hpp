// Analog inputs through the kernel's IIO subsystem
// (/sys/bus/iio/devices/iio:deviceN/in_voltageX_raw and _scale).
//
// The device is found by the content of its `name` file ("ads1015",
// "mcp3008"), not by N, which depends on probe order. A channel's voltage is
// raw * scale millivolts; the scale comes from in_voltageX_scale or, on
// drivers that share one, in_voltage_scale. A calibration maps the voltage
// linearly from a "dry" point to a "wet" point (0 and 100 for a soil
// moisture percentage), clamped to that interval.
#pragma once

#include <optional>
#include <string>
#include <system_error>

namespace hearth::hal {

struct calibration {
  double dry_mv = 0;       // voltage read at the low end
  double wet_mv = 0;       // voltage read at the high end
  double dry_value = 0;    // value reported at dry_mv
  double wet_value = 100;  // value reported at wet_mv
  // Maps a voltage to a value, clamped to [dry_value, wet_value] (either order).
  double apply(double millivolts) const noexcept;
};

// Finds root/sys/bus/iio/devices/iio:device* whose `name` file reads
// `device_name`; the directory, or "" with `ec` set.
std::string find_iio_device(const std::string& root, const std::string& device_name, std::error_code& ec);

class iio_channel {
public:
  // `device_dir` from find_iio_device; `channel` is X in in_voltageX_raw.
  iio_channel(std::string device_dir, unsigned channel, std::optional<calibration> cal);

  // The channel's voltage in millivolts, or the calibrated value.
  std::error_code read(double& value) const;
  std::error_code read_millivolts(double& mv) const;

private:
  std::string raw_path_;
  std::string scale_path_;
  std::string shared_scale_path_;
  std::optional<calibration> cal_;
};

}  // namespace hearth::hal
