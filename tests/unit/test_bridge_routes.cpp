// The bridge: routing table from config, MQTT messages to DESIGN.md events,
// rooms resolved, bad payloads counted and never fatal.
#include <catch2/catch.hpp>

#include <map>

#include <boost/json/serialize.hpp>

#include "hearth/app/bridge.hpp"
#include "hearth/app/routes.hpp"

using namespace hearth;
using home::event_kind;

namespace {

struct fake_rooms : home::room_resolver {
  std::map<std::string, std::string, std::less<>> by_sensor;  // "node/kind/sensor" -> room
  std::string room_of(std::string_view node, std::string_view kind, std::string_view sensor) const override {
    auto it = by_sensor.find(std::string(node) + "/" + std::string(kind) + "/" + std::string(sensor));
    return it == by_sensor.end() ? "" : it->second;
  }
};

constexpr std::int64_t now = 1'700'000'000'000;

std::string json(const home::event& e) { return e.name + " " + boost::json::serialize(e.data); }

}  // namespace

TEST_CASE("bridge: the default routes follow the topic contract", "[bridge]") {
  auto t = home::routing_table::defaults();
  auto m = t.find("home/kitchen/status");
  REQUIRE(m);
  CHECK(m->r->events == std::vector{event_kind::node});
  CHECK(m->node == "kitchen");
  m = t.find("home/kitchen/relay/light");
  REQUIRE(m);
  CHECK(m->r->events == std::vector{event_kind::relay});
  CHECK(m->name == "light");
  m = t.find("home/kitchen/gas");
  REQUIRE(m);
  CHECK(m->r->events == std::vector{event_kind::reading, event_kind::alarm});
  m = t.find("home/kitchen/humidity");
  REQUIRE(m);
  CHECK(m->r->events == std::vector{event_kind::reading});
  CHECK(m->name == "humidity");
  CHECK_FALSE(t.find("home/kitchen/relay/light/set"));  // commands are not events
  CHECK_FALSE(t.find("elsewhere/kitchen/humidity"));
  CHECK_FALSE(t.find("$SYS/broker/uptime"));
  CHECK(home::routing_table::defaults("casa").find("casa/sala/temperature"));
}

TEST_CASE("bridge: routes from config, first match wins", "[bridge]") {
  core::bridge_config cfg;
  cfg.routes = {{"home/+/smoke", {"reading", "alarm"}, std::string("ppm"), 300},
                {"home/+/debug/#", {"ignore"}, std::nullopt, 0.5},
                {"sensors/+/+/value", {"reading"}, std::nullopt, 0.5}};
  auto t = home::routing_table::from_config(cfg);
  auto m = t.find("home/attic/smoke");
  REQUIRE(m);
  CHECK(m->name == "smoke");
  CHECK(m->r->unit == "ppm");
  CHECK(m->r->alarm_threshold == 300);
  m = t.find("sensors/cellar/humidity/value");
  REQUIRE(m);
  CHECK(m->node == "cellar");
  CHECK(m->name == "humidity");  // the second '+'
  CHECK(t.find("home/attic/debug/x")->r->events == std::vector{event_kind::ignore});
  CHECK_FALSE(t.find("home/attic/temperature"));  // the defaults are replaced
}

TEST_CASE("bridge: bad routes are refused with the route named", "[bridge][malformed]") {
  core::bridge_config cfg;
  cfg.routes = {{"home/#/x", {"reading"}, std::nullopt, 0.5}};
  CHECK_THROWS_WITH(home::routing_table::from_config(cfg), Catch::Contains("bridge.routes[0] (home/#/x)") &&
                                                              Catch::Contains("not a valid MQTT topic filter"));
  cfg.routes = {{"home/+/x", {"reading", "sparkle"}, std::nullopt, 0.5}};
  CHECK_THROWS_WITH(home::routing_table::from_config(cfg), Catch::Contains("unknown event 'sparkle'"));
  cfg.routes = {{"home/kitchen/x", {"reading"}, std::nullopt, 0.5}};
  CHECK_THROWS_WITH(home::routing_table::from_config(cfg), Catch::Contains("needs a '+'"));
}

