#include "hearth/hal/ds18b20.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>

#include "hearth/hal/file_io.hpp"

namespace hearth::hal {

const char* to_string(w1_verdict v) noexcept {
  switch (v) {
    case w1_verdict::ok: return "ok";
    case w1_verdict::crc_error: return "CRC error";
    case w1_verdict::power_on_value: return "power-on value 85000";
    case w1_verdict::bus_error: return "bus error 127937";
    case w1_verdict::out_of_range: return "out of range";
    case w1_verdict::malformed: return "malformed";
  }
  return "?";
}

w1_parse_result parse_w1_slave(std::string_view text) noexcept {
  w1_parse_result r;
  const auto nl = text.find('\n');
  if (nl == std::string_view::npos) return r;
  const std::string_view first = trim(text.substr(0, nl));
  const std::string_view second = trim(text.substr(nl + 1));
  if (first.find("crc=") == std::string_view::npos) return r;
  if (first.size() < 3 || first.substr(first.size() - 3) != "YES") {
    r.verdict = w1_verdict::crc_error;
    return r;
  }
  const auto t = second.find("t=");
  if (t == std::string_view::npos) return r;
  const std::string_view digits = second.substr(t + 2);
  std::int32_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) return r;
  r.millicelsius = value;
  if (value == 85000) r.verdict = w1_verdict::power_on_value;
  else if (value == 127937) r.verdict = w1_verdict::bus_error;
  else if (value < -55000 || value > 125000) r.verdict = w1_verdict::out_of_range;
  else r.verdict = w1_verdict::ok;
  return r;
}

ds18b20_sensor::ds18b20_sensor(std::string id, std::string w1_slave_path, clock& clk, ds18b20_options opts)
    : id_(std::move(id)), path_(std::move(w1_slave_path)), clock_(clk), opts_(opts) {}

w1_parse_result ds18b20_sensor::attempt(bool& missing) {
  // Never start a conversion sooner than one conversion time after the last.
  if (attempted_) clock_.sleep_until(last_attempt_ + opts_.conversion_time);
  attempted_ = true;
  last_attempt_ = clock_.now();
  std::string text;
  if (auto ec = read_text(path_, text)) {
    missing = ec == std::errc::no_such_file_or_directory;
    return {};
  }
  missing = false;
  auto r = parse_w1_slave(text);
  if (r.verdict == w1_verdict::crc_error) ++crc_failures_;
  else if (r.verdict != w1_verdict::ok) ++rejected_;
  return r;
}

temperature_sample ds18b20_sensor::read() {
  temperature_sample s;
  auto r = attempt(s.missing);
  if (r.verdict != w1_verdict::ok && !s.missing) r = attempt(s.missing);  // one re-read
  s.last_verdict = r.verdict;
  if (r.verdict == w1_verdict::ok && !s.missing) {
    failures_in_row_ = 0;
    s.status = sample_status::ok;
    s.celsius = r.millicelsius / 1000.0;
    return s;
  }
  ++failures_in_row_;
  s.status = failures_in_row_ >= opts_.max_failures ? sample_status::unavailable : sample_status::failed;
  return s;
}

std::string ds18b20_path(const std::string& root, std::string_view id) {
  return root + "/sys/bus/w1/devices/" + std::string(id) + "/w1_slave";
}

std::vector<std::string> discover_ds18b20(const std::string& root) {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root + "/sys/bus/w1/devices", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("28-", 0) == 0) ids.push_back(name);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace hearth::hal
