#include "hearth/bench/options.hpp"

#include <charconv>
#include <cmath>
#include <optional>

#include "hearth/bench/stamp.hpp"

namespace hearth::bench {

namespace {

constexpr std::size_t max_payload = 268'435'455 - 1024;  // leaves room for the topic

template <class T>
T parse_integer(std::string_view name, std::string_view text, T lo, T hi) {
  T v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < lo || v > hi) {
    throw options_error("--" + std::string(name) + ": expected an integer from " + std::to_string(lo) + " to " +
                        std::to_string(hi) + ", got '" + std::string(text) + "'");
  }
  return v;
}

double parse_seconds(std::string_view name, std::string_view text, double lo) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v) || v < lo || v > 86400.0 * 365) {
    throw options_error("--" + std::string(name) + ": expected a number >= " + std::to_string(lo) + ", got '" +
                        std::string(text) + "'");
  }
  return v;
}

mode parse_mode(std::string_view s) {
  if (s == "fanin") return mode::fanin;
  if (s == "fanout") return mode::fanout;
  if (s == "idle") return mode::idle;
  if (s == "latency") return mode::latency;
  if (s == "e2e") return mode::e2e;
  throw options_error("unknown mode '" + std::string(s) + "' (expected fanin, fanout, idle, latency or e2e)");
}

}  // namespace

std::string_view to_string(mode m) noexcept {
  switch (m) {
    case mode::fanin: return "fanin";
    case mode::fanout: return "fanout";
    case mode::idle: return "idle";
    case mode::latency: return "latency";
    case mode::e2e: return "e2e";
  }
  return "?";
}

options parse_options(std::span<const std::string_view> args, std::string_view env_token) {
  options o;
  std::optional<mode> m;
  std::optional<std::uint8_t> qos;
  std::optional<std::uint32_t> publishers, subscribers;
  std::optional<double> rate;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "-h" || a == "--help") {
      o.help = true;
      return o;
    }
    if (!a.starts_with("--")) {
      if (m) throw options_error("unexpected argument '" + std::string(a) + "' (the mode is already " +
                                 std::string(to_string(*m)) + ")");
      m = parse_mode(a);
      continue;
    }
    const std::string_view name = a.substr(2);
    if (i + 1 >= args.size()) throw options_error(std::string(a) + " needs a value");
    const std::string_view v = args[++i];
    if (name == "mode") {
      if (m) throw options_error("the mode is given twice");
      m = parse_mode(v);
    } else if (name == "host") {
      if (v.empty()) throw options_error("--host: empty");
      o.host = v;
    } else if (name == "port") {
      o.port = parse_integer<std::uint16_t>(name, v, 1, 65535);
    } else if (name == "qos") {
      qos = parse_integer<std::uint8_t>(name, v, 0, 2);
    } else if (name == "payload") {
      o.payload = parse_integer<std::size_t>(name, v, stamp_size, max_payload);
    } else if (name == "duration") {
      o.duration = parse_seconds(name, v, 0.001);
    } else if (name == "warmup") {
      o.warmup = parse_seconds(name, v, 0);
    } else if (name == "drain") {
      o.drain = parse_seconds(name, v, 0);
    } else if (name == "rate") {
      rate = parse_seconds(name, v, 0);
    } else if (name == "publishers") {
      publishers = parse_integer<std::uint32_t>(name, v, 1, 10000);
    } else if (name == "subscribers") {
      subscribers = parse_integer<std::uint32_t>(name, v, 1, 10000);
    } else if (name == "connections") {
      o.connections = parse_integer<std::uint32_t>(name, v, 1, 1'000'000);
    } else if (name == "inflight") {
      o.inflight = parse_integer<std::uint16_t>(name, v, 1, 65535);
    } else if (name == "broker-pid") {
      o.broker_pid = parse_integer<int>(name, v, 1, 1 << 30);
    } else if (name == "topic-prefix") {
      if (v.empty() || v.find_first_of("+#") != std::string_view::npos || v.front() == '$')
        throw options_error("--topic-prefix: must be a non-empty topic name without wildcards or a leading $");
      o.topic_prefix = v;
    } else if (name == "label") {
      o.label = v;
    } else if (name == "session") {
      if (v != "clean" && v != "persistent") throw options_error("--session: expected clean or persistent");
      o.persistent_subscribers = v == "persistent";
    } else if (name == "username") {
      o.username = v;
    } else if (name == "password") {
      o.password = v;
    } else if (name == "web-port") {
      o.web_port = parse_integer<std::uint16_t>(name, v, 1, 65535);
    } else if (name == "token") {
      if (v.empty()) throw options_error("--token: empty");
      o.token = v;
    } else if (name == "node" || name == "sensor") {
      // The names hearthd accepts (DESIGN.md: a node is [a-z0-9_-]+; sensor
      // ids also take A-Z . :), so the reading is not refused as a bad id.
      const std::string_view allowed = name == "node" ? "abcdefghijklmnopqrstuvwxyz0123456789_-"
                                                      : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:";
      if (v.empty() || v.size() > 64 || v.find_first_not_of(allowed) != std::string_view::npos)
        throw options_error("--" + std::string(name) + ": 1-64 of " + std::string(allowed));
      (name == "node" ? o.node : o.sensor) = v;
    } else {
      throw options_error("unknown option " + std::string(a));
    }
  }
  if (!m) throw options_error("no mode given (fanin, fanout, idle, latency or e2e)");
  o.run_mode = *m;
  // e2e publishes like hearth-agent does: QoS 1 unless told otherwise.
  o.qos = qos.value_or(o.run_mode == mode::e2e ? 1 : 0);
  if (o.run_mode == mode::e2e) {
    if (o.token.empty()) o.token = env_token;
    if (o.web_port == 0) throw options_error("e2e mode needs --web-port (hearthd's --http port)");
    if (o.token.empty()) throw options_error("e2e mode needs an API token: --token or $HEARTH_BENCH_TOKEN (hearthd token NAME USER)");
    if (publishers || subscribers) throw options_error("e2e mode has one publisher and one Socket.IO client");
    o.publishers = 1;
    o.subscribers = 1;
  }
  switch (o.run_mode) {
    case mode::fanin: o.publishers = publishers.value_or(4); o.subscribers = subscribers.value_or(1); break;
    case mode::fanout: o.publishers = publishers.value_or(1); o.subscribers = subscribers.value_or(50); break;
    case mode::latency: o.publishers = publishers.value_or(1); o.subscribers = subscribers.value_or(1); break;
    case mode::idle:
    case mode::e2e: break;
  }
  const bool paced_mode = o.run_mode == mode::latency || o.run_mode == mode::e2e;
  o.rate = rate.value_or(paced_mode ? 1000.0 : 0.0);
  if (paced_mode && o.rate == 0)
    throw options_error("--rate: " + std::string(to_string(o.run_mode)) + " mode needs a rate > 0");
  if (o.run_mode == mode::fanout && o.publishers != 1)
    throw options_error("--publishers: fanout mode has exactly one publisher");
  if (std::uint64_t{o.publishers} * o.subscribers > 100'000)  // one sequence tracker (512 B) per pair
    throw options_error("--publishers x --subscribers: at most 100000 pairs");
  if (o.run_mode == mode::idle && (publishers || subscribers || rate))
    throw options_error("idle mode takes --connections, not --publishers/--subscribers/--rate");
  return o;
}