TEST_CASE("bridge: one reading event per sensor value, room and unit filled in", "[bridge]") {
  fake_rooms rooms;
  rooms.by_sensor["kitchen/temperature/28-01"] = "Kitchen";
  home::bridge b(home::routing_table::defaults(), rooms);
  auto out = b.on_message("home/kitchen/temperature", R"({"28-01": 21.5, "28-02": 19})", false, now);
  REQUIRE(out.events.size() == 2);
  CHECK(json(out.events[0]) == R"(reading {"node":"kitchen","kind":"temperature","sensor":"28-01","room":"Kitchen",)"
                               R"("value":2.15E1,"unit":"°C","ts":1700000000000})");
  CHECK(json(out.events[1]) == R"(reading {"node":"kitchen","kind":"temperature","sensor":"28-02","room":null,)"
                               R"("value":1.9E1,"unit":"°C","ts":1700000000000})");
  REQUIRE(out.readings.size() == 2);
  CHECK(out.readings[0].sensor == "28-01");
  CHECK(out.readings[0].value == 21.5);
  CHECK(out.readings[0].ts == now);

  out = b.on_message("home/kitchen/humidity", R"({"dht": 40, "ts": 1699999990000})", false, now);
  REQUIRE(out.events.size() == 1);
  CHECK(out.events[0].data.at("unit") == "%");
  CHECK(out.events[0].data.at("ts") == 1'699'999'990'000);  // buffered by the agent
  out = b.on_message("home/kitchen/motion", R"({"pir": true})", false, now);
  CHECK(out.readings.at(0).value == 1);
  CHECK(b.stats().problems() == 0);
}

TEST_CASE("bridge: a retained reading is shown but not stored again", "[bridge]") {
  fake_rooms rooms;
  home::bridge b(home::routing_table::defaults(), rooms);
  auto out = b.on_message("home/kitchen/temperature", R"({"28-01": 21.5})", true, now);
  CHECK(out.events.size() == 1);
  CHECK(out.readings.empty());
}

TEST_CASE("bridge: relay, node and alarm events", "[bridge]") {
  fake_rooms rooms;
  rooms.by_sensor["kitchen/relay/light"] = "Kitchen";
  rooms.by_sensor["kitchen/gas/mq2"] = "Kitchen";
  home::bridge b(home::routing_table::defaults(), rooms);
  bool pending = true;
  b.set_pending_check([&](std::string_view node, std::string_view relay) {
    return pending && node == "kitchen" && relay == "light";
  });

  auto out = b.on_message("home/kitchen/relay/light", "on", true, now);
  REQUIRE(out.events.size() == 1);
  CHECK(json(out.events[0]) == R"(relay {"node":"kitchen","relay":"light","room":"Kitchen","state":"on","pending":true})");
  pending = false;
  CHECK(b.relay_event("kitchen", "light")->data.at("pending") == false);
  CHECK_FALSE(b.relay_event("kitchen", "heater"));

  out = b.on_message("home/kitchen/status", "online", true, now);
  CHECK(json(out.events.at(0)) == R"(node {"node":"kitchen","online":true,"last_seen":1700000000000})");
  b.on_message("home/kitchen/temperature", R"({"28-01": 21})", false, now + 5000);
  out = b.on_message("home/kitchen/status", "offline", false, now + 60000);  // the will
  CHECK(json(out.events.at(0)) == R"(node {"node":"kitchen","online":false,"last_seen":1700000000000})");

  // Alarms: an event when the state changes, not on every reading.
  out = b.on_message("home/kitchen/gas", R"({"mq2": 0})", false, now);
  REQUIRE(out.events.size() == 2);  // reading + first alarm state
  CHECK(json(out.events[1]) == R"(alarm {"node":"kitchen","kind":"gas","sensor":"mq2","room":"Kitchen",)"
                               R"("active":false,"value":0E0,"ts":1700000000000})");
  CHECK(b.on_message("home/kitchen/gas", R"({"mq2": 0})", false, now).events.size() == 1);
  out = b.on_message("home/kitchen/gas", R"({"mq2": 1})", false, now);
  REQUIRE(out.events.size() == 2);
  CHECK(out.events[1].data.at("active") == true);
  CHECK(b.on_message("home/kitchen/gas", R"({"mq2": 1})", false, now).events.size() == 1);
}

