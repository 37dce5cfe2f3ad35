// DS18B20 1-wire thermometers through the kernel's w1-therm driver
// (/sys/bus/w1/devices/28-*/w1_slave).
//
// The driver's file holds two lines: the scratchpad with the driver's CRC
// verdict ("... crc=57 YES"), then the scratchpad again with "t=<millidegrees>".
// A reading is accepted only when the CRC line ends in YES and the value is a
// plausible temperature: 85000 (the power-on value of the scratchpad, read
// when a conversion did not happen) and 127937 (all ones: the bus lost the
// device mid-read) are refused, as is anything outside the sensor's range of
// -55..125 degC. A failed read is retried once, no sooner than one conversion
// time later; a sensor that fails `max_failures` reads in a row is reported
// unavailable, never as its last good value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/hal/clock.hpp"

namespace hearth::hal {

enum class w1_verdict {
  ok,
  crc_error,       // first line does not end in YES
  power_on_value,  // t=85000
  bus_error,       // t=127937
  out_of_range,    // outside -55..125 degC
  malformed,       // not two lines, no t=, not a number
};

const char* to_string(w1_verdict v) noexcept;

struct w1_parse_result {
  w1_verdict verdict = w1_verdict::malformed;
  std::int32_t millicelsius = 0;  // meaningful when verdict == ok
};

// Pure: classifies the text of one w1_slave file.
w1_parse_result parse_w1_slave(std::string_view text) noexcept;

struct ds18b20_options {
  // 750 ms at 12-bit resolution (the default); a read is a conversion.
  duration conversion_time = std::chrono::milliseconds(750);
  unsigned max_failures = 3;  // failed reads in a row before "unavailable"
};

enum class sample_status { ok, failed, unavailable };

struct temperature_sample {
  sample_status status = sample_status::unavailable;
  double celsius = 0;                   // meaningful when status == ok
  w1_verdict last_verdict = w1_verdict::ok;
  bool missing = false;                 // the device directory is gone
};

// One thermometer. read() blocks (the kernel converts while the file is read,
// and a retry sleeps one conversion time), so it runs off the event loop.
class ds18b20_sensor {
public:
  ds18b20_sensor(std::string id, std::string w1_slave_path, clock& clk, ds18b20_options opts = {});

  // Reads the sensor (twice at most) and classifies the result.
  temperature_sample read();

  const std::string& id() const noexcept { return id_; }
  std::uint64_t crc_failures() const noexcept { return crc_failures_; }
  std::uint64_t rejected_values() const noexcept { return rejected_; }
  unsigned failures_in_a_row() const noexcept { return failures_in_row_; }

private:
  w1_parse_result attempt(bool& missing);

  std::string id_;
  std::string path_;
  clock& clock_;
  ds18b20_options opts_;
  time_point last_attempt_{};
  bool attempted_ = false;
  std::uint64_t crc_failures_ = 0;
  std::uint64_t rejected_ = 0;
  unsigned failures_in_row_ = 0;
};

// The ids (28-xxxxxxxxxxxx) of the DS18B20s under `root`/sys/bus/w1/devices,
// sorted. `root` is "" on a real system, the fake tree's directory in tests.
std::vector<std::string> discover_ds18b20(const std::string& root);

// The w1_slave path of sensor `id` under `root`.
std::string ds18b20_path(const std::string& root, std::string_view id);

}  // namespace hearth::hal
