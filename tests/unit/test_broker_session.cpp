// Clean and persistent sessions in the broker: what survives a connection,
// queueing while away (bounded), resending with DUP, and the in-flight window.
#include "broker_harness.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using namespace hearth::test;

namespace {

connect_options persistent() {
  connect_options o;
  o.clean = false;
  return o;
}

}  // namespace

TEST_CASE("broker: a clean session ends with its connection", "[broker][session]") {
  harness h;
  auto& c = h.connect("c");
  h.subscribe(c, {{"t", 1}});
  h.take(c);
  h.drop(c);
  CHECK(h.broker.session_count() == 0);
  CHECK(h.broker.subscriptions().subscription_count() == 0);

  auto& pub = h.connect("pub");
  h.publish(pub, "t", "lost", 1);
  auto& again = h.connect("c");  // session present 0
  CHECK(h.take(again).empty());
}

TEST_CASE("broker: a persistent session keeps subscriptions and queues QoS 1/2 while away", "[broker][session]") {
  harness h;
  auto& sub = h.connect("sub", persistent());
  h.subscribe(sub, {{"t/#", 2}});
  h.take(sub);
  h.drop(sub);
  REQUIRE(h.broker.find_session("sub"));

  auto& pub = h.connect("pub");
  h.publish(pub, "t/0", "qos0", 0);  // not kept for an absent client
  h.publish(pub, "t/1", "qos1", 1);
  h.publish_released(pub, "t/2", "qos2", 2);
  h.publish(pub, "t/3", "qos1-again", 1);
  CHECK(h.broker.find_session("sub")->queued_count() == 3);

  auto& back = h.connect("sub", persistent(), /*session_present=*/true);
  auto got = h.publishes(back);
  REQUIRE(got.size() == 3);
  CHECK(got[0].topic == "t/1");
  CHECK(got[0].qos == 1);
  CHECK(got[1].topic == "t/2");
  CHECK(got[1].qos == 2);
  CHECK(got[2].topic == "t/3");
  for (auto& p : got) {
    CHECK_FALSE(p.dup);  // first transmission
    CHECK(p.packet_id != 0);
  }
  CHECK(got[0].packet_id != got[1].packet_id);
  CHECK(got[1].packet_id != got[2].packet_id);

  // The subscription itself survived too: live messages arrive.
  h.publish(pub, "t/live", "now", 0);
  auto live = h.publishes(back);
  REQUIRE(live.size() == 1);
  CHECK(live[0].payload == "now");
}

TEST_CASE("broker: unacknowledged messages are resent with DUP on reconnect", "[broker][session]") {
  harness h;
  auto& sub = h.connect("sub", persistent());
  h.subscribe(sub, {{"t", 2}});
  h.take(sub);
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "one", 1);
  h.publish_released(pub, "t", "two", 2);
  h.publish_released(pub, "t", "three", 2);
  auto first = h.publishes(sub);
  REQUIRE(first.size() == 3);
  // "three" got as far as PUBREC: the broker answered PUBREL.
  h.ack(sub, packet_type::pubrec, first[2].packet_id);
  CHECK(only<ack_packet>(h.take(sub)).type == packet_type::pubrel);
  h.drop(sub);

  auto& back = h.connect("sub", persistent(), true);
  auto resent = h.take(back);
  REQUIRE(resent.size() == 3);
  for (int i = 0; i < 2; ++i) {
    INFO(describe(resent[i]));
    const auto& p = std::get<publish_packet>(resent[i]);
    CHECK(p.dup);
    CHECK(p.packet_id == first[i].packet_id);
    CHECK(p.qos == first[i].qos);
    CHECK(p.payload == first[i].payload);
  }
  // The QoS 2 message past PUBREC is resumed with PUBREL, not a PUBLISH (MQTT-4.4.0-1).
  const auto rel = std::get<ack_packet>(resent[2]);
  CHECK(rel.type == packet_type::pubrel);
  CHECK(rel.packet_id == first[2].packet_id);

  // Completing them empties the window; nothing is sent again.
  h.ack(back, packet_type::puback, first[0].packet_id);
  h.ack(back, packet_type::pubrec, first[1].packet_id);
  CHECK(only<ack_packet>(h.take(back)).packet_id == first[1].packet_id);
  h.ack(back, packet_type::pubcomp, first[1].packet_id);
  h.ack(back, packet_type::pubcomp, first[2].packet_id);
  CHECK(h.take(back).empty());
  CHECK(h.broker.find_session("sub")->inflight().empty());
  CHECK_FALSE(back.link->closed);
}

