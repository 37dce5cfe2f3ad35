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

#include "hearth/core/toml_reader.hpp"

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

constexpr std::int64_t int_max = std::numeric_limits<std::int64_t>::max();

void apply_mqtt(mqtt_config& m, const toml::table& table, const toml_reader& r) {
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
    } else if (name == "session_expiry") {
      m.session_expiry = std::chrono::seconds(r.integer(node, key, 0, 10LL * 365 * 24 * 3600));
    } else if (name == "sys_interval") {
      m.sys_interval = std::chrono::seconds(r.integer(node, key, 0, 86400));
    } else if (name == "max_memory_bytes") {
      m.max_memory_bytes = r.size(node, key, 0, int_max);
    } else {
      r.fail(node, key, "unknown key");
    }
  }
}

// [persistence] (issue 3).
void apply_persistence(persistence_config& p, const toml::table& table, const toml_reader& r) {
  for (const auto& [k, node] : table) {
    const std::string_view name = k.str();
    const std::string key = "persistence." + std::string(name);
    if (name == "enabled") {
      p.enabled = r.boolean(node, key);
    } else if (name == "ack") {
      const std::string v = r.string(node, key);
      if (v != "after_commit" && v != "immediate") r.fail(node, key, "expected \"after_commit\" or \"immediate\"");
      p.ack_after_commit = v == "after_commit";
    } else if (name == "synchronous") {
      const std::string v = r.string(node, key);
      if (v != "full" && v != "normal") r.fail(node, key, "expected \"full\" or \"normal\"");
      p.sync_full = v == "full";
    } else if (name == "commit_interval_ms") {
      p.commit_interval = std::chrono::milliseconds(r.integer(node, key, 0, 1000));
    } else {
      r.fail(node, key, "unknown key");
    }
  }
}

// [storage] (issue 6).
void apply_storage(storage_config& st, const toml::table& table, const toml_reader& r) {
  for (const auto& [k, node] : table) {
    const std::string_view name = k.str();
    const std::string key = "storage." + std::string(name);
    if (name == "raw_retention_hours") {
      st.raw_retention = std::chrono::hours(r.integer(node, key, 1, 24 * 3650));
    } else if (name == "max_bytes") {
      st.max_bytes = static_cast<std::uint64_t>(r.integer(node, key, 0, int_max));
      if (st.max_bytes != 0 && st.max_bytes < 1048576) r.fail(node, key, "must be 0 (no cap) or at least 1048576");
    } else if (name == "flush_interval_ms") {
      st.flush_interval = std::chrono::milliseconds(r.integer(node, key, 10, 600000));
    } else if (name == "batch_rows") {
      st.batch_rows = r.size(node, key, 1, 1000000);
    } else if (name == "max_pending") {
      st.max_pending = r.size(node, key, 1, 100000000);
    } else if (name == "quick_check") {
      st.quick_check = r.boolean(node, key);
    } else {
      r.fail(node, key, "unknown key");
    }
  }
}

// One [[bridge.routes]] entry (issue 6).
bridge_route read_route(const toml::node& entry, const std::string& where, const toml_reader& r) {
  const toml::table& table = r.table(entry, where, "a table {topic = ..., events = [...]}");
  bridge_route route;
  bool has_topic = false;
  for (const auto& [k, node] : table) {
    const std::string_view name = k.str();
    const std::string key = where + "." + std::string(name);
    if (name == "topic") {
      route.topic = r.string(node, key);
      has_topic = true;
    } else if (name == "events") {
      const auto* list = node.as_array();
      if (!list) r.expected(node, key, "an array of strings");
      for (const auto& e : *list) route.events.push_back(r.string(e, key));
      if (route.events.empty()) r.fail(node, key, "must name at least one event (or \"ignore\")");
    } else if (name == "unit") {
      route.unit = r.string(node, key);
    } else if (name == "alarm_threshold") {
      route.alarm_threshold = r.number(node, key);
    } else {
      r.fail(node, key, "unknown key");
    }
  }
  if (!has_topic || route.events.empty()) r.fail(entry, where, "needs both topic and events");
  return route;
}

// [bridge] (issue 6).
void apply_bridge(bridge_config& b, const toml::table& table, const toml_reader& r) {
  for (const auto& [k, node] : table) {
    const std::string_view name = k.str();
    const std::string key = "bridge." + std::string(name);
    if (name == "prefix") {
      b.prefix = r.string(node, key);
      if (b.prefix.empty() || b.prefix.find_first_of("+#") != std::string::npos || b.prefix.back() == '/')
        r.fail(node, key, "must be a topic prefix without wildcards or a trailing '/' (e.g. \"home\")");
    } else if (name == "routes") {
      const auto* list = node.as_array();
      if (!list) r.expected(node, key, "an array of tables ([[bridge.routes]])");
      b.routes.clear();
      std::size_t i = 0;
      for (const auto& entry : *list) b.routes.push_back(read_route(entry, key + "[" + std::to_string(i++) + "]", r));
    } else if (name == "command_timeout") {
      b.command_timeout = std::chrono::seconds(r.integer(node, key, 1, 3600));
    } else if (name == "max_payload") {
      b.max_payload = r.size(node, key, 64, 1048576);
    } else {
      r.fail(node, key, "unknown key");
    }
  }
}

