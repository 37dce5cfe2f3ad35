// The bridge's routing table: which MQTT topics become which Socket.IO
// events, from config instead of hard-coded `if "temperature" in topic`
// branches.
//
// A route is a topic filter and the events it produces. The first route
// whose filter matches wins, so specific routes go before general ones. In a
// filter the first '+' is the node; the second '+' (if any) is the name: the
// relay for `relay` routes, the kind for `reading`/`alarm` routes. Without a
// second '+' the name is the topic's last level ("home/+/gas" -> "gas").
//
// The defaults follow DESIGN.md's topic contract:
//   home/+/status    -> node
//   home/+/relay/+   -> relay
//   home/+/gas       -> reading, alarm
//   home/+/+         -> reading
// A relay's `/set` topic (5 levels) matches none of them: commands are the
// central's own messages, not events.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/core/config.hpp"

namespace hearth::home {

enum class event_kind { reading, relay, node, alarm, ignore };

std::string_view to_string(event_kind k) noexcept;
std::optional<event_kind> parse_event_kind(std::string_view s) noexcept;

struct route {
  std::string filter;
  std::vector<event_kind> events;
  std::optional<std::string> unit;  // overrides the unit of the kind
  double alarm_threshold = 0.5;     // alarm active when value >= threshold
};

struct route_match {
  const route* r = nullptr;
  std::string_view node;
  std::string_view name;  // kind (reading, alarm) or relay name
};

class routing_table {
public:
  // DESIGN.md's contract under `prefix` ("home").
  static routing_table defaults(std::string_view prefix = "home");

  // From the [bridge] config; an empty list gives the defaults. Throws
  // core::config_error naming the route at fault (bad filter, no '+' for
  // the node, unknown event).
  static routing_table from_config(const core::bridge_config& cfg);

  // The first matching route, or nullopt.
  std::optional<route_match> find(std::string_view topic) const;

  const std::vector<route>& routes() const noexcept { return routes_; }

private:
  std::vector<route> routes_;
};

// The unit shown next to a kind's values: temperature "°C", humidity and
// moisture "%", gas/motion/contact "" (a state), ...; "" when unknown.
std::string_view unit_of(std::string_view kind) noexcept;

}  // namespace hearth::home
