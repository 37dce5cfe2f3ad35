// hearth-agent's settings: defaults, the TOML config file (the same format
// and the same error style as hearthd's), the command line, and validation.
//
//   hearth-agent [-c FILE] [--node NAME] [--central HOST:PORT] [--simulate]
//                [--sysfs-root DIR] [--log-level LEVEL] [--help] [--version]
//
// Parsing is pure apart from reading the file. Every error is a
// core::config_error whose message names the file, line and key (or the
// option); main() prints it and exits with code 2.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hearth/core/config.hpp"
#include "hearth/hal/gpio.hpp"
#include "hearth/hal/iio.hpp"

namespace hearth::agent {

struct central_config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  bool tls = false;
  std::string ca_file;    // empty: the system's trust store
  std::string cert_file;  // client certificate (optional, with key_file)
  std::string key_file;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::chrono::seconds keepalive{30};
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{60000};
};

enum class sensor_type { ds18b20, adc, gpio };

struct sensor_config {
  std::string id;        // the key in the reading's JSON
  sensor_type type = sensor_type::ds18b20;
  std::string kind;      // topic level: temperature, moisture, gas, motion...
  std::string device;    // adc: the IIO device's name
  unsigned channel = 0;  // adc: in_voltageX
  std::optional<hal::calibration> cal;  // adc: dry/wet points
  std::optional<double> alarm_above;    // adc of kind gas: the alarm threshold
  hal::line_address line;               // gpio input
  std::chrono::milliseconds debounce{50};
};

struct actuator_config {
  std::string name;
  hal::line_address line;
  bool safe_on = false;                // the state at start-up, on SIGTERM and after a crash
  std::chrono::seconds max_on{0};      // 0 = no limit
  bool on_gas = false;                 // ventilation: switched on while gas is detected
};

struct agent_config {
  std::string node;
  std::string prefix = "home";
  core::log_level level = core::log_level::info;
  std::string state_dir = "/var/lib/hearth-agent";  // the outbox database
  std::string sysfs_root;                           // "" = the real /sys and /dev
  hal::gpio_kind gpio = hal::gpio_kind::automatic;
  std::chrono::milliseconds publish_interval{10000};
  std::size_t queue_max = 100000;  // readings kept while the central is away
  bool supervisor = true;          // fork a process that resets outputs if the agent dies
  bool simulate = false;           // command line only
  central_config central;
  std::vector<sensor_config> sensors;
  std::vector<actuator_config> actuators;
};

// Applies a TOML document; throws core::config_error.
void apply_toml(agent_config& cfg, std::string_view toml_text, std::string_view origin);

// Consistency checks (node name, unique ids, gas rule); throws config_error.
void validate(const agent_config& cfg);

// "HOST:PORT" or "[IPv6]:PORT" with a host name allowed.
bool parse_central(std::string_view text, central_config& out, std::string& why);

// Names allowed in topics: node and actuator names [a-z0-9_-]+, sensor ids
// [A-Za-z0-9_.-]+ (no '/', '+', '#', quotes or spaces).
bool valid_node_name(std::string_view s) noexcept;
bool valid_sensor_id(std::string_view s) noexcept;

struct agent_cli {
  enum class action { run, help, version };
  action what = action::run;
  std::optional<std::string> config_file;
  std::optional<std::string> node;
  std::optional<std::string> central;
  std::optional<std::string> sysfs_root;
  std::optional<core::log_level> level;
  bool simulate = false;
};

agent_cli parse_agent_command_line(std::span<const char* const> args);
std::string agent_usage();

// Defaults, the file (if -c), the simulated room (if --simulate and no -c),
// then the command line, then validate().
agent_config load_agent_config(const agent_cli& cli);
agent_config build_agent_config(const agent_cli& cli, std::string_view toml_text, std::string_view origin);

}  // namespace hearth::agent