void apply_tls(config& cfg, const toml::table& table, const toml_reader& r) {
  tls_config& t = cfg.tls;
  for (const auto& [k, node] : table) {
    const std::string_view name = k.str();
    const std::string key = "tls." + std::string(name);
    if (name == "listen") {
      std::string why;
      auto addr = parse_listen_address(r.string(node, key), why);
      if (!addr) r.fail(node, key, why);
      cfg.mqtts = *addr;
    } else if (name == "cert_file") {
      t.cert_file = r.string(node, key);
    } else if (name == "key_file") {
      t.key_file = r.string(node, key);
    } else if (name == "ca_file") {
      t.ca_file = r.string(node, key);
    } else if (name == "require_certificate") {
      t.require_certificate = r.boolean(node, key);
    } else if (name == "use_identity_as_username") {
      t.use_identity_as_username = r.boolean(node, key);
    } else if (name == "handshake_timeout") {
      t.handshake_timeout = std::chrono::seconds(r.integer(node, key, 1, 3600));
    } else {
      r.fail(node, key, "unknown key");
    }
  }
}

void apply_web(web_config& w, const toml::table& table, const toml_reader& r) {
  for (const auto& [k, node] : table) {
    const std::string_view name = k.str();
    const std::string key = "web." + std::string(name);
    if (name == "cert_file") {
      w.cert_file = r.string(node, key);
    } else if (name == "key_file") {
      w.key_file = r.string(node, key);
    } else if (name == "redirect_http") {
      w.redirect_http = r.boolean(node, key);
    } else if (name == "cors_origin") {
      w.cors_origin = r.string(node, key);
      if (w.cors_origin.find_first_of(" \t\r\n,") != std::string::npos)
        r.fail(node, key, "expected \"*\" or one origin such as \"https://example.org\"");
    } else if (name == "max_header_bytes") {
      w.max_header_bytes = r.size(node, key, 1024, 1048576);
    } else if (name == "max_body_bytes") {
      w.max_body_bytes = r.size(node, key, 1024, 268435456);
    } else if (name == "request_timeout") {
      w.request_timeout = std::chrono::seconds(r.integer(node, key, 1, 3600));
    } else if (name == "idle_timeout") {
      w.idle_timeout = std::chrono::seconds(r.integer(node, key, 1, 86400));
    } else if (name == "max_connections") {
      w.max_connections = r.size(node, key, 1, 1000000);
    } else if (name == "ping_interval") {
      w.ping_interval = std::chrono::milliseconds(r.integer(node, key, 100, 3600000));
    } else if (name == "ping_timeout") {
      w.ping_timeout = std::chrono::milliseconds(r.integer(node, key, 100, 3600000));
    } else {
      r.fail(node, key, "unknown key");
    }
  }
}

}  // namespace

bool is_loopback(const listen_address& a) {
  return a.host.starts_with("127.") || a.host == "::1";
}

void apply_toml(config& cfg, std::string_view toml_text, std::string_view origin) {
  const toml::table doc = parse_toml(toml_text, origin);
  const toml_reader r(origin);
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
    } else if (key == "web") {
      apply_web(cfg.web, r.table(node, key, "a table ([web])"), r);
    } else if (key == "tls") {
      apply_tls(cfg, r.table(node, key, "a table ([tls])"), r);
    } else if (key == "mqtt") {
      apply_mqtt(cfg.mqtt, r.table(node, key, "a table ([mqtt])"), r);
    } else if (key == "persistence") {
      apply_persistence(cfg.persistence, r.table(node, key, "a table ([persistence])"), r);
    } else if (key == "storage") {
      apply_storage(cfg.storage, r.table(node, key, "a table ([storage])"), r);
    } else if (key == "bridge") {
      apply_bridge(cfg.bridge, r.table(node, key, "a table ([bridge])"), r);
    } else {
      r.fail(node, key, "unknown key");
    }
  }
}

// TLS settings, and the secure defaults: a listener other machines can reach
// needs users (a password file, or client certificates on mqtts) unless
// anonymous access is asked for explicitly.
static void validate_access(const config& cfg) {
  const tls_config& t = cfg.tls;
  if (cfg.mqtts && (t.cert_file.empty() || t.key_file.empty()))
    throw config_error("--mqtts " + cfg.mqtts->to_string() +
                       ": needs tls.cert_file and tls.key_file (the [tls] section of the config file)");
  if (t.require_certificate && t.ca_file.empty())
    throw config_error("tls.require_certificate needs tls.ca_file, the CA that signs client certificates");
  if (t.use_identity_as_username && !t.require_certificate)
    throw config_error("tls.use_identity_as_username needs tls.require_certificate = true");
  if (cfg.allow_anonymous || !cfg.password_file.empty()) return;
  auto refuse = [](std::string_view option, const listen_address& a, std::string_view instead) {
    throw config_error(std::string(option) + " " + a.to_string() +
                       ": listening beyond this machine without users; give --password-file FILE" +
                       std::string(instead) + ", or --allow-anonymous to accept anyone");
  };
  if (!is_loopback(cfg.mqtt.listen)) refuse("--mqtt", cfg.mqtt.listen, "");
  if (cfg.mqtts && !is_loopback(*cfg.mqtts) && !t.require_certificate)
    refuse("--mqtts", *cfg.mqtts, " (or tls.require_certificate = true)");
}

void validate(const config& cfg) {
  validate_access(cfg);
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
