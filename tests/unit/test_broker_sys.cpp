// $SYS/broker/... statistics published by tick(), driven with fake time.
#include "broker_harness.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using namespace hearth::test;

namespace {

std::map<std::string, std::string> by_topic(const std::vector<received_publish>& v) {
  std::map<std::string, std::string> out;
  for (auto& p : v) out[p.topic] = p.payload;
  return out;
}

}  // namespace

TEST_CASE("broker: tick() publishes $SYS statistics every sys_interval", "[broker]") {
  broker_config cfg;
  cfg.sys_interval = std::chrono::seconds(10);
  cfg.version = "9.9";
  harness h(cfg);
  auto& sys = h.connect("sys");
  h.subscribe(sys, {{"$SYS/#", 0}});
  auto& all = h.connect("all");
  h.subscribe(all, {{"#", 0}});
  h.take(sys), h.take(all);

  h.broker.tick(at(0));
  auto first = by_topic(h.publishes(sys));
  CHECK(first["$SYS/broker/version"] == "hearth version 9.9");
  CHECK(first["$SYS/broker/uptime"] == "0 seconds");
  CHECK(first["$SYS/broker/clients/connected"] == "2");
  CHECK(first["$SYS/broker/subscriptions/count"] == "2");
  CHECK(first["$SYS/broker/messages/received"] == "4");  // 2 CONNECT + 2 SUBSCRIBE
  CHECK(first.count("$SYS/broker/publish/messages/dropped"));
  CHECK(first.count("$SYS/broker/retained messages/count"));
  CHECK(h.publishes(all).empty());  // '#' does not match $SYS

  // Before the interval has passed, nothing.
  h.broker.tick(at(5));
  CHECK(h.publishes(sys).empty());

  // After it, only what changed.
  auto& third = h.connect("third");
  h.broker.tick(at(10));
  auto second = by_topic(h.publishes(sys));
  CHECK(second["$SYS/broker/uptime"] == "10 seconds");
  CHECK(second["$SYS/broker/clients/connected"] == "3");
  CHECK(second.count("$SYS/broker/version") == 0);
  CHECK(second.count("$SYS/broker/subscriptions/count") == 0);
  (void)third;

  // They are retained: a later subscriber sees every value.
  auto& late = h.connect("late");
  h.subscribe(late, {{"$SYS/broker/version", 0}});
  auto out = h.take(late);
  REQUIRE(out.size() == 2);
  const auto& v = std::get<publish_packet>(out[1]);
  CHECK(v.retain);
  CHECK(v.payload == "hearth version 9.9");
}

TEST_CASE("broker: sys_interval 0 turns $SYS off", "[broker]") {
  broker_config cfg;
  cfg.sys_interval = std::chrono::seconds(0);
  harness h(cfg);
  auto& sys = h.connect("sys");
  h.subscribe(sys, {{"$SYS/#", 0}});
  h.take(sys);
  h.broker.tick(at(0));
  h.broker.tick(at(100));
  CHECK(h.publishes(sys).empty());
  CHECK(h.broker.retained().size() == 0);
}
