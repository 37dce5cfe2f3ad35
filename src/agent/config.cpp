// The agent's TOML file, key by key; messages name file, line and key.
#include "hearth/agent/config.hpp"

#include <charconv>
#include <set>

#include "hearth/core/toml_reader.hpp"

namespace hearth::agent {
namespace {

using core::config_error;
using core::toml_reader;

void apply_central(central_config& c, const toml::table& t, const toml_reader& r) {
  for (const auto& [k, node] : t) {
    const std::string key = "central." + std::string(k.str());
    const std::string_view name = k.str();
    if (name == "address") {
      std::string why;
      if (!parse_central(r.string(node, key), c, why)) r.fail(node, key, why);
    } else if (name == "tls") c.tls = r.boolean(node, key);
    else if (name == "ca_file") c.ca_file = r.string(node, key);
    else if (name == "cert_file") c.cert_file = r.string(node, key);
    else if (name == "key_file") c.key_file = r.string(node, key);
    else if (name == "username") c.username = r.string(node, key);
    else if (name == "password") c.password = r.string(node, key);
    else if (name == "keepalive") c.keepalive = std::chrono::seconds(r.integer(node, key, 5, 65535));
    else if (name == "reconnect_min_ms") c.reconnect_min = std::chrono::milliseconds(r.integer(node, key, 10, 3600000));
    else if (name == "reconnect_max_ms") c.reconnect_max = std::chrono::milliseconds(r.integer(node, key, 10, 3600000));
    else r.fail(node, key, "unknown key");
  }
}

hal::line_address& line_of(const toml::table& t, const toml_reader& r, std::string_view where, hal::line_address& a) {
  const auto* chip = t.get("chip");
  const auto* line = t.get("line");
  if (!chip || !line) r.fail(t, where, "needs chip (the GPIO chip's label) and line (the offset on it)");
  a.chip = r.string(*chip, std::string(where) + ".chip");
  a.offset = static_cast<unsigned>(r.integer(*line, std::string(where) + ".line", 0, 1023));
  if (const auto* al = t.get("active_low")) a.active_low = r.boolean(*al, std::string(where) + ".active_low");
  return a;
}

sensor_config parse_sensor(const toml::table& t, std::size_t index, const toml_reader& r) {
  const std::string where = "sensor[" + std::to_string(index) + "]";
  sensor_config s;
  const auto* type = t.get("type");
  if (!type) r.fail(t, where, "needs type = \"ds18b20\", \"adc\" or \"gpio\"");
  const std::string ty = r.string(*type, where + ".type");
  if (ty == "ds18b20") s.type = sensor_type::ds18b20, s.kind = "temperature";
  else if (ty == "adc") s.type = sensor_type::adc;
  else if (ty == "gpio") s.type = sensor_type::gpio;
  else r.fail(*type, where + ".type", "expected \"ds18b20\", \"adc\" or \"gpio\", got \"" + ty + "\"");
  hal::calibration cal;
  bool has_dry = false, has_wet = false;
  for (const auto& [k, node] : t) {
    const std::string_view name = k.str();
    const std::string key = where + "." + std::string(name);
    if (name == "type" || name == "chip" || name == "line" || name == "active_low") continue;
    if (name == "id") s.id = r.string(node, key);
    else if (name == "kind") s.kind = r.string(node, key);
    else if (name == "device" && s.type == sensor_type::adc) s.device = r.string(node, key);
    else if (name == "channel" && s.type == sensor_type::adc) s.channel = static_cast<unsigned>(r.integer(node, key, 0, 255));
    else if (name == "dry_mv" && s.type == sensor_type::adc) cal.dry_mv = r.number(node, key), has_dry = true;
    else if (name == "wet_mv" && s.type == sensor_type::adc) cal.wet_mv = r.number(node, key), has_wet = true;
    else if (name == "dry_value" && s.type == sensor_type::adc) cal.dry_value = r.number(node, key);
    else if (name == "wet_value" && s.type == sensor_type::adc) cal.wet_value = r.number(node, key);
    else if (name == "alarm_above" && s.type == sensor_type::adc) s.alarm_above = r.number(node, key);
    else if (name == "debounce_ms" && s.type == sensor_type::gpio)
      s.debounce = std::chrono::milliseconds(r.integer(node, key, 0, 10000));
    else r.fail(node, key, "unknown key for a " + ty + " sensor");
  }
  if (has_dry != has_wet) r.fail(t, where, "dry_mv and wet_mv go together");
  if (has_dry) {
    if (cal.dry_mv == cal.wet_mv) r.fail(t, where, "dry_mv and wet_mv must differ");
    s.cal = cal;
  }
  if (s.type == sensor_type::gpio) line_of(t, r, where, s.line);
  if (s.type == sensor_type::adc && s.device.empty()) r.fail(t, where, "an adc sensor needs device (its IIO name)");
  if (s.id.empty()) r.fail(t, where, "needs an id (a DS18B20's is its 28-... address)");
  if (s.kind.empty()) r.fail(t, where, "needs a kind (moisture, gas, motion, ...)");
  return s;
}

actuator_config parse_actuator(const toml::table& t, std::size_t index, const toml_reader& r) {
  const std::string where = "actuator[" + std::to_string(index) + "]";
  actuator_config a;
  for (const auto& [k, node] : t) {
    const std::string_view name = k.str();
    const std::string key = where + "." + std::string(name);
    if (name == "chip" || name == "line" || name == "active_low") continue;
    if (name == "name") a.name = r.string(node, key);
    else if (name == "safe_state") {
      const auto v = r.string(node, key);
      if (v != "on" && v != "off") r.fail(node, key, "expected \"on\" or \"off\"");
      a.safe_on = v == "on";
    } else if (name == "max_on") a.max_on = std::chrono::seconds(r.integer(node, key, 0, 7 * 86400));
    else if (name == "on_gas") a.on_gas = r.boolean(node, key);
    else r.fail(node, key, "unknown key");
  }
  if (a.name.empty()) r.fail(t, where, "needs a name");
  line_of(t, r, where, a.line);
  return a;
}

}  // namespace

void apply_toml(agent_config& cfg, std::string_view toml_text, std::string_view origin) {
  const toml::table doc = core::parse_toml(toml_text, origin);
  const toml_reader r(origin);
  for (const auto& [k, node] : doc) {
    const std::string_view key = k.str();
    if (key == "node") cfg.node = r.string(node, key);
    else if (key == "prefix") cfg.prefix = r.string(node, key);
    else if (key == "log_level") {
      if (!core::parse_log_level(r.string(node, key), cfg.level))
        r.fail(node, key, "expected one of debug, info, warning, error, off");
    } else if (key == "state_dir") cfg.state_dir = r.string(node, key);
    else if (key == "sysfs_root") cfg.sysfs_root = r.string(node, key);
    else if (key == "gpio_backend") {
      if (!hal::parse_gpio_kind(r.string(node, key), cfg.gpio)) r.fail(node, key, "expected auto, chardev or sysfs");
    } else if (key == "publish_interval") {
      const double s = r.number(node, key);
      if (s < 0.05 || s > 86400) r.fail(node, key, "must be between 0.05 and 86400 seconds");
      cfg.publish_interval = std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000));
    } else if (key == "queue_max_readings") cfg.queue_max = static_cast<std::size_t>(r.integer(node, key, 1, 100000000));
    else if (key == "supervisor") cfg.supervisor = r.boolean(node, key);
    else if (key == "central") apply_central(cfg.central, r.table(node, key), r);
    else if (key == "sensor" || key == "actuator") {
      const auto* arr = node.as_array();
      if (!arr) r.expected(node, key, "[[" + std::string(key) + "]] tables");
      std::size_t i = 0;
      for (const auto& item : *arr) {
        const auto& t = r.table(item, std::string(key) + "[" + std::to_string(i) + "]");
        if (key == "sensor") cfg.sensors.push_back(parse_sensor(t, i, r));
        else cfg.actuators.push_back(parse_actuator(t, i, r));
        ++i;
      }
    } else r.fail(node, key, "unknown key");
  }
}

