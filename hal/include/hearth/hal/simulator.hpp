// A simulated room on a fake tree: what `hearth-agent --simulate` reads.
//
// Values vary slowly and plausibly: thermometers follow a slow daily-like
// wave with sensor noise at the DS18B20's 1/16 degC resolution; the soil
// dries slowly and gets wetter while the watering valve's GPIO line is
// active (the simulator reads the level the agent drove, so commands visibly
// change the readings); the analog gas sensor idles near its clean-air
// voltage. Deterministic for a given seed.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "hearth/hal/fake.hpp"
#include "hearth/hal/gpio.hpp"

namespace hearth::hal {

struct simulated_room {
  std::vector<std::string> thermometers;  // DS18B20 ids
  double base_celsius = 21.0;
  std::string adc_name = "ads1115";
  std::optional<unsigned> soil_channel;   // IIO channel of the soil sensor
  double soil_dry_mv = 2800, soil_wet_mv = 1200;
  std::optional<unsigned> gas_channel;    // IIO channel of the analog gas sensor
  std::optional<line_address> valve;      // the watering valve's output
  std::optional<line_address> gas_input;  // the gas detector's digital output
};

class room_simulator {
public:
  room_simulator(fake_tree& tree, simulated_room room, std::uint32_t seed);

  // Creates the room's files in the tree (sensors, ADC, idle gas input).
  void install();
  // Advances the room by `seconds` and rewrites the sensor files.
  void step(double seconds);

  double soil_percent() const noexcept { return soil_percent_; }

private:
  fake_tree& tree_;
  simulated_room room_;
  std::mt19937 rng_;
  double t_ = 0;
  double soil_percent_ = 55;
};

}  // namespace hearth::hal
