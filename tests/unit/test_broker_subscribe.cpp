// SUBSCRIBE, UNSUBSCRIBE, retained messages and the ACL through the broker
// (MQTT 3.1.1 sections 3.3.1.3, 3.8-3.11 and 4.7).
#include "broker_harness.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using namespace hearth::test;

TEST_CASE("broker: retained messages go to new subscribers with the retain flag", "[broker][retained]") {
  harness h;
  auto& pub = h.connect("pub");
  h.publish(pub, "home/kitchen/temp", "21", 0, true);
  h.publish(pub, "home/hall/temp", "19", 1, true);
  h.publish(pub, "home/hall/light", "on", 0, true);
  h.take(pub);
  CHECK(h.broker.retained().size() == 3);

  auto& sub = h.connect("sub");
  h.subscribe(sub, {{"home/+/temp", 1}}, 5);
  auto out = h.take(sub);
  REQUIRE(out.size() == 3);
  // MQTT-3.8.4-1: the SUBACK comes before any retained message.
  const auto& ack = std::get<suback_packet>(out[0]);
  CHECK(ack.packet_id == 5);
  CHECK(ack.return_codes == std::vector<std::uint8_t>{1});
  std::map<std::string, std::pair<std::string, int>> got;
  for (std::size_t i = 1; i < out.size(); ++i) {
    const auto& p = std::get<publish_packet>(out[i]);
    CHECK(p.retain);
    got[std::string(p.topic)] = {std::string(p.payload), p.qos};
  }
  CHECK(got == std::map<std::string, std::pair<std::string, int>>{{"home/hall/temp", {"19", 1}},
                                                                  {"home/kitchen/temp", {"21", 0}}});

  // Live forwarding of a retained publish to an existing subscriber clears the flag.
  h.publish(pub, "home/kitchen/temp", "22", 0, true);
  auto live = h.publishes(sub);
  REQUIRE(live.size() == 1);
  CHECK(live[0].payload == "22");
  CHECK_FALSE(live[0].retain);
}

TEST_CASE("broker: '#' subscriptions get the retained message of the parent level", "[broker][retained]") {
  harness h;
  auto& pub = h.connect("pub");
  h.publish(pub, "sport", "parent", 0, true);
  h.publish(pub, "sport/tennis", "child", 0, true);
  auto& sub = h.connect("sub");
  h.subscribe(sub, {{"sport/#", 0}});
  auto out = h.take(sub);
  REQUIRE(out.size() == 3);
  CHECK(std::holds_alternative<suback_packet>(out[0]));
  std::vector<std::string> topics;
  for (std::size_t i = 1; i < out.size(); ++i) topics.emplace_back(std::get<publish_packet>(out[i]).topic);
  std::sort(topics.begin(), topics.end());
  CHECK(topics == std::vector<std::string>{"sport", "sport/tennis"});
}

TEST_CASE("broker: an empty retained payload clears the retained message", "[broker][retained]") {
  harness h;
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "old", 0, true);
  auto& watcher = h.connect("watcher");
  h.subscribe(watcher, {{"t", 0}});
  h.take(watcher);

  h.publish(pub, "t", "", 0, true);
  CHECK(h.broker.retained().size() == 0);
  // The empty message is still forwarded to current subscribers.
  auto live = h.publishes(watcher);
  REQUIRE(live.size() == 1);
  CHECK(live[0].payload.empty());

  auto& late = h.connect("late");
  h.subscribe(late, {{"t", 0}});
  CHECK(only<suback_packet>(h.take(late)).return_codes == std::vector<std::uint8_t>{0});
}

TEST_CASE("broker: subscribing again resends the retained messages", "[broker][retained]") {
  harness h;
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "kept", 2, true);
  h.take(pub);
  h.ack(pub, packet_type::pubrel, 1);
  auto& sub = h.connect("sub");
  h.subscribe(sub, {{"t", 0}});
  CHECK(h.take(sub).size() == 2);
  h.subscribe(sub, {{"t", 1}}, 2);  // replaces the QoS: MQTT-3.8.4-3
  auto out = h.take(sub);
  REQUIRE(out.size() == 2);
  CHECK(std::get<suback_packet>(out[0]).return_codes == std::vector<std::uint8_t>{1});
  const auto& p = std::get<publish_packet>(out[1]);
  CHECK(p.retain);
  CHECK(p.qos == 1);  // min(published 2, granted 1)
  CHECK(h.broker.subscriptions().subscription_count() == 1);
}

