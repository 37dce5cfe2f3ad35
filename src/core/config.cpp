// The TOML config file, key by key. Every message names the file, the line
// and the key, so a typo is found without reading the documentation.
#include "hearth/core/config.hpp"

#include <arpa/inet.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <toml++/toml.h>

namespace hearth::core {

std::string listen_address::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<listen_address> parse_listen_address(std::string_view text, std::string& why) {
  std::string_view host;
  std::string_view port;
  bool v6 = false;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) {
      why = "expected [IPv6]:PORT, e.g. [::1]:1883, got '" + std::string(text) + "'";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    v6 = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      why = "expected ADDR:PORT, e.g. 127.0.0.1:1883, got '" + std::string(text) + "'";
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      why = "an IPv6 address needs brackets, e.g. [::1]:1883, got '" + std::string(text) + "'";
      return std::nullopt;
    }
  }
  if (host.empty()) {
    why = "missing address before the port in '" + std::string(text) + "' (0.0.0.0 listens on all)";
    return std::nullopt;
  }
  // Numeric addresses only: a listener must not depend on name resolution.
  unsigned char buf[16];
  const std::string host_str(host);
  if (inet_pton(v6 ? AF_INET6 : AF_INET, host_str.c_str(), buf) != 1) {
    why = "'" + host_str + "' is not a numeric " + (v6 ? "IPv6" : "IPv4") + " address";
    return std::nullopt;
  }
  unsigned long value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec == std::errc::invalid_argument || end != port.data() + port.size()) {
    why = "port '" + std::string(port) + "' is not a number";
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range || value > 65535) {
    why = "port " + std::string(port) + " is out of range (0-65535)";
    return std::nullopt;
  }
  return listen_address{host_str, static_cast<std::uint16_t>(value)};
}

namespace {

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    default: return "a date or time";
  }
}

// Reads typed values out of a parsed document, naming `origin:line: key` in
// every error.
class reader {
public:
  explicit reader(std::string_view origin) : origin_(origin) {}

  [[noreturn]] void fail(const toml::node& n, std::string_view key, std::string_view what) const {
    std::ostringstream msg;
    msg << origin_;
    if (n.source().begin.line > 0) msg << ':' << n.source().begin.line;
    msg << ": " << key << ": " << what;
    throw config_error(msg.str());
  }

  std::string string(const toml::node& n, std::string_view key) const {
    const auto* v = n.as_string();
    if (!v) fail(n, key, "expected a string, got " + std::string(type_name(n)));
    return v->get();
  }

  bool boolean(const toml::node& n, std::string_view key) const {
    const auto* v = n.as_boolean();
    if (!v) fail(n, key, "expected true or false, got " + std::string(type_name(n)));
    return v->get();
  }

  std::int64_t integer(const toml::node& n, std::string_view key, std::int64_t min, std::int64_t max) const {
    const auto* v = n.as_integer();
    if (!v) fail(n, key, "expected an integer, got " + std::string(type_name(n)));
    const std::int64_t x = v->get();
    if (x < min || x > max) {
      fail(n, key,
           (min == 0 && x < 0 ? "must not be negative" : "must be between " + std::to_string(min) + " and " +
                                                             std::to_string(max)) +
               " (got " + std::to_string(x) + ")");
    }
    return x;
  }

  std::size_t size(const toml::node& n, std::string_view key, std::int64_t min, std::int64_t max) const {
    return static_cast<std::size_t>(integer(n, key, min, max));
  }

private:
  std::string_view origin_;
};

constexpr std::int64_t int_max = std::numeric_limits<std::int64_t>::max();