TEST_CASE("bridge: the snapshot holds the latest state of everything", "[bridge]") {
  fake_rooms rooms;
  home::bridge b(home::routing_table::defaults(), rooms, {.max_entries = 4});
  b.on_message("home/a/temperature", R"({"t1": 1})", false, now);
  b.on_message("home/a/temperature", R"({"t1": 2})", false, now + 1);
  b.on_message("home/a/relay/light", "off", true, now);
  b.on_message("home/a/status", "online", true, now);
  b.on_message("home/a/humidity", R"({"h": 50})", false, now + 5);
  b.on_message("home/a/moisture", R"({"m": 30})", false, now + 9);  // over max_entries: not remembered
  auto snap = b.snapshot();
  REQUIRE(snap.size() == 4);
  std::map<std::string, std::string> by_name;
  for (const auto& e : snap) by_name[e.name + ":" + std::string(e.data.contains("kind") ? e.data.at("kind").as_string() : "")] = json(e);
  CHECK(by_name.count("reading:temperature") == 1);
  CHECK(by_name["reading:temperature"].find(R"("value":2E0)") != std::string::npos);
  CHECK(by_name["node:"].find(R"("last_seen":1700000000009)") != std::string::npos);  // the last message, not a status
  CHECK(by_name.count("reading:moisture") == 0);
}

TEST_CASE("bridge: bad payloads are counted and reported, never fatal", "[bridge][malformed]") {
  fake_rooms rooms;
  home::bridge b(home::routing_table::defaults(), rooms, {.max_payload = 200, .max_values = 3});
  const auto none = [&](std::string_view topic, std::string_view payload) {
    return b.on_message(topic, payload, false, now).events.empty();
  };
  CHECK(none("home/k/temperature", "21.5"));
  CHECK(b.stats().not_json == 1);
  CHECK_THAT(b.last_problem(), Catch::StartsWith("home/k/temperature: expected a JSON object"));
  CHECK(none("home/k/temperature", "{\"28-01\": 21.5"));
  CHECK(b.stats().not_json == 2);
  CHECK_THAT(b.last_problem(), Catch::Contains("not JSON"));
  CHECK(none("home/k/temperature", "\xff\xfe"));
  CHECK(none("home/k/temperature", ""));
  CHECK(none("home/k/temperature", std::string(201, ' ')));
  CHECK(b.stats().oversized == 1);
  CHECK(none("home/k/temperature", R"({"28-01": "warm"})"));
  CHECK(none("home/k/temperature", R"({"28-01": null})"));
  CHECK(none("home/k/temperature", R"({"28-01": [1]})"));
  CHECK(none("home/k/temperature", R"({"28-01": 1e999})"));
  CHECK(b.stats().bad_values == 4);
  CHECK(none("home/k/temperature", R"({"": 1})"));
  CHECK(none("home/k/temperature", R"({"a/b": 1})"));
  CHECK(none("home/k/temperature", R"({"<script>": 1})"));
  CHECK(none("home/k/temperature", "{\"" + std::string(65, 'x') + "\": 1}"));
  CHECK(b.stats().bad_sensors == 4);
  CHECK(none("home/k/relay/light", "ON"));
  CHECK(none("home/k/relay/light", "1"));
  CHECK(none("home/k/status", "up"));
  CHECK(b.stats().bad_values == 7);
  // Good values next to bad ones still go through.
  auto out = b.on_message("home/k/temperature", R"({"a": 1, "b": "x", "c": 3})", false, now);
  CHECK(out.events.size() == 2);
  // Too many values: the first max_values are taken.
  out = b.on_message("home/k/temperature", R"({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5})", false, now);
  CHECK(out.events.size() == 3);
  // An implausible ts: the value is kept, with the time of arrival.
  out = b.on_message("home/k/temperature", R"({"a": 1, "ts": 12})", false, now);
  REQUIRE(out.events.size() == 1);
  CHECK(out.events[0].data.at("ts") == now);
  out = b.on_message("home/k/temperature", R"({"a": 1, "ts": "soon"})", false, now);
  CHECK(out.events[0].data.at("ts") == now);
  CHECK(b.stats().messages == 20);
  CHECK(b.stats().unrouted == 0);
  CHECK(b.on_message("other/topic", "x", false, now).events.empty());
  CHECK(b.stats().unrouted == 1);
}
