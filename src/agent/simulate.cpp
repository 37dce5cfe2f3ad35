#include "hearth/agent/simulate.hpp"

#include <cstdio>
#include <functional>
#include <map>

namespace hearth::agent {

std::string simulated_room_toml(const std::string& node) {
  // DS18B20 addresses differ per room, as real ones do.
  char a[32], b[32];
  const auto h = static_cast<unsigned>(std::hash<std::string>{}(node) & 0xffffffu);
  std::snprintf(a, sizeof a, "28-0000%06x01", h);
  std::snprintf(b, sizeof b, "28-0000%06x02", h);
  return std::string("node = \"") + node + "\"\n" +
         "publish_interval = 5\n"
         "[[sensor]]\ntype = \"ds18b20\"\nid = \"" + a + "\"\n"
         "[[sensor]]\ntype = \"ds18b20\"\nid = \"" + b + "\"\n"
         "[[sensor]]\ntype = \"adc\"\nid = \"soil\"\nkind = \"moisture\"\ndevice = \"ads1115\"\nchannel = 0\n"
         "dry_mv = 2800\nwet_mv = 1200\n"
         "[[sensor]]\ntype = \"gpio\"\nid = \"gas\"\nkind = \"gas\"\nchip = \"pinctrl-bcm2711\"\nline = 22\n"
         "active_low = true\ndebounce_ms = 100\n"
         "[[actuator]]\nname = \"light\"\nchip = \"pinctrl-bcm2711\"\nline = 17\n"
         "[[actuator]]\nname = \"valve\"\nchip = \"pinctrl-bcm2711\"\nline = 27\nactive_low = true\nmax_on = 600\n"
         "[[actuator]]\nname = \"fan\"\nchip = \"pinctrl-bcm2711\"\nline = 23\non_gas = true\n";
}

simulation make_simulation(const agent_config& cfg) {
  simulation s;
  s.tree = std::make_unique<hal::fake_tree>(cfg.sysfs_root);
  // One chip per label used, numbered from 512 like kernel 6.6 does.
  std::map<std::string, unsigned> chips;
  auto add_chip = [&](const std::string& label) {
    if (chips.count(label)) return;
    const unsigned base = 512 + 64 * static_cast<unsigned>(chips.size());
    chips[label] = base;
    s.tree->add_gpio_chip(label, base, 64);
  };
  hal::simulated_room room;
  room.base_celsius = 19.5 + static_cast<double>(std::hash<std::string>{}(cfg.node) % 40) / 10.0;
  for (const auto& a : cfg.actuators) {
    add_chip(a.line.chip);
    const bool is_valve = a.name.find("valve") != std::string::npos || a.name.find("water") != std::string::npos;
    if (is_valve && !room.valve) room.valve = a.line;
  }
  for (const auto& sc : cfg.sensors) {
    switch (sc.type) {
      case sensor_type::ds18b20: room.thermometers.push_back(sc.id); break;
      case sensor_type::adc:
        room.adc_name = sc.device;
        if (sc.kind == "gas") room.gas_channel = sc.channel;
        else if (!room.soil_channel) {
          room.soil_channel = sc.channel;
          if (sc.cal) room.soil_dry_mv = sc.cal->dry_mv, room.soil_wet_mv = sc.cal->wet_mv;
        }
        break;
      case sensor_type::gpio:
        add_chip(sc.line.chip);
        if (sc.kind == "gas" && !room.gas_input) room.gas_input = sc.line;
        else s.tree->set_gpio_level(sc.line.chip, sc.line.offset, sc.line.active_low ? 1 : 0);
        break;
    }
  }
  s.room = std::make_unique<hal::room_simulator>(*s.tree, room, static_cast<std::uint32_t>(std::hash<std::string>{}(cfg.node)));
  s.room->install();
  return s;
}

}  // namespace hearth::agent