TEST_CASE("broker: an invalid filter fails alone with 0x80", "[broker]") {
  harness h;
  auto& c = h.connect("c");
  h.subscribe(c, {{"ok/+", 1}, {"bad/#/x", 0}, {"sport+", 2}, {"a/#/b", 1}, {"also/ok", 2}}, 3);
  auto ack = only<suback_packet>(h.take(c));
  CHECK(ack.packet_id == 3);
  CHECK(ack.return_codes == std::vector<std::uint8_t>{1, 0x80, 0x80, 0x80, 2});
  CHECK_FALSE(c.link->closed);
  CHECK(h.broker.subscriptions().subscription_count() == 2);
}

TEST_CASE("broker: an empty filter or one too deep closes the connection", "[broker][malformed]") {
  // The codec refuses these packets (MQTT-4.7.3-1; Mosquitto's level limit),
  // so the transport reports a protocol error instead of passing a packet on.
  const std::string deep = [] {
    std::string f = "a";
    for (std::size_t i = 1; i <= max_topic_levels; ++i) f += "/a";
    return f;
  }();
  const std::pair<std::string, errc> cases[] = {
      {encoded(subscribe_packet{1, {{"ok", 0}, {"", 1}}}), errc::empty_topic_filter},
      {encoded(unsubscribe_packet{1, {"ok", ""}}), errc::empty_topic_filter},
      {encoded(subscribe_packet{1, {{deep, 0}}}), errc::too_many_topic_levels},
      {encoded(unsubscribe_packet{1, {deep}}), errc::too_many_topic_levels},
      {encoded(publish_packet{false, 0, false, deep.substr(0, deep.size() - 2) + "/x", 0, "p"}),
       errc::too_many_topic_levels},
  };
  for (const auto& [wire, why] : cases) {
    INFO(hex(wire.substr(0, 16)));
    harness h;
    auto& c = h.connect("c");
    h.feed(c, wire);
    CHECK(c.link->take().empty());  // no SUBACK, UNSUBACK or delivery
    REQUIRE(c.link->closed);
    CHECK(*c.link->closed == why);
    CHECK(h.broker.subscriptions().subscription_count() == 0);
  }
}

TEST_CASE("broker: MQTT 3.1 may set DUP on SUBSCRIBE, UNSUBSCRIBE and PUBREL; 3.1.1 may not", "[broker]") {
  auto with_dup = [](const packet& p) {
    std::string wire = encoded(p);
    wire[0] = static_cast<char>(wire[0] | 0x08);
    return wire;
  };
  const std::string subscribe = with_dup(subscribe_packet{4, {{"t", 1}}});
  const std::string unsubscribe = with_dup(unsubscribe_packet{5, {"t"}});
  const std::string pubrel = with_dup(ack_packet{packet_type::pubrel, 6});

  SECTION("MQTT 3.1") {
    harness h;
    connect_options o;
    o.protocol_name = "MQIsdp";
    o.level = 3;
    auto& c = h.connect("old", o);
    h.feed(c, subscribe);
    CHECK(only<suback_packet>(h.take(c)).return_codes == std::vector<std::uint8_t>{1});
    h.feed(c, unsubscribe);
    CHECK(only<ack_packet>(h.take(c)).type == packet_type::unsuback);
    h.feed(c, pubrel);
    CHECK(only<ack_packet>(h.take(c)).type == packet_type::pubcomp);
    CHECK_FALSE(c.link->closed);
  }
  SECTION("MQTT 3.1.1") {
    for (const auto& wire : {subscribe, unsubscribe, pubrel}) {
      INFO(hex(wire));
      harness h;
      auto& c = h.connect("new");
      h.feed(c, wire);
      CHECK(h.take(c).empty());
      REQUIRE(c.link->closed);
      CHECK(*c.link->closed == errc::bad_fixed_header_flags);
    }
  }
}