TEST_CASE("broker: connecting with a clean session discards a persistent one", "[broker][session]") {
  harness h;
  auto& sub = h.connect("sub", persistent());
  h.subscribe(sub, {{"t", 1}});
  h.take(sub);
  h.drop(sub);
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "queued", 1);

  auto& fresh = h.connect("sub");  // clean: session present 0
  CHECK(h.take(fresh).empty());
  REQUIRE(h.broker.find_session("sub"));
  CHECK(h.broker.find_session("sub")->subscriptions.empty());
  CHECK(h.broker.subscriptions().subscription_count() == 0);
  h.drop(fresh);
  CHECK(h.broker.find_session("sub") == nullptr);
}

TEST_CASE("broker: the queue of an absent client is bounded and drops are counted", "[broker][session]") {
  broker_config cfg;
  cfg.session.max_queued_messages = 2;
  harness h(cfg);
  auto& sub = h.connect("sub", persistent());
  h.subscribe(sub, {{"t", 1}});
  h.take(sub);
  h.drop(sub);

  auto& pub = h.connect("pub");
  for (int i = 0; i < 5; ++i) h.publish(pub, "t", std::to_string(i), 1);
  CHECK(h.broker.stats().publish_dropped == 3);
  CHECK(h.broker.find_session("sub")->dropped() == 3);

  auto& back = h.connect("sub", persistent(), true);
  auto got = h.publishes(back);
  REQUIRE(got.size() == 2);
  CHECK(got[0].payload == "0");
  CHECK(got[1].payload == "1");
}

TEST_CASE("broker: the queue of an absent client is bounded by bytes", "[broker][session]") {
  broker_config cfg;
  cfg.session.max_queued_bytes = 100;
  harness h(cfg);
  auto& sub = h.connect("sub", persistent());
  h.subscribe(sub, {{"t", 1}});
  h.take(sub);
  h.drop(sub);
  auto& pub = h.connect("pub");
  h.publish(pub, "t", std::string(60, 'a'), 1);  // 61 bytes with the topic
  h.publish(pub, "t", std::string(60, 'b'), 1);  // would make 122: dropped
  h.publish(pub, "t", std::string(30, 'c'), 1);  // 92: fits
  CHECK(h.broker.stats().publish_dropped == 1);
  auto& back = h.connect("sub", persistent(), true);
  auto got = h.publishes(back);
  REQUIRE(got.size() == 2);
  CHECK(got[0].payload[0] == 'a');
  CHECK(got[1].payload[0] == 'c');
}

TEST_CASE("broker: the in-flight window limits unacknowledged QoS 1/2 deliveries", "[broker][session]") {
  broker_config cfg;
  cfg.session.max_inflight = 2;
  harness h(cfg);
  auto& sub = h.connect("sub");
  h.subscribe(sub, {{"t", 2}});
  h.take(sub);
  auto& pub = h.connect("pub");
  for (int i = 0; i < 5; ++i) h.publish(pub, "t", std::to_string(i), 1);

  auto got = h.publishes(sub);
  REQUIRE(got.size() == 2);  // the window is full
  CHECK(got[0].payload == "0");
  CHECK(got[1].payload == "1");
  CHECK(h.broker.find_session("sub")->queued_count() == 3);

  h.ack(sub, packet_type::puback, got[1].packet_id);  // any order
  auto next = h.publishes(sub);
  REQUIRE(next.size() == 1);
  CHECK(next[0].payload == "2");
  CHECK(next[0].packet_id != got[0].packet_id);  // id of "0" is still in flight

  h.ack(sub, packet_type::puback, got[0].packet_id);
  h.ack(sub, packet_type::puback, next[0].packet_id);
  auto rest = h.publishes(sub);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].payload == "3");
  CHECK(rest[1].payload == "4");
  CHECK(h.broker.find_session("sub")->inflight().size() == 2);
  CHECK(h.broker.find_session("sub")->queued_count() == 0);
}

TEST_CASE("broker: DISCONNECT keeps a persistent session", "[broker][session]") {
  harness h;
  auto& sub = h.connect("sub", persistent());
  h.subscribe(sub, {{"t", 1}});
  h.take(sub);
  h.send(sub, empty_packet{packet_type::disconnect});
  h.settle();
  REQUIRE(h.broker.find_session("sub"));
  CHECK(h.broker.find_session("sub")->connection == nullptr);
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "while away", 1);
  auto& back = h.connect("sub", persistent(), true);
  auto got = h.publishes(back);
  REQUIRE(got.size() == 1);
  CHECK(got[0].payload == "while away");
}