void apply_mqtt(mqtt_config& m, const toml::table& table, const reader& r) {
  for (const auto& [k, node] : table) {
    const std::string_view name = k.str();
    const std::string key = "mqtt." + std::string(name);
    if (name == "listen") {
      std::string why;
      auto addr = parse_listen_address(r.string(node, key), why);
      if (!addr) r.fail(node, key, why);
      m.listen = *addr;
    } else if (name == "max_packet_size") {
      m.max_packet_size = r.size(node, key, 1, 268435455);
    } else if (name == "connect_timeout") {
      m.connect_timeout = std::chrono::seconds(r.integer(node, key, 1, 86400));
    } else if (name == "max_inflight") {
      m.max_inflight = r.size(node, key, 1, 65535);
    } else if (name == "max_queued_messages") {
      m.max_queued_messages = r.size(node, key, 0, int_max);
    } else if (name == "max_queued_bytes") {
      m.max_queued_bytes = r.size(node, key, 0, int_max);
    } else if (name == "max_incoming_qos2") {
      m.max_incoming_qos2 = r.size(node, key, 1, 65535);
    } else if (name == "write_queue_soft_bytes") {
      m.write_queue_soft_bytes = r.size(node, key, 0, int_max);
    } else if (name == "write_queue_hard_bytes") {
      m.write_queue_hard_bytes = r.size(node, key, 1, int_max);
    } else if (name == "backpressure_timeout") {
      m.backpressure_timeout = std::chrono::seconds(r.integer(node, key, 0, 3600));
    } else if (name == "sys_interval") {
      m.sys_interval = std::chrono::seconds(r.integer(node, key, 0, 86400));
    } else {
      r.fail(node, key, "unknown key");
    }
  }
}

}  // namespace

void apply_toml(config& cfg, std::string_view toml_text, std::string_view origin) {
  toml::table doc;
  try {
    doc = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << origin << ':' << e.source().begin.line << ':' << e.source().begin.column << ": " << e.description();
    throw config_error(msg.str());
  }
  const reader r(origin);
  for (const auto& [k, node] : doc) {
    const std::string_view key = k.str();
    if (key == "data_dir") {
      cfg.data_dir = r.string(node, key);
      if (cfg.data_dir.empty()) r.fail(node, key, "must not be empty");
    } else if (key == "log_level") {
      if (!parse_log_level(r.string(node, key), cfg.level))
        r.fail(node, key, "expected one of debug, info, warning, error, off");
    } else if (key == "allow_anonymous") {
      cfg.allow_anonymous = r.boolean(node, key);
    } else if (key == "busy_poll_us") {
      cfg.busy_poll = std::chrono::microseconds(r.integer(node, key, 0, 100000));
    } else if (key == "acl_file") {
      cfg.acl_file = r.string(node, key);
    } else if (key == "password_file") {
      cfg.password_file = r.string(node, key);
      if (!cfg.password_file.empty())
        r.fail(node, key, "not available yet (user accounts arrive in a later version); leave it empty");
    } else if (key == "mqtt") {
      const auto* table = node.as_table();
      if (!table) r.fail(node, key, "expected a table ([mqtt]), got " + std::string(type_name(node)));
      apply_mqtt(cfg.mqtt, *table, r);
    } else {
      r.fail(node, key, "unknown key");
    }
  }
}

void validate(const config& cfg) {
  const mqtt_config& m = cfg.mqtt;
  if (m.write_queue_hard_bytes < m.write_queue_soft_bytes) {
    throw config_error("mqtt.write_queue_hard_bytes (" + std::to_string(m.write_queue_hard_bytes) +
                       ") must not be below mqtt.write_queue_soft_bytes (" +
                       std::to_string(m.write_queue_soft_bytes) + ")");
  }
  // One packet of the largest size a client may send must fit in a
  // subscriber's write queue, or that subscriber could never receive it.
  if (m.write_queue_hard_bytes < m.max_packet_size + 5) {
    throw config_error("mqtt.write_queue_hard_bytes (" + std::to_string(m.write_queue_hard_bytes) +
                       ") must be at least mqtt.max_packet_size + 5 (" + std::to_string(m.max_packet_size + 5) +
                       "), so that a packet of the maximum size fits");
  }
}

std::string read_config_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw config_error("config file " + path + " is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config_error("cannot read config file " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw config_error("cannot read config file " + path);
  return text.str();
}

}  // namespace hearth::core
