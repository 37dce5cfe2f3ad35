// Relay commands on fake time, and the audit log.
#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

#include "hearth/app/commands.hpp"
#include "hearth/store/audit.hpp"
#include "store_support.hpp"

using namespace hearth;
using namespace std::chrono_literals;
using home::command_outcome;

namespace {
const home::steady_time t0{std::chrono::hours(1000)};
home::command_request req(std::string state, std::string relay = "light") {
  return {"alice", "kitchen", std::move(relay), std::move(state)};
}
}  // namespace

TEST_CASE("commands: publish to .../set at QoS 1, pending until the state is reported", "[devices][commands]") {
  home::command_tracker t("home", 10s);
  auto s = t.submit(1, req("on"), "off", t0);
  REQUIRE(s.error.empty());
  CHECK(s.topic == "home/kitchen/relay/light/set");
  CHECK(s.payload == "on");
  CHECK(s.qos == 1);
  CHECK(t.pending("kitchen", "light"));
  CHECK(t.next_deadline() == t0 + 10s);
  CHECK(t.on_state("kitchen", "light", "off").empty());  // the old state: still pending
  CHECK(t.on_state("kitchen", "heater", "on").empty());
  auto done = t.on_state("kitchen", "light", "on");
  REQUIRE(done.size() == 1);
  CHECK(done[0].id == 1);
  CHECK(done[0].outcome == command_outcome::confirmed);
  CHECK(done[0].request.user == "alice");
  CHECK_FALSE(t.pending("kitchen", "light"));
  CHECK_FALSE(t.next_deadline());
}

TEST_CASE("commands: no report within the timeout is a failure", "[devices][commands]") {
  home::command_tracker t("home", 10s);
  REQUIRE(t.submit(1, req("on"), std::nullopt, t0).error.empty());
  REQUIRE(t.submit(2, req("off", "valve"), std::nullopt, t0 + 5s).error.empty());
  CHECK(t.expire(t0 + 9999ms).empty());
  auto done = t.expire(t0 + 10s);
  REQUIRE(done.size() == 1);
  CHECK(done[0].id == 1);
  CHECK(done[0].outcome == command_outcome::timeout);
  CHECK(t.pending("kitchen", "valve"));
  CHECK(t.expire(t0 + 15s).at(0).id == 2);
  CHECK(t.pending_count() == 0);
}

TEST_CASE("commands: toggle, supersede, publish failure, bounds", "[devices][commands]") {
  home::command_tracker t("casa", 10s, 2);
  auto s = t.submit(1, req("toggle"), "on", t0);
  CHECK(s.payload == "toggle");
  CHECK(s.topic == "casa/kitchen/relay/light/set");
  CHECK(t.on_state("kitchen", "light", "on").empty());  // toggle from on expects off
  s = t.submit(2, req("toggle"), std::nullopt, t0);     // supersedes 1; unknown state: any report
  REQUIRE(s.superseded.size() == 1);
  CHECK(s.superseded[0].id == 1);
  CHECK(s.superseded[0].outcome == command_outcome::superseded);
  CHECK(t.on_state("kitchen", "light", "on").at(0).id == 2);

  REQUIRE(t.submit(3, req("on", "a"), std::nullopt, t0).error.empty());
  REQUIRE(t.submit(4, req("on", "b"), std::nullopt, t0).error.empty());
  CHECK(t.submit(5, req("on", "c"), std::nullopt, t0).error == "too many commands pending");
  auto failed = t.on_publish_failed(3, "not connected");
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].outcome == command_outcome::failed);
  CHECK(t.on_publish_failed(3, "again").empty());
}

TEST_CASE("commands: bad requests are refused", "[devices][commands][malformed]") {
  home::command_tracker t("home", 10s);
  CHECK(t.submit(1, {"u", "Kitchen", "light", "on"}, {}, t0).error == "bad node name (a-z 0-9 _ -)");
  CHECK(t.submit(1, {"u", "kit/chen", "light", "on"}, {}, t0).error == "bad node name (a-z 0-9 _ -)");
  CHECK(t.submit(1, {"u", "", "light", "on"}, {}, t0).error == "bad node name (a-z 0-9 _ -)");
  CHECK(t.submit(1, {"u", "kitchen", "+", "on"}, {}, t0).error == "bad relay name");
  CHECK(t.submit(1, {"u", "kitchen", "a/b", "on"}, {}, t0).error == "bad relay name");
  CHECK(t.submit(1, {"u", "kitchen", "light", "ON"}, {}, t0).error == "state must be on, off or toggle");
  CHECK(t.submit(1, {"u", "kitchen", "light", ""}, {}, t0).error == "state must be on, off or toggle");
  CHECK(t.pending_count() == 0);
}

namespace {
store::audit_query by(std::string node, std::string user, std::optional<std::int64_t> before = {}, std::size_t limit = 100) {
  store::audit_query q;
  q.node = std::move(node);
  q.user = std::move(user);
  q.before_id = before;
  q.limit = limit;
  return q;
}
}  // namespace

TEST_CASE("commands: the audit log records who, what, when and the outcome", "[devices][commands]") {
  test::house::memory_db m;
  store::audit_log log(m.db, 3);
  const auto a = log.record(1000, "alice", "kitchen", "light", "on");
  const auto b = log.record(2000, "bob", "hall", "lamp", "off");
  log.finish(a, "confirmed", 1500, "relay reported on");
  auto all = log.query({});
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == b);  // newest first
  CHECK(all[0].outcome == "pending");
  CHECK_FALSE(all[0].done_ts);
  CHECK(all[1].outcome == "confirmed");
  CHECK(all[1].done_ts == 1500);
  CHECK(log.query(by("kitchen", "")).size() == 1);
  CHECK(log.query(by("", "bob")).at(0).relay == "lamp");
  CHECK(log.query(by("", "", b)).at(0).id == a);
  CHECK(boost::json::serialize(store::to_json(log.query(by("", "", b, 1)))) ==
        R"([{"id":1,"ts":1000,"user":"alice","node":"kitchen","relay":"light","state":"on",)"
        R"("outcome":"confirmed","detail":"relay reported on","done_ts":1500}])");
  for (int i = 0; i < 5; ++i) log.record(3000 + i, "c", "n", "r", "on");
  CHECK(log.prune() == 4);
  CHECK(log.query({}).size() == 3);
  CHECK(log.query({}).back().ts == 3002);
}