TEST_CASE("broker: on reconnect the window is resent first, then the queue, within the window", "[broker][session]") {
  broker_config cfg;
  cfg.session.max_inflight = 2;
  harness h(cfg);
  auto& sub = h.connect("sub", persistent());
  h.subscribe(sub, {{"t", 1}});
  h.take(sub);
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "a", 1);  // in flight, never acknowledged
  CHECK(h.publishes(sub).size() == 1);
  h.drop(sub);
  for (const char* p : {"b", "c", "d"}) h.publish(pub, "t", p, 1);

  auto& back = h.connect("sub", persistent(), true);
  auto got = h.publishes(back);
  REQUIRE(got.size() == 2);  // the window holds two
  CHECK(got[0].payload == "a");
  CHECK(got[0].dup);
  CHECK(got[1].payload == "b");
  CHECK_FALSE(got[1].dup);
  h.ack(back, packet_type::puback, got[0].packet_id);
  h.ack(back, packet_type::puback, got[1].packet_id);
  auto rest = h.publishes(back);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].payload == "c");
  CHECK(rest[1].payload == "d");
}

TEST_CASE("broker: a takeover resends what the old connection left unacknowledged", "[broker][session]") {
  harness h;
  auto& first = h.connect("dev", persistent());
  h.subscribe(first, {{"t", 2}});
  h.take(first);
  auto& pub = h.connect("pub");
  h.publish_released(pub, "t", "x", 2);
  auto sent = h.publishes(first);
  REQUIRE(sent.size() == 1);

  auto& second = h.connect("dev", persistent(), true);
  auto again = h.publishes(second);
  REQUIRE(again.size() == 1);
  CHECK(again[0].dup);
  CHECK(again[0].packet_id == sent[0].packet_id);
  // Late packets of the old connection are ignored, not applied to the session.
  h.ack(first, packet_type::pubrec, sent[0].packet_id);
  CHECK(first.link->take().empty());
  CHECK(h.broker.find_session("dev")->inflight().front().state == flight_state::awaiting_pubrec);
  h.settle();
  h.ack(second, packet_type::pubrec, again[0].packet_id);
  CHECK(only<ack_packet>(h.take(second)).type == packet_type::pubrel);
}

TEST_CASE("broker: a client receives its own publications", "[broker]") {
  harness h;
  auto& c = h.connect("c");
  h.subscribe(c, {{"echo", 0}});
  h.take(c);
  h.publish(c, "echo", "hello");
  auto got = h.publishes(c);
  REQUIRE(got.size() == 1);
  CHECK(got[0].payload == "hello");
}

TEST_CASE("broker: a persistent session away longer than session.expiry is discarded", "[broker][session]") {
  broker_config cfg;
  cfg.session.expiry = std::chrono::seconds(60);
  harness h(cfg);
  h.broker.tick(at(0));
  auto& gone = h.connect("gone", persistent());
  h.subscribe(gone, {{"t", 1}});
  h.take(gone);
  auto& back = h.connect("back", persistent());
  h.subscribe(back, {{"t", 1}});
  h.take(back);
  auto& stays = h.connect("stays", persistent());  // connected all along
  h.take(stays);
  h.drop(gone);
  h.drop(back);
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "queued", 1);
  CHECK(h.broker.find_session("gone")->queued_count() == 1);

  h.broker.tick(at(30));
  auto& returned = h.connect("back", persistent(), /*session_present=*/true);  // in time: the clock stops
  CHECK(h.publishes(returned).size() == 1);
  h.broker.tick(at(59));
  CHECK(h.broker.find_session("gone"));
  h.broker.tick(at(61));
  CHECK_FALSE(h.broker.find_session("gone"));
  CHECK(h.broker.subscriptions().subscription_count() == 1);  // back's; gone's left the tree
  CHECK(h.broker.find_session("back"));
  CHECK(h.broker.find_session("stays"));
  CHECK(h.broker.stats().sessions_expired == 1);
  auto& late = h.connect("gone", persistent(), /*session_present=*/false);
  CHECK(h.take(late).empty());
}

TEST_CASE("broker: without session.expiry persistent sessions stay, as in Mosquitto", "[broker][session]") {
  harness h;
  h.broker.tick(at(0));
  auto& s = h.connect("s", persistent());
  h.drop(s);
  h.broker.tick(at(10 * 365 * 24 * 3600));
  CHECK(h.broker.find_session("s"));
}

TEST_CASE("broker: a session restored from disk expires counting from the restart", "[broker][session]") {
  broker_config cfg;
  cfg.session.expiry = std::chrono::seconds(60);
  harness h(cfg);
  restored_session rs;
  rs.client_id = "sleeper";
  rs.subscriptions = {{"t", 1}};
  restored_state st;
  st.sessions = {rs};
  h.broker.restore(std::move(st));
  h.broker.tick(at(1000));  // the first tick after the restart
  h.broker.tick(at(1059));
  CHECK(h.broker.find_session("sleeper"));
  h.broker.tick(at(1060));
  CHECK_FALSE(h.broker.find_session("sleeper"));
  CHECK(h.broker.subscriptions().subscription_count() == 0);
}
