// hearth-agent's command line (DESIGN.md) and the order settings apply in.
#include <filesystem>

#include "hearth/agent/config.hpp"
#include "hearth/agent/simulate.hpp"

namespace hearth::agent {

using core::config_error;

std::string agent_usage() {
  return "usage: hearth-agent [-c FILE] [--node NAME] [--central HOST:PORT] [--simulate]\n"
         "                    [--sysfs-root DIR] [--log-level LEVEL] [--help] [--version]\n"
         "\n"
         "  -c FILE              config file (TOML, see /etc/hearth/hearth-agent.toml)\n"
         "  --node NAME          this satellite's name in topics: home/NAME/... ([a-z0-9_-]+)\n"
         "  --central HOST:PORT  the central station's MQTT listener (default 127.0.0.1:1883)\n"
         "  --simulate           run on a simulated room (fake sysfs tree); without -c, a default\n"
         "                       room: two thermometers, soil moisture, gas detector, light,\n"
         "                       watering valve and fan\n"
         "  --sysfs-root DIR     read /sys and /dev under DIR (a fake tree; with --simulate, where\n"
         "                       the simulated tree is written)\n"
         "  --log-level LEVEL    debug, info, warning, error or off\n"
         "\n"
         "Exit codes: 0 after SIGINT/SIGTERM, 2 bad config or arguments, 1 runtime failure.\n";
}

agent_cli parse_agent_command_line(std::span<const char* const> args) {
  agent_cli cli;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    bool has_value = false;
    if (arg.rfind("--", 0) == 0) {
      if (auto eq = arg.find('='); eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_value = true;
      }
    }
    auto take = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= args.size()) throw config_error(arg + ": missing value");
      return args[++i];
    };
    auto no_value = [&] {
      if (has_value) throw config_error(arg + ": takes no value");
    };
    if (arg == "-h" || arg == "--help") no_value(), cli.what = agent_cli::action::help;
    else if (arg == "--version") no_value(), cli.what = agent_cli::action::version;
    else if (arg == "-c" || arg == "--config") cli.config_file = take();
    else if (arg == "--node") cli.node = take();
    else if (arg == "--central") cli.central = take();
    else if (arg == "--sysfs-root") cli.sysfs_root = take();
    else if (arg == "--simulate") no_value(), cli.simulate = true;
    else if (arg == "--log-level") {
      core::log_level l{};
      const auto v = take();
      if (!core::parse_log_level(v, l)) throw config_error("--log-level: expected debug, info, warning, error or off, got '" + v + "'");
      cli.level = l;
    } else throw config_error("unknown option '" + arg + "' (see --help)");
  }
  return cli;
}

agent_config build_agent_config(const agent_cli& cli, std::string_view toml_text, std::string_view origin) {
  agent_config cfg;
  if (!toml_text.empty() || cli.config_file) apply_toml(cfg, toml_text, origin);
  else if (cli.simulate) apply_toml(cfg, simulated_room_toml(cli.node.value_or("room")), "simulated room");
  if (cli.node) cfg.node = *cli.node;
  if (cli.central) {
    std::string why;
    if (!parse_central(*cli.central, cfg.central, why)) throw config_error("--central: " + why);
  }
  if (cli.level) cfg.level = *cli.level;
  if (cli.sysfs_root) cfg.sysfs_root = *cli.sysfs_root;
  cfg.simulate = cli.simulate;
  if (cfg.simulate) {
    // Never simulate on the real /sys: the simulated tree goes to a directory
    // of its own, next to the outbox when none is given.
    if (!cli.config_file) cfg.state_dir = (std::filesystem::temp_directory_path() / ("hearth-agent-" + cfg.node)).string();
    if (cfg.sysfs_root.empty()) cfg.sysfs_root = cfg.state_dir + "/sim-sysfs";
  }
  validate(cfg);
  return cfg;
}

agent_config load_agent_config(const agent_cli& cli) {
  if (!cli.config_file) return build_agent_config(cli, {}, "");
  return build_agent_config(cli, core::read_config_file(*cli.config_file), *cli.config_file);
}

}  // namespace hearth::agent
