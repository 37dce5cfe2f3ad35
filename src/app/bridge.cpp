#include "hearth/app/bridge.hpp"

#include <cmath>
#include <utility>

#include <boost/json/parse.hpp>

#include "hearth/store/pairing_conf.hpp"

namespace hearth::home {

namespace {

// Readings buffered by an agent may be old, but not older than this
// (2001-09-09) nor more than a day in the future: such a ts is a bug or a
// clock that was never set.
constexpr std::int64_t min_ts = 1'000'000'000'000;
constexpr std::int64_t max_skew_ms = 24 * 3600 * 1000;

// The ids the devices list accepts (store::is_valid_device_id), within the
// configured length.
bool valid_sensor_id(std::string_view id, std::size_t max) {
  return id.size() <= max && store::is_valid_device_id(id);
}

// A JSON number or bool as a double; nullopt for anything else or NaN/inf.
std::optional<double> number_of(const boost::json::value& v) {
  double d = 0;
  if (v.is_double()) d = v.get_double();
  else if (v.is_int64()) d = static_cast<double>(v.get_int64());
  else if (v.is_uint64()) d = static_cast<double>(v.get_uint64());
  else if (v.is_bool()) d = v.get_bool() ? 1.0 : 0.0;
  else return std::nullopt;
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

std::string key_of(std::string_view a, std::string_view b, std::string_view c, std::string_view d = {}) {
  std::string k;
  k.append(a).append(1, '\0').append(b).append(1, '\0').append(c).append(1, '\0').append(d);
  return k;
}

boost::json::value room_value(const std::string& room) {
  if (room.empty()) return nullptr;
  return boost::json::value(room);
}

}  // namespace

bridge::bridge(routing_table routes, const room_resolver& rooms, bridge_limits limits)
    : routes_(std::move(routes)), rooms_(rooms), limits_(limits), pending_([](auto, auto) { return false; }) {}

void bridge::set_pending_check(std::function<bool(std::string_view, std::string_view)> f) {
  pending_ = f ? std::move(f) : [](std::string_view, std::string_view) { return false; };
}

void bridge::problem(std::uint64_t& counter, std::string_view topic, std::string_view what) {
  ++counter;
  last_problem_.assign(topic).append(": ").append(what);
}

void bridge::remember(std::string key, const event& e) {
  auto it = latest_.find(key);
  if (it != latest_.end()) {
    it->second = e;
  } else if (latest_.size() < limits_.max_entries) {
    latest_.emplace(std::move(key), e);
  }
}

bridge_output bridge::on_message(std::string_view topic, std::string_view payload, bool retain, std::int64_t now) {
  bridge_output out;
  ++stats_.messages;
  auto m = routes_.find(topic);
  if (!m) {
    ++stats_.unrouted;
    return out;
  }
  if (payload.size() > limits_.max_payload) {
    problem(stats_.oversized, topic, "payload of " + std::to_string(payload.size()) + " bytes is over the limit of " +
                                         std::to_string(limits_.max_payload));
    return out;
  }
  if (m->node.empty()) {
    problem(stats_.bad_sensors, topic, "empty node name");
    return out;
  }
  if (last_seen_.size() < limits_.max_entries || last_seen_.contains(std::string(m->node)))
    last_seen_[std::string(m->node)] = now;
  bool reading_done = false;
  for (event_kind k : m->r->events) {
    switch (k) {
      case event_kind::reading:
      case event_kind::alarm:
        // One pass over the payload makes both the readings and the alarms.
        if (!reading_done) on_reading(*m, topic, payload, retain, now, out);
        reading_done = true;
        break;
      case event_kind::relay: on_relay(*m, topic, payload, out); break;
      case event_kind::node: on_node(*m, topic, payload, now, out); break;
      case event_kind::ignore: break;
    }
  }
  return out;
}

void bridge::on_reading(const route_match& m, std::string_view topic, std::string_view payload, bool retain,
                        std::int64_t now, bridge_output& out) {
  bool want_reading = false;
  bool want_alarm = false;
  for (event_kind k : m.r->events) {
    want_reading |= k == event_kind::reading;
    want_alarm |= k == event_kind::alarm;
  }
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(payload, ec);
  if (ec || !doc.is_object()) {
    problem(stats_.not_json, topic, ec ? "not JSON (" + ec.message() + ")" : "expected a JSON object {\"sensor-id\": value}");
    return;
  }
  const boost::json::object& obj = doc.get_object();
  std::int64_t ts = now;
  if (const auto* t = obj.if_contains("ts")) {
    auto v = number_of(*t);
    if (!v || t->is_bool() || *v < static_cast<double>(min_ts) || *v > static_cast<double>(now + max_skew_ms))
      problem(stats_.bad_values, topic, "ts is not a plausible unix time in milliseconds; using the time of arrival");
    else
      ts = static_cast<std::int64_t>(*v);
  }
  const std::string kind(m.name);
  const std::string_view unit = m.r->unit ? std::string_view(*m.r->unit) : unit_of(kind);
  std::size_t values = 0;
  for (const auto& [key, val] : obj) {
    if (key == "ts") continue;
    if (++values > limits_.max_values) {
      problem(stats_.bad_sensors, topic, "more than " + std::to_string(limits_.max_values) + " values; the rest ignored");
      break;
    }
    const std::string_view sensor(key.data(), key.size());
    if (!valid_sensor_id(sensor, limits_.max_sensor_id)) {
      problem(stats_.bad_sensors, topic, "bad sensor id (1-" + std::to_string(limits_.max_sensor_id) +
                                             " of A-Z a-z 0-9 - _ . :)");
      continue;
    }
    auto value = number_of(val);
    if (!value) {
      problem(stats_.bad_values, topic, "value of " + std::string(sensor) + " is not a finite number or a boolean");
      continue;
    }
    const std::string room = rooms_.room_of(m.node, kind, sensor);
    if (want_reading) {
      event e{"reading",
              {{"node", m.node}, {"kind", kind}, {"sensor", sensor}, {"room", room_value(room)},
               {"value", *value}, {"unit", unit}, {"ts", ts}}};
      remember(key_of("reading", m.node, kind, sensor), e);
      out.events.push_back(std::move(e));
      if (!retain) out.readings.push_back({std::string(m.node), kind, std::string(sensor), *value, ts});
    }
    if (want_alarm) {
      const bool active = *value >= m.r->alarm_threshold;
      std::string k = key_of(m.node, kind, sensor);
      auto it = alarm_state_.find(k);
      const bool known = it != alarm_state_.end();
      if (known && it->second == active) continue;  // no change, no event
      if (known) it->second = active;
      else if (alarm_state_.size() < limits_.max_entries) alarm_state_.emplace(k, active);
      event e{"alarm",
              {{"node", m.node}, {"kind", kind}, {"sensor", sensor}, {"room", room_value(room)},
               {"active", active}, {"value", *value}, {"ts", ts}}};
      remember(key_of("alarm", m.node, kind, sensor), e);
      out.events.push_back(std::move(e));
    }
  }
}

void bridge::on_relay(const route_match& m, std::string_view topic, std::string_view payload, bridge_output& out) {
  if (payload != "on" && payload != "off") {
    problem(stats_.bad_values, topic, "relay state must be on or off");
    return;
  }
  if (!valid_sensor_id(m.name, limits_.max_sensor_id)) {
    problem(stats_.bad_sensors, topic, "bad relay name");
    return;
  }
  const std::string room = rooms_.room_of(m.node, "relay", m.name);
  event e{"relay",
          {{"node", m.node}, {"relay", m.name}, {"room", room_value(room)}, {"state", payload},
           {"pending", pending_(m.node, m.name)}}};
  remember(key_of("relay", m.node, m.name, {}), e);
  out.events.push_back(std::move(e));
}

void bridge::on_node(const route_match& m, std::string_view topic, std::string_view payload, std::int64_t now,
                     bridge_output& out) {
  if (payload != "online" && payload != "offline") {
    problem(stats_.bad_values, topic, "status must be online or offline");
    return;
  }
  // A will ("offline") is sent by the broker on the node's behalf: the node
  // was last heard from before it, at its previous message.
  std::int64_t last_seen = now;
  if (payload == "offline") {
    if (auto it = latest_.find(key_of("node", m.node, {}, {})); it != latest_.end())
      if (const auto* v = it->second.data.if_contains("last_seen")) last_seen = v->as_int64();
  }
  event e{"node", {{"node", m.node}, {"online", payload == "online"}, {"last_seen", last_seen}}};
  remember(key_of("node", m.node, {}, {}), e);
  out.events.push_back(std::move(e));
}

std::vector<event> bridge::snapshot() const {
  std::vector<event> out;
  out.reserve(latest_.size());
  for (const auto& [key, e] : latest_) {
    event copy = e;
    if (copy.name == "node") {
      // last_seen moves with every message of the node, not only its status.
      auto it = last_seen_.find(std::string(copy.data.at("node").as_string()));
      if (it != last_seen_.end() && copy.data.at("online").as_bool()) copy.data["last_seen"] = it->second;
    } else if (copy.name == "relay") {
      copy.data["pending"] = pending_(copy.data.at("node").as_string(), copy.data.at("relay").as_string());
    }
    out.push_back(std::move(copy));
  }
  return out;
}

std::optional<event> bridge::relay_event(std::string_view node, std::string_view relay) const {
  auto it = latest_.find(key_of("relay", node, relay, {}));
  if (it == latest_.end()) return std::nullopt;
  event e = it->second;
  e.data["room"] = room_value(rooms_.room_of(node, "relay", relay));
  e.data["pending"] = pending_(node, relay);
  return e;
}

}  // namespace hearth::home
