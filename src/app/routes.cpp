#include "hearth/app/routes.hpp"

#include <array>
#include <utility>

#include "hearth/mqtt/topic.hpp"

namespace hearth::home {

namespace {

constexpr std::array<std::pair<event_kind, std::string_view>, 5> kind_names = {{
    {event_kind::reading, "reading"},
    {event_kind::relay, "relay"},
    {event_kind::node, "node"},
    {event_kind::alarm, "alarm"},
    {event_kind::ignore, "ignore"},
}};

std::size_t count_plus(std::string_view filter) {
  std::size_t n = 0;
  for (mqtt::level_iterator it(filter); it; ++it) n += *it == "+";
  return n;
}

}  // namespace

std::string_view to_string(event_kind k) noexcept {
  for (const auto& [kind, name] : kind_names)
    if (kind == k) return name;
  return "?";
}

std::optional<event_kind> parse_event_kind(std::string_view s) noexcept {
  for (const auto& [kind, name] : kind_names)
    if (name == s) return kind;
  return std::nullopt;
}

routing_table routing_table::defaults(std::string_view prefix) {
  const std::string p(prefix);
  routing_table t;
  t.routes_ = {
      {p + "/+/status", {event_kind::node}, std::nullopt, 0.5},
      {p + "/+/relay/+", {event_kind::relay}, std::nullopt, 0.5},
      {p + "/+/gas", {event_kind::reading, event_kind::alarm}, std::nullopt, 0.5},
      {p + "/+/+", {event_kind::reading}, std::nullopt, 0.5},
  };
  return t;
}

routing_table routing_table::from_config(const core::bridge_config& cfg) {
  if (cfg.routes.empty()) return defaults(cfg.prefix);
  routing_table t;
  for (std::size_t i = 0; i < cfg.routes.size(); ++i) {
    const core::bridge_route& in = cfg.routes[i];
    const std::string where = "bridge.routes[" + std::to_string(i) + "] (" + in.topic + "): ";
    if (!mqtt::is_valid_topic_filter(in.topic))
      throw core::config_error(where + "not a valid MQTT topic filter");
    route r{in.topic, {}, in.unit, in.alarm_threshold};
    for (const std::string& name : in.events) {
      auto kind = parse_event_kind(name);
      if (!kind) throw core::config_error(where + "unknown event '" + name + "' (reading, relay, node, alarm, ignore)");
      r.events.push_back(*kind);
    }
    const bool ignore_only = r.events.size() == 1 && r.events.front() == event_kind::ignore;
    if (!ignore_only && count_plus(in.topic) == 0)
      throw core::config_error(where + "needs a '+' level for the node name");
    t.routes_.push_back(std::move(r));
  }
  return t;
}

std::optional<route_match> routing_table::find(std::string_view topic) const {
  for (const route& r : routes_) {
    if (!mqtt::topic_matches(r.filter, topic)) continue;
    route_match m{&r, {}, {}};
    std::string_view last;
    int plus = 0;
    mqtt::level_iterator t(topic);
    for (mqtt::level_iterator f(r.filter); f && t; ++f, ++t) {
      if (*f == "#") break;
      if (*f == "+") {
        if (plus == 0) m.node = *t;
        else if (plus == 1) m.name = *t;
        ++plus;
      }
    }
    for (mqtt::level_iterator it(topic); it; ++it) last = *it;
    if (plus < 2) m.name = last;
    return m;
  }
  return std::nullopt;
}

std::string_view unit_of(std::string_view kind) noexcept {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> units = {{
      {"temperature", "°C"},
      {"humidity", "%"},
      {"moisture", "%"},
      {"battery", "%"},
      {"pressure", "hPa"},
      {"light", "lx"},
      {"co2", "ppm"},
      {"voltage", "V"},
      {"power", "W"},
      {"gas", ""},
      {"motion", ""},
      {"contact", ""},
  }};
  for (const auto& [k, u] : units)
    if (k == kind) return u;
  return "";
}

}  // namespace hearth::home