TEST_CASE("broker: UNSUBSCRIBE stops deliveries and is acknowledged even for unknown filters", "[broker]") {
  harness h;
  auto& sub = h.connect("sub");
  h.subscribe(sub, {{"a", 0}, {"b", 0}});
  h.take(sub);
  h.send(sub, unsubscribe_packet{8, {"a", "never-subscribed"}});
  auto unsuback = only<ack_packet>(h.take(sub));
  CHECK(unsuback.type == packet_type::unsuback);
  CHECK(unsuback.packet_id == 8);
  auto& pub = h.connect("pub");
  h.publish(pub, "a", "x");
  h.publish(pub, "b", "y");
  auto got = h.publishes(sub);
  REQUIRE(got.size() == 1);
  CHECK(got[0].topic == "b");
  CHECK(h.broker.subscriptions().subscription_count() == 1);
}

TEST_CASE("broker: '$' topics are not matched by wildcards at the first level", "[broker]") {
  harness h;
  auto& all = h.connect("all");
  h.subscribe(all, {{"#", 0}, {"+/x", 0}});
  auto& dollar = h.connect("dollar");
  h.subscribe(dollar, {{"$app/#", 0}});
  h.take(all), h.take(dollar);
  h.broker.publish("$app/x", "p", 0, false);
  CHECK(h.publishes(all).empty());
  CHECK(h.publishes(dollar).size() == 1);
}

TEST_CASE("broker: clients may not publish into $SYS", "[broker]") {
  harness h;
  auto& sys = h.connect("sys");
  h.subscribe(sys, {{"$SYS/#", 0}});
  h.take(sys);
  auto& c = h.connect("c");
  h.publish(c, "$SYS/broker/version", "fake", 1, true);
  CHECK(only<ack_packet>(h.take(c)).type == packet_type::puback);
  CHECK(h.publishes(sys).empty());
  CHECK(h.broker.retained().size() == 0);
  CHECK(h.broker.stats().publish_denied == 1);
}

TEST_CASE("broker: the ACL refuses subscriptions with 0x80 and drops denied publishes", "[broker][acl]") {
  harness h;
  h.broker.set_acl(
      acl::parse("topic read sensors/#\n"
                 "topic write cmd/#\n"
                 "topic deny sensors/secret\n"
                 "user admin\n"
                 "topic readwrite #\n"));
  auto& anon = h.connect("anon");
  h.subscribe(anon, {{"sensors/#", 1}, {"cmd/#", 1}, {"sensors/secret", 0}, {"#", 0}});
  CHECK(only<suback_packet>(h.take(anon)).return_codes == std::vector<std::uint8_t>{1, 0x80, 0x80, 0x80});

  connect_options admin;
  admin.username = "admin";
  auto& adm = h.connect("adm", admin);
  h.subscribe(adm, {{"cmd/#", 0}});
  h.take(adm);

  // A denied publish is acknowledged but goes nowhere.
  h.publish(anon, "sensors/temp", "forged", 1);
  CHECK(only<ack_packet>(h.take(anon)).type == packet_type::puback);
  CHECK(h.broker.stats().publish_denied == 1);
  h.publish(anon, "cmd/lamp", "on", 0);
  auto cmds = h.publishes(adm);
  REQUIRE(cmds.size() == 1);
  CHECK(cmds[0].payload == "on");

  // Reads are checked per delivery: "sensors/#" does not leak the denied topic.
  h.publish(adm, "sensors/temp", "20", 0);
  h.publish(adm, "sensors/secret", "pin", 0);
  auto seen = h.publishes(anon);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].topic == "sensors/temp");

  // Retained messages on subscribe are read-checked too.
  h.publish(adm, "sensors/secret", "pin", 0, true);
  h.publish(adm, "sensors/hum", "40", 0, true);
  h.publishes(anon);
  auto& anon2 = h.connect("anon2");
  h.subscribe(anon2, {{"sensors/#", 0}});
  auto out = h.take(anon2);
  REQUIRE(out.size() == 2);
  CHECK(std::get<publish_packet>(out[1]).topic == "sensors/hum");
}
