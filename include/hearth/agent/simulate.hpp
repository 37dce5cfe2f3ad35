// `hearth-agent --simulate`: a plausible room on the fake backend.
//
// Without a config file the agent simulates a default room (two
// thermometers, a soil moisture sensor, a gas detector, a light relay, a
// watering valve and a ventilation fan); with one, it simulates exactly the
// configured sensors and actuators. Either way the fake tree is written under
// the agent's sysfs root and the real sysfs drivers read it.
#pragma once

#include <memory>
#include <string>

#include "hearth/agent/config.hpp"
#include "hearth/hal/fake.hpp"
#include "hearth/hal/simulator.hpp"

namespace hearth::agent {

// The default simulated room as a config file's text, so it is parsed and
// validated by the same code as a real one.
std::string simulated_room_toml(const std::string& node);

struct simulation {
  std::unique_ptr<hal::fake_tree> tree;
  std::unique_ptr<hal::room_simulator> room;
};

// Builds the fake tree for `cfg` at cfg.sysfs_root (created) and installs
// the room in it. Throws std::runtime_error when the tree cannot be written.
simulation make_simulation(const agent_config& cfg);

}  // namespace hearth::agent
