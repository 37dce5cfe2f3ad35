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
#include <vector>

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
  std::chrono::seconds session_expiry{0};  // persistent sessions away this long are discarded; 0 = never
  std::size_t write_queue_soft_bytes = 1048576;
  std::size_t write_queue_hard_bytes = 16777216;
  std::chrono::seconds sys_interval{10};  // 0 = off
  // Bytes of queued, in-flight and retained messages, broker-wide; 0 = none.
  std::size_t max_memory_bytes = 64u << 20;
};

// [persistence] (issue 3): retained messages and persistent sessions in
// broker.db in data_dir (store/broker_store.hpp).
struct persistence_config {
  bool enabled = true;
  bool ack_after_commit = true;  // ack = "after_commit" | "immediate"
  bool sync_full = true;         // synchronous = "full" | "normal"
  // A batch commits at once when the last commit is older than this, else
  // when it is this old: under load, the turns in between run without
  // waiting for the disk (group commit).
  std::chrono::milliseconds commit_interval{10};
};

// [storage] (issue 6): readings.db in data_dir.
struct storage_config {
  std::chrono::hours raw_retention{24 * 30};     // raw rows, then per-hour min/avg/max
  std::uint64_t max_bytes = 512ull * 1024 * 1024;  // size cap of readings.db; 0 = none
  std::chrono::milliseconds flush_interval{1000};  // batched transactions
  std::size_t batch_rows = 500;                    // a full batch is written at once
  std::size_t max_pending = 20000;                 // rows kept while the disk fails
  bool quick_check = false;                        // PRAGMA quick_check instead of integrity_check
};

// [bridge] (issue 6): MQTT topics -> Socket.IO events. The routes are checked
// when the bridge is built (home::routing_table::from_config).
struct bridge_route {
  std::string topic;                 // a topic filter; the first '+' is the node
  std::vector<std::string> events;   // reading, relay, node, alarm, ignore
  std::optional<std::string> unit;   // overrides the kind's unit
  double alarm_threshold = 0.5;      // alarm active when value >= threshold
};
struct bridge_config {
  std::string prefix = "home";              // of the default routes and of commands
  std::vector<bridge_route> routes;         // empty: DESIGN.md's topic contract
  std::chrono::seconds command_timeout{10};
  std::size_t max_payload = 4096;           // bytes; larger messages are counted and dropped
};

// [tls] (issue 3): the mqtts listener's settings, Mosquitto's names with
// underscores. The listener address is --mqtts or tls.listen.
struct tls_config {
  std::string cert_file;  // PEM certificate chain
  std::string key_file;   // PEM private key
  std::string ca_file;    // PEM CA certificates that sign client certificates
  bool require_certificate = false;       // clients must present a certificate signed by ca_file
  bool use_identity_as_username = false;  // its CN is the user name (no password needed)
  std::chrono::seconds handshake_timeout{10};  // before the connect deadline starts
};

// True for 127.0.0.0/8 and ::1: a listener there is reachable from this
// machine only.
bool is_loopback(const listen_address& a);

// [web]: the HTTP(S) server (--https, --http) and its Engine.IO endpoint.
struct web_config {
  std::string cert_file;  // PEM chain; with key_file empty too, a self-signed pair in data_dir
  std::string key_file;
  bool redirect_http = false;  // --http answers with a redirect to --https
  std::string cors_origin;     // Engine.IO CORS: "" same origin only, "*" any, or one origin
  std::size_t max_header_bytes = 16384;
  std::size_t max_body_bytes = 1048576;  // also Engine.IO's maxPayload
  std::chrono::seconds request_timeout{10};
  std::chrono::seconds idle_timeout{30};
  std::size_t max_connections = 1024;
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
};

struct config {
  std::string data_dir = "/var/lib/hearth";
  std::string config_file;  // -c FILE, re-read on SIGHUP for the [mqtt] limits
  log_level level = log_level::info;
  bool allow_anonymous = false;
  // How long the event loop polls after work before it sleeps (app.cpp).
  std::chrono::microseconds busy_poll{0};
  std::string acl_file;
  std::string password_file;
  bool demo = false;  // command line only
  mqtt_config mqtt;
  tls_config tls;
  web_config web;
  persistence_config persistence;
  storage_config storage;
  bridge_config bridge;
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
