#include "hearth/agent/devices.hpp"

namespace hearth::agent {

outputs::outputs(const std::vector<actuator_config>& actuators, hal::gpio_backend& gpio,
                 std::vector<std::string>& errors) {
  for (const auto& a : actuators) {
    std::error_code ec;
    auto line = gpio.open_output(a.line, a.safe_on, ec);
    if (!line) {
      errors.push_back("actuator " + a.name + " (" + a.line.to_string() + "): " + ec.message());
      continue;
    }
    lines_[a.name] = std::move(line);
  }
}

std::error_code outputs::set(const std::string& name, bool on) {
  auto it = lines_.find(name);
  if (it == lines_.end()) return std::make_error_code(std::errc::no_such_device);
  return it->second->set(on);
}

std::vector<std::string> reset_to_safe_state(const std::vector<actuator_config>& actuators, hal::gpio_backend& gpio) {
  std::vector<std::string> failed;
  for (const auto& a : actuators) {
    std::error_code ec;
    auto line = gpio.open_output(a.line, a.safe_on, ec);
    if (line) ec = line->set(a.safe_on);
    if (ec) failed.push_back(a.name + ": " + ec.message());
  }
  return failed;
}

inputs::inputs(const std::vector<sensor_config>& sensors, hal::gpio_backend& gpio, std::vector<std::string>& errors) {
  for (const auto& s : sensors) {
    if (s.type != sensor_type::gpio) continue;
    std::error_code ec;
    auto line = gpio.open_input(s.line, std::chrono::duration_cast<std::chrono::microseconds>(s.debounce), ec);
    if (!line) errors.push_back("sensor " + s.id + " (" + s.line.to_string() + "): " + ec.message());
    inputs_.push_back({s, std::move(line), hal::debouncer(s.debounce), false});
  }
}

std::vector<input_change> inputs::poll(hal::time_point now) {
  std::vector<input_change> changes;
  for (auto& in : inputs_) {
    bool raw = false;
    in.readable = in.line && !in.line->read(raw);
    if (!in.readable) continue;
    const bool before = in.debounce.stable();
    if (in.debounce.update(raw, now) != before) changes.push_back({in.cfg.id, in.cfg.kind, !before});
  }
  return changes;
}

std::map<std::string, sensor_values> inputs::values() const {
  std::map<std::string, sensor_values> out;
  for (const auto& in : inputs_) {
    out[in.cfg.kind].emplace_back(in.cfg.id, in.readable ? std::optional<double>(in.debounce.stable() ? 1 : 0)
                                                          : std::nullopt);
  }
  return out;
}

sampler::sampler(const agent_config& cfg, hal::clock& clk) : root_(cfg.sysfs_root) {
  for (const auto& s : cfg.sensors) {
    if (s.type == sensor_type::ds18b20) {
      thermometers_.emplace_back(s.kind,
                                 std::make_unique<hal::ds18b20_sensor>(s.id, hal::ds18b20_path(root_, s.id), clk));
    } else if (s.type == sensor_type::adc) {
      analogs_.push_back({s, {}});
    }
  }
}

sample_batch sampler::sample() {
  sample_batch b;
  for (auto& [kind, t] : thermometers_) {
    const auto before_crc = t->crc_failures();
    auto r = t->read();
    if (t->crc_failures() != before_crc)
      b.problems.push_back(t->id() + ": CRC failure (" + std::to_string(t->crc_failures()) + " so far)");
    if (r.status == hal::sample_status::ok) {
      b.by_kind[kind].emplace_back(t->id(), r.celsius);
      continue;
    }
    b.problems.push_back(t->id() + ": " + (r.missing ? "not present" : hal::to_string(r.last_verdict)) +
                         (r.status == hal::sample_status::unavailable ? ", unavailable" : ", reading skipped"));
    // A failed read is skipped; only an unavailable sensor is reported, as null.
    if (r.status == hal::sample_status::unavailable) b.by_kind[kind].emplace_back(t->id(), std::nullopt);
  }
  for (auto& a : analogs_) {
    std::error_code ec;
    if (a.device_dir.empty()) a.device_dir = hal::find_iio_device(root_, a.cfg.device, ec);
    double v = 0;
    if (!ec && !a.device_dir.empty()) ec = hal::iio_channel(a.device_dir, a.cfg.channel, a.cfg.cal).read(v);
    if (ec) {
      a.device_dir.clear();  // look it up again: it may have been re-probed
      b.problems.push_back(a.cfg.id + ": " + ec.message());
      b.by_kind[a.cfg.kind].emplace_back(a.cfg.id, std::nullopt);
    } else {
      b.by_kind[a.cfg.kind].emplace_back(a.cfg.id, v);
    }
  }
  return b;
}

}  // namespace hearth::agent
