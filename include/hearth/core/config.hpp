// hearthd's settings: defaults, the TOML config file, and validation.
//
// Parsing is pure (text in, struct or config_error out) so that every key
// and every bad value is unit-tested; reading the file is the only I/O here.
// A config_error's message names the key or option at fault; main() prints it
// and exits with code 2.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "hearth/core/log.hpp"

namespace hearth::core {

struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An `ADDR:PORT` to listen on: a numeric IPv4 address or a bracketed IPv6
// one (`[::1]:1883`); port 0 lets the system pick a free port.
struct listen_address {
  std::string host;  // without brackets
  std::uint16_t port = 0;
  std::string to_string() const;  // as written: "127.0.0.1:1883", "[::1]:1883"
  friend bool operator==(const listen_address&, const listen_address&) = default;
};

// Parses `ADDR:PORT`; on failure returns nullopt and sets `why`.
std::optional<listen_address> parse_listen_address(std::string_view text, std::string& why);

struct mqtt_config {
  listen_address listen{"127.0.0.1", 1883};
  std::size_t max_packet_size = 1048576;  // bytes of remaining length
  std::chrono::seconds connect_timeout{10};
  std::size_t max_inflight = 32;
  std::size_t max_queued_messages = 1000;
  std::size_t max_queued_bytes = 16777216;
  std::size_t max_incoming_qos2 = 20;  // Mosquitto's max_inflight_messages
  std::chrono::seconds backpressure_timeout{5};  // 0 = drop instead of pausing publishers
  std::size_t write_queue_soft_bytes = 1048576;
  std::size_t write_queue_hard_bytes = 16777216;
  std::chrono::seconds sys_interval{10};  // 0 = off
};

struct config {
  std::string data_dir = "/var/lib/hearth";
  log_level level = log_level::info;
  bool allow_anonymous = false;
  // How long the event loop polls after work before it sleeps (app.cpp).
  std::chrono::microseconds busy_poll{0};
  std::string acl_file;
  std::string password_file;
  bool demo = false;  // command line only
  mqtt_config mqtt;
  // Listeners of later milestones: parsed and validated, refused if set.
  std::optional<listen_address> mqtts;
  std::optional<listen_address> https;
  std::optional<listen_address> http;
};

// Applies a TOML document to `cfg`. `origin` names the file in messages.
// Throws config_error on a syntax error, an unknown key, a wrong type or a
// value out of range.
void apply_toml(config& cfg, std::string_view toml_text, std::string_view origin);

// Checks what no single key can: consistency between keys, and features of
// later milestones. Throws config_error.
void validate(const config& cfg);

// Reads a whole file; throws config_error naming the file if it cannot.
std::string read_config_file(const std::string& path);

}  // namespace hearth::core
