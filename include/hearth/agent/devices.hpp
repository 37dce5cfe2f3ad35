// The agent's hardware, built from its config on top of hal/:
//  - outputs: the actuators' GPIO lines, opened in their safe state;
//  - inputs: GPIO sensors (gas detector output, PIR), polled and debounced;
//  - sampler: thermometers and ADC channels. Its sample() blocks (a DS18B20
//    read is a 750 ms conversion), so it runs on a worker thread and touches
//    nothing else; outputs and inputs belong to the event loop thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "hearth/agent/config.hpp"
#include "hearth/agent/payload.hpp"
#include "hearth/hal/clock.hpp"
#include "hearth/hal/ds18b20.hpp"
#include "hearth/hal/gpio.hpp"
#include "hearth/hal/iio.hpp"

namespace hearth::agent {

class outputs {
public:
  // Opens every actuator's line driven to its safe state. Lines that cannot
  // be opened are listed in `errors` and left out (commands to them fail).
  outputs(const std::vector<actuator_config>& actuators, hal::gpio_backend& gpio, std::vector<std::string>& errors);

  std::error_code set(const std::string& name, bool on);
  bool has(const std::string& name) const { return lines_.count(name) > 0; }

private:
  std::map<std::string, std::unique_ptr<hal::output_line>> lines_;
};

// Drives every actuator to its safe state through a fresh request (the
// supervisor, after the agent died and released its lines). Returns the
// lines that failed, as "name: error".
std::vector<std::string> reset_to_safe_state(const std::vector<actuator_config>& actuators, hal::gpio_backend& gpio);

struct input_change {
  std::string id;
  std::string kind;
  bool active = false;
};

class inputs {
public:
  inputs(const std::vector<sensor_config>& sensors, hal::gpio_backend& gpio, std::vector<std::string>& errors);

  // Reads every input once; returns the debounced changes.
  std::vector<input_change> poll(hal::time_point now);
  // The current debounced values grouped by kind (1/0, null if unreadable).
  std::map<std::string, sensor_values> values() const;

private:
  struct input {
    sensor_config cfg;
    std::unique_ptr<hal::input_line> line;
    hal::debouncer debounce;
    bool readable = false;
  };
  std::vector<input> inputs_;
};

struct sample_batch {
  std::map<std::string, sensor_values> by_kind;
  std::vector<std::string> problems;  // for the log, from the worker thread
};

class sampler {
public:
  sampler(const agent_config& cfg, hal::clock& clk);
  sample_batch sample();

private:
  struct analog {
    sensor_config cfg;
    std::string device_dir;  // "" until the IIO device is found
  };
  std::string root_;
  std::vector<std::pair<std::string, std::unique_ptr<hal::ds18b20_sensor>>> thermometers_;  // kind, sensor
  std::vector<analog> analogs_;
};

}  // namespace hearth::agent
