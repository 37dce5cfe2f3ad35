// The house on a real io_context with the real broker: messages published
// through the broker become events and rows in readings.db; a command goes
// out on .../set and is confirmed by a (simulated) agent, or times out.
#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include "hearth/app/house.hpp"
#include "hearth/core/log.hpp"
#include "hearth/mqtt/broker.hpp"
#include "hearth/net/local_client.hpp"
#include "store_support.hpp"

using namespace hearth;
using namespace std::chrono_literals;

namespace {

struct fixture {
  test::house::temp_dir dir;
  core::logger log{core::log_level::off};
  net::io_context ioc;
  mqtt::broker broker{mqtt::broker_config{}, log};
  core::config cfg = [this] {
    core::config c;
    c.data_dir = dir.path();
    c.storage.flush_interval = 20ms;
    c.bridge.command_timeout = 1s;
    return c;
  }();
  home::house house{ioc, broker, cfg, log};
  std::vector<std::string> events;  // "name json"

  fixture() {
    house.on_event([this](std::string_view name, boost::json::value v) {
      events.push_back(std::string(name) + " " + boost::json::serialize(v));
    });
    house.start();
  }
  ~fixture() { house.stop(); }
  std::shared_ptr<local_client> client(std::string_view id) {
    auto c = std::make_shared<local_client>(ioc, broker);
    REQUIRE(c->connect(id, true) == mqtt::connack_code::accepted);
    return c;
  }
  void run(std::chrono::milliseconds d = 200ms) {
    ioc.restart();
    ioc.run_for(d);
  }
  std::size_t count(std::string_view prefix) const {
    return static_cast<std::size_t>(std::count_if(events.begin(), events.end(),
                                                  [&](const std::string& e) { return e.starts_with(prefix); }));
  }
};

}  // namespace

TEST_CASE("house: readings published through the broker land in readings.db", "[bridge][house]") {
  fixture f;
  auto agent = f.client("kitchen-agent");
  REQUIRE_FALSE(agent->publish("home/kitchen/status", "online", 1, true));
  for (int i = 0; i < 50; ++i)
    REQUIRE_FALSE(agent->publish("home/kitchen/temperature", R"({"28-01": )" + std::to_string(20 + i * 0.1) + "}", 1));
  REQUIRE_FALSE(agent->publish("home/kitchen/humidity", R"({"dht": 40})", 1));
  REQUIRE_FALSE(agent->publish("home/kitchen/temperature", "not json", 1));
  f.run();  // the flush timer runs within it
  CHECK(f.count("reading ") == 51);
  CHECK(f.count("node {\"node\":\"kitchen\",\"online\":true") == 1);
  CHECK(f.house.reading_counters().stored == 51);
  CHECK(f.house.message_counters().not_json == 1);
  // In the file, through a second connection (what a backup or a REST handler sees).
  store::database other(f.dir.file("readings.db"));
  CHECK(test::house::count_rows(other, "SELECT count(*) FROM reading") == 51);
  // The devices appeared in the "new devices" list.
  CHECK(f.house.devices().list_devices(true).size() == 2);
  auto h = f.house.history({"kitchen", "temperature", "28-01", 0, INT64_MAX / 2, 1000});
  CHECK(h.points.size() == 50);

  // A backup from the loop while readings keep coming.
  std::vector<std::string> backups;
  f.house.backup_async(f.dir.file("backup.db"), [&](std::string err) { backups.push_back(err); });
  REQUIRE_FALSE(agent->publish("home/kitchen/temperature", R"({"28-01": 30})", 1));
  f.run(100ms);
  CHECK(backups == std::vector<std::string>{""});
  store::database copy(f.dir.file("backup.db"));
  CHECK(test::house::count_rows(copy, "SELECT count(*) FROM reading") >= 51);
  CHECK(test::house::count_rows(copy, "SELECT count(*) FROM device") == 2);
  f.house.backup_async(f.dir.file("no/such/dir/backup.db"), [&](std::string err) { backups.push_back(err); });
  REQUIRE(backups.size() == 2);
  CHECK_THAT(backups[1], Catch::Contains("cannot open"));
}

TEST_CASE("house: a command is published at QoS 1 and confirmed by the agent", "[bridge][house]") {
  fixture f;
  auto agent = f.client("kitchen-agent");
  REQUIRE_FALSE(agent->publish("home/kitchen/relay/light", "off", 1, true));
  // The simulated agent switches its relay and reports the new state.
  std::vector<std::string> sets;
  REQUIRE(agent->subscribe("home/kitchen/relay/+/set", 1, [&](const mqtt::message_ptr& m) {
    sets.push_back(m->topic + "=" + m->payload + " qos" + std::to_string(m->qos));
    agent->publish("home/kitchen/relay/light", m->payload, 1, true);
  }) == 1);
  f.run(50ms);
  REQUIRE(f.count("relay ") == 1);

  std::vector<std::string> results;
  f.house.command("alice", "kitchen", "light", "on", [&](bool ok, std::string err) {
    results.push_back(ok ? "ok" : err);
  });
  CHECK(f.events.back() == R"(relay {"node":"kitchen","relay":"light","room":null,"state":"off","pending":true})");
  f.run();
  CHECK(sets == std::vector<std::string>{"home/kitchen/relay/light/set=on qos1"});
  CHECK(results == std::vector<std::string>{"ok"});
  CHECK(f.events.back() == R"(relay {"node":"kitchen","relay":"light","room":null,"state":"on","pending":false})");
  auto log = f.house.audit().query({});
  REQUIRE(log.size() == 1);
  CHECK(log[0].user == "alice");
  CHECK(log[0].outcome == "confirmed");

  // Unknown relays are refused at once, and logged as refused.
  f.house.command("bob", "kitchen", "heater", "on", [&](bool ok, std::string err) { results.push_back(ok ? "ok" : err); });
  CHECK(results.back() == "unknown relay kitchen/heater");
  CHECK(f.house.audit().query({}).at(0).outcome == "refused");
}

TEST_CASE("house: a command nobody confirms fails after the timeout", "[bridge][house]") {
  fixture f;
  auto agent = f.client("dead-agent");
  REQUIRE_FALSE(agent->publish("home/attic/relay/fan", "off", 1, true));
  f.run(50ms);
  std::vector<std::string> results;
  f.house.command("alice", "attic", "fan", "on", [&](bool ok, std::string err) { results.push_back(ok ? "ok" : err); });
  f.run(500ms);
  CHECK(results.empty());
  f.run(1000ms);
  REQUIRE(results.size() == 1);
  CHECK_THAT(results[0], Catch::StartsWith("timeout: "));
  CHECK(f.house.audit().query({}).at(0).outcome == "timeout");
  CHECK(f.events.back() == R"(relay {"node":"attic","relay":"fan","room":null,"state":"off","pending":false})");
}
