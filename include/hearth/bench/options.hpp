// hearth-bench's command line: the mode, the broker to load and the shape of
// the load. parse_options() is pure (no I/O) and throws options_error with one
// clear message on bad input; main() prints it and exits with code 2.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hearth::bench {

enum class mode { fanin, fanout, idle, latency, e2e };

std::string_view to_string(mode m) noexcept;

struct options {
  mode run_mode = mode::fanin;
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  std::uint8_t qos = 0;
  std::size_t payload = 64;       // bytes, at least stamp_size
  double duration = 5.0;          // seconds measured (idle: seconds held)
  double warmup = 1.0;            // seconds of load before the measurement starts
  double drain = 2.0;             // seconds without progress after which the drain ends
  double rate = 0.0;              // total messages/s over all publishers, 0 = full speed
  std::uint32_t publishers = 4;
  std::uint32_t subscribers = 1;
  std::uint32_t connections = 2000;  // idle mode
  std::uint16_t inflight = 64;       // QoS 1/2 window per publisher
  int broker_pid = 0;                // 0 = unknown: no broker CPU/RSS figures
  std::string topic_prefix;          // default "hearth-bench/<pid>"
  std::string label;                 // copied into the result line
  bool persistent_subscribers = false;  // --session persistent: subscribers connect with clean_session 0
  std::string username;              // MQTT login (all modes), when the broker wants one
  std::string password;
  // e2e mode: hearthd's HTTP listener (same --host), the API token the
  // Socket.IO client logs in with, and the reading's node and sensor id.
  std::uint16_t web_port = 0;
  std::string token;
  std::string node = "hearth-bench";
  std::string sensor = "seq";
  bool help = false;
};

class options_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Parses the arguments after the program name: MODE [--option VALUE]...
// Mode defaults: fanin 4 publishers -> 1 subscriber; fanout 1 -> 50;
// latency 1 -> 1 at 1000 msg/s; idle 2000 connections; e2e 1 MQTT
// publisher -> 1 Socket.IO client at 1000 readings/s, QoS 1. `env_token`
// (main() passes $HEARTH_BENCH_TOKEN) is e2e's token when --token is absent,
// which keeps it out of `ps`.
options parse_options(std::span<const std::string_view> args, std::string_view env_token = {});

std::string usage();

}  // namespace hearth::bench