std::string usage() {
  return "usage: hearth-bench MODE [options]\n"
         "\n"
         "Load and latency generator for MQTT 3.1.1 brokers (one thread, epoll).\n"
         "Prints one JSON result line on stdout and a summary on stderr.\n"
         "\n"
         "modes:\n"
         "  fanin    P publishers -> 1 subscriber on PREFIX/+ (default 4 -> 1, full speed)\n"
         "  fanout   1 publisher -> S subscribers on PREFIX/0 (default 1 -> 50)\n"
         "  latency  1 -> 1 at a fixed rate (default 1000 msg/s)\n"
         "  idle     N connections CONNECTed and held; broker KiB per connection (needs --broker-pid)\n"
         "  e2e      readings published over MQTT -> `reading` events received over Socket.IO\n"
         "           (WebSocket) from hearthd, logged in with an API token (default 1000/s, QoS 1)\n"
         "\n"
         "options:\n"
         "  --host H --port N     broker (127.0.0.1:1883)\n"
         "  --qos 0|1|2           publish and subscribe QoS (0)\n"
         "  --payload BYTES       payload size, >= 24 (64)\n"
         "  --duration S          measured seconds (5); idle: seconds held\n"
         "  --warmup S            load before measuring (1)\n"
         "  --drain S             stop waiting for stragglers after S s without progress (2)\n"
         "  --rate R              total msg/s over all publishers, 0 = full speed\n"
         "  --publishers P --subscribers S --connections N\n"
         "  --inflight W          QoS 1/2 in-flight window per publisher (64)\n"
         "  --broker-pid PID      read the broker's CPU time and RSS from /proc\n"
         "  --topic-prefix T      topic prefix (hearth-bench/<pid>)\n"
         "  --label TEXT          copied into the result line\n"
         "  --session clean|persistent  the subscribers' sessions (clean)\n"
         "  --username U --password P   MQTT login\n"
         "e2e options:\n"
         "  --web-port N          hearthd's --http port on --host (required)\n"
         "  --token T             API token (or $HEARTH_BENCH_TOKEN; make one with hearthd token)\n"
         "  --node N --sensor S   the reading's node and sensor id (hearth-bench, seq); the topic\n"
         "                        is PREFIX/N/temperature, PREFIX = --topic-prefix or home\n";
}

}  // namespace hearth::bench
