// The bridge core: an MQTT message in, the Socket.IO events of DESIGN.md
// out, with the room resolved from the pairing. Pure: no I/O, no clock (the
// caller passes the time), no logging (problems are counted and the last one
// kept for the caller to report).
//
//   reading {node, kind, sensor, room, value, unit, ts}   one per sensor value
//   relay   {node, relay, room, state, pending}
//   node    {node, online, last_seen}
//   alarm   {node, kind, room, active, value, ts}         when a sensor's state changes
//
// Reading payloads are JSON objects {"<sensor-id>": <number or bool>, ...,
// "ts": <unix ms>} (ts optional, for readings an agent buffered). A bad
// message (over max_payload, not JSON, not an object) yields nothing; a bad
// value or sensor id skips that value only. A retained reading yields events
// but no rows to store: it is replayed on every subscribe, not measured anew.
//
// The bridge remembers the latest event of each sensor, relay, node and alarm
// (bounded by max_entries) so that a browser that connects late gets the
// current state at once (snapshot()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/object.hpp>

#include "hearth/app/routes.hpp"
#include "hearth/store/readings.hpp"

namespace hearth::home {

// Where a device is: the room's name, or "" when not assigned.
class room_resolver {
public:
  virtual ~room_resolver() = default;
  virtual std::string room_of(std::string_view node, std::string_view kind, std::string_view sensor) const = 0;
};

struct event {
  std::string name;  // reading, relay, node, alarm
  boost::json::object data;
};

struct bridge_limits {
  std::size_t max_payload = 4096;
  std::size_t max_values = 64;      // sensor values in one message
  std::size_t max_sensor_id = 64;   // bytes
  std::size_t max_entries = 10000;  // remembered sensors, relays, nodes, alarms
};

struct bridge_stats {
  std::uint64_t messages = 0;
  std::uint64_t unrouted = 0;
  std::uint64_t oversized = 0;
  std::uint64_t not_json = 0;     // includes JSON that is not an object
  std::uint64_t bad_values = 0;   // not a finite number or bool, bad ts, bad status/relay payload
  std::uint64_t bad_sensors = 0;  // sensor ids: empty, too long, odd characters; too many values
  std::uint64_t problems() const noexcept { return oversized + not_json + bad_values + bad_sensors; }
};

struct bridge_output {
  std::vector<event> events;
  std::vector<store::reading> readings;  // to store
};

class bridge {
public:
  bridge(routing_table routes, const room_resolver& rooms, bridge_limits limits = {});

  // Whether a command is pending for a relay (the command tracker); relay
  // events carry it. Defaults to "never".
  void set_pending_check(std::function<bool(std::string_view node, std::string_view relay)> f);

  bridge_output on_message(std::string_view topic, std::string_view payload, bool retain, std::int64_t now_ms);

  // The current state, one event per remembered sensor, relay, node, alarm.
  std::vector<event> snapshot() const;

  // A relay event for the current state with pending recomputed, e.g. when
  // a command starts or ends; nullopt for a relay never reported.
  std::optional<event> relay_event(std::string_view node, std::string_view relay) const;

  const routing_table& routes() const noexcept { return routes_; }
  const bridge_stats& stats() const noexcept { return stats_; }
  // The last problem: "topic: what was wrong" (empty if none yet).
  const std::string& last_problem() const noexcept { return last_problem_; }

private:
  void on_reading(const route_match& m, std::string_view topic, std::string_view payload, bool retain,
                  std::int64_t now, bridge_output& out);
  void on_relay(const route_match& m, std::string_view topic, std::string_view payload, bridge_output& out);
  void on_node(const route_match& m, std::string_view topic, std::string_view payload, std::int64_t now,
               bridge_output& out);
  void problem(std::uint64_t& counter, std::string_view topic, std::string_view what);
  void remember(std::string key, const event& e);

  routing_table routes_;
  const room_resolver& rooms_;
  bridge_limits limits_;
  std::function<bool(std::string_view, std::string_view)> pending_;
  std::map<std::string, event> latest_;                      // snapshot, by kind/node/name/sensor
  std::unordered_map<std::string, bool> alarm_state_;        // node \0 kind \0 sensor -> active
  std::unordered_map<std::string, std::int64_t> last_seen_;  // node -> unix ms
  bridge_stats stats_;
  std::string last_problem_;
};

}  // namespace hearth::home