bool valid_node_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

bool valid_sensor_id(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64 || s == "ts") return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
          c == '.'))
      return false;
  return true;
}

bool parse_central(std::string_view text, central_config& out, std::string& why) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return why = "expected [IPv6]:PORT", false;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return why = "expected HOST:PORT, e.g. central.local:8883", false;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) return why = "missing host in '" + std::string(text) + "'", false;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
    return why = "port '" + std::string(port) + "' is not a number between 1 and 65535", false;
  out.host = std::string(host);
  out.port = static_cast<std::uint16_t>(value);
  return true;
}

void validate(const agent_config& cfg) {
  if (!valid_node_name(cfg.node))
    throw config_error(cfg.node.empty() ? "node: missing (set node = \"kitchen\" or pass --node NAME)"
                                        : "node: '" + cfg.node + "' must match [a-z0-9_-]+");
  if (cfg.prefix.empty() || cfg.prefix.find_first_of("+#") != std::string::npos || cfg.prefix.back() == '/')
    throw config_error("prefix: '" + cfg.prefix + "' must be a topic level without wildcards or a trailing '/'");
  std::set<std::string> ids, names;
  for (const auto& s : cfg.sensors) {
    if (!valid_sensor_id(s.id)) throw config_error("sensor '" + s.id + "': id must match [A-Za-z0-9_.-]+ and not be ts");
    if (!valid_node_name(s.kind)) throw config_error("sensor '" + s.id + "': kind '" + s.kind + "' must match [a-z0-9_-]+");
    if (s.kind == "relay" || s.kind == "status" || s.kind == "alarm")
      throw config_error("sensor '" + s.id + "': kind '" + s.kind + "' is a reserved topic");
    if (!ids.insert(s.id).second) throw config_error("sensor '" + s.id + "': duplicate id");
  }
  for (const auto& a : cfg.actuators) {
    if (!valid_node_name(a.name)) throw config_error("actuator '" + a.name + "': name must match [a-z0-9_-]+");
    if (!names.insert(a.name).second) throw config_error("actuator '" + a.name + "': duplicate name");
  }
  if (cfg.central.cert_file.empty() != cfg.central.key_file.empty())
    throw config_error("central.cert_file and central.key_file go together");
  if (cfg.central.password && !cfg.central.username) throw config_error("central.password needs central.username");
  if (cfg.central.reconnect_max < cfg.central.reconnect_min)
    throw config_error("central.reconnect_max_ms must not be below central.reconnect_min_ms");
}

}  // namespace hearth::agent
