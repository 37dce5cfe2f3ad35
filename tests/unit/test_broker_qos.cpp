// QoS 1 and 2 through the broker (MQTT 3.1.1 sections 4.3 and 3.3.5):
// acknowledgements, exactly-once for QoS 2, downgrading, overlapping
// subscriptions, and acknowledgements for ids that are not in flight.
#include "broker_harness.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using namespace hearth::test;

TEST_CASE("broker: inbound QoS 1 is acknowledged with PUBACK", "[broker]") {
  harness h;
  auto& c = h.connect("c");
  h.publish(c, "t", "x", 1, false, 77);
  auto ack = only<ack_packet>(h.take(c));
  CHECK(ack.type == packet_type::puback);
  CHECK(ack.packet_id == 77);
  CHECK(h.broker.stats().publish_received == 1);
}

TEST_CASE("broker: inbound QoS 1 is acknowledged before it is routed", "[broker]") {
  harness h;
  auto& c = h.connect("c");
  h.subscribe(c, {{"echo", 1}});
  h.take(c);
  h.publish(c, "echo", "x", 1, false, 5);
  auto out = h.take(c);
  REQUIRE(out.size() == 2);
  CHECK(std::get<ack_packet>(out[0]).type == packet_type::puback);
  CHECK(std::get<ack_packet>(out[0]).packet_id == 5);
  CHECK(std::get<publish_packet>(out[1]).payload == "x");
}

TEST_CASE("broker: inbound QoS 2 is stored on PUBLISH and routed on PUBREL", "[broker]") {
  harness h;
  auto& sub = h.connect("sub");
  h.subscribe(sub, {{"t", 0}});
  h.take(sub);
  auto& pub = h.connect("pub");

  h.publish(pub, "t", "once", 2, false, 7);
  auto rec = only<ack_packet>(h.take(pub));
  CHECK(rec.type == packet_type::pubrec);
  CHECK(rec.packet_id == 7);
  CHECK(h.publishes(sub).empty());  // held until PUBREL (method A)
  CHECK(h.broker.find_session("pub")->incoming_qos2.count(7) == 1);

  // The publisher did not see PUBREC and sends the PUBLISH again, with DUP.
  h.publish(pub, "t", "once", 2, false, 7, /*dup=*/true);
  CHECK(only<ack_packet>(h.take(pub)).type == packet_type::pubrec);
  CHECK(h.publishes(sub).empty());

  h.ack(pub, packet_type::pubrel, 7);
  auto comp = only<ack_packet>(h.take(pub));
  CHECK(comp.type == packet_type::pubcomp);
  CHECK(comp.packet_id == 7);
  auto got = h.publishes(sub);
  REQUIRE(got.size() == 1);  // once, although published twice
  CHECK(got[0].payload == "once");
  CHECK(h.broker.find_session("pub")->incoming_qos2.empty());

  // A PUBREL repeated after PUBCOMP is completed again and delivers nothing.
  h.ack(pub, packet_type::pubrel, 7);
  CHECK(only<ack_packet>(h.take(pub)).type == packet_type::pubcomp);
  CHECK(h.publishes(sub).empty());

  // After PUBREL the id is free: the same id is a new message.
  h.publish(pub, "t", "again", 2, false, 7);
  CHECK(only<ack_packet>(h.take(pub)).type == packet_type::pubrec);
  CHECK(h.publishes(sub).empty());
  h.ack(pub, packet_type::pubrel, 7);
  h.take(pub);
  got = h.publishes(sub);
  REQUIRE(got.size() == 1);
  CHECK(got[0].payload == "again");
}

TEST_CASE("broker: a QoS 2 PUBLISH re-sent before PUBREL replaces the stored one", "[broker]") {
  harness h;
  auto& sub = h.connect("sub");
  h.subscribe(sub, {{"#", 2}});
  h.take(sub);
  auto& pub = h.connect("pub");
  h.publish(pub, "t/1", "first", 2, false, 9);
  h.publish(pub, "t/2", "second", 2, true, 9, /*dup=*/true);
  CHECK(h.take(pub).size() == 2);  // two PUBRECs
  CHECK(h.publishes(sub).empty());
  CHECK(h.broker.retained().size() == 0);  // a retained QoS 2 message is stored on release too
  h.ack(pub, packet_type::pubrel, 9);
  CHECK(only<ack_packet>(h.take(pub)).type == packet_type::pubcomp);
  auto got = h.publishes(sub);
  REQUIRE(got.size() == 1);
  CHECK(got[0].topic == "t/2");
  CHECK(got[0].payload == "second");
  CHECK(got[0].qos == 2);
  REQUIRE(h.broker.retained().find("t/2"));
  CHECK_FALSE(h.broker.retained().find("t/1"));
}

TEST_CASE("broker: PUBCOMP is sent before the released message is routed", "[broker]") {
  harness h;
  auto& c = h.connect("c");
  h.subscribe(c, {{"echo", 2}});
  h.take(c);
  h.publish(c, "echo", "x", 2, false, 3);
  CHECK(only<ack_packet>(h.take(c)).type == packet_type::pubrec);
  h.ack(c, packet_type::pubrel, 3);
  auto out = h.take(c);
  REQUIRE(out.size() == 2);
  CHECK(std::get<ack_packet>(out[0]).type == packet_type::pubcomp);
  CHECK(std::get<ack_packet>(out[0]).packet_id == 3);
  CHECK(std::get<publish_packet>(out[1]).payload == "x");
}

TEST_CASE("broker: a QoS 2 publication the ACL refuses completes and goes nowhere", "[broker][acl]") {
  harness h;
  h.broker.set_acl(acl::parse("topic read #\n"));
  auto& sub = h.connect("sub");
  h.subscribe(sub, {{"t", 2}});
  h.take(sub);
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "x", 2, false, 4);
  CHECK(only<ack_packet>(h.take(pub)).type == packet_type::pubrec);
  h.ack(pub, packet_type::pubrel, 4);
  CHECK(only<ack_packet>(h.take(pub)).type == packet_type::pubcomp);
  CHECK(h.publishes(sub).empty());
  CHECK(h.broker.stats().publish_denied == 1);
  CHECK_FALSE(pub.link->closed);
}

TEST_CASE("broker: PUBREL for an unknown id is completed anyway", "[broker]") {
  harness h;
  auto& c = h.connect("c");
  h.ack(c, packet_type::pubrel, 9);
  auto comp = only<ack_packet>(h.take(c));
  CHECK(comp.type == packet_type::pubcomp);
  CHECK(comp.packet_id == 9);
  CHECK_FALSE(c.link->closed);
}

TEST_CASE("broker: outbound QoS 2 runs PUBLISH, PUBREC, PUBREL, PUBCOMP", "[broker]") {
  harness h;
  auto& sub = h.connect("sub");
  h.subscribe(sub, {{"t", 2}});
  h.take(sub);
  auto& pub = h.connect("pub");
  h.publish_released(pub, "t", "x", 2);
  auto got = h.publishes(sub);
  REQUIRE(got.size() == 1);
  CHECK(got[0].qos == 2);
  const auto id = got[0].packet_id;

  h.ack(sub, packet_type::pubrec, id);
  auto rel = only<ack_packet>(h.take(sub));
  CHECK(rel.type == packet_type::pubrel);
  CHECK(rel.packet_id == id);
  // A duplicate PUBREC gets the PUBREL again.
  h.ack(sub, packet_type::pubrec, id);
  CHECK(only<ack_packet>(h.take(sub)).type == packet_type::pubrel);
  h.ack(sub, packet_type::pubcomp, id);
  CHECK(h.take(sub).empty());
  CHECK(h.broker.find_session("sub")->inflight().empty());
  CHECK_FALSE(sub.link->closed);
}

TEST_CASE("broker: an acknowledgement for an id not in flight is ignored or answered", "[broker]") {
  harness h;
  auto& sub = h.connect("sub");
  h.subscribe(sub, {{"t", 2}});
  h.take(sub);
  auto& pub = h.connect("pub");

  SECTION("PUBACK and PUBCOMP for an unknown id are ignored") {
    h.ack(sub, packet_type::puback, 1234);
    h.ack(sub, packet_type::pubcomp, 1235);
    CHECK(h.take(sub).empty());
    CHECK_FALSE(sub.link->closed);
    CHECK(h.broker.stats().protocol_errors == 0);
  }
  SECTION("PUBREC for an unknown id is answered with PUBREL") {
    h.ack(sub, packet_type::pubrec, 1236);
    auto rel = only<ack_packet>(h.take(sub));
    CHECK(rel.type == packet_type::pubrel);
    CHECK(rel.packet_id == 1236);
    CHECK_FALSE(sub.link->closed);
  }
  SECTION("a second PUBACK for a completed QoS 1 delivery is ignored") {
    h.publish(pub, "t", "x", 1);
    auto got = h.publishes(sub);
    REQUIRE(got.size() == 1);
    h.ack(sub, packet_type::puback, got[0].packet_id);
    h.ack(sub, packet_type::puback, got[0].packet_id);
    CHECK(h.take(sub).empty());
    CHECK_FALSE(sub.link->closed);
  }
  SECTION("a second PUBCOMP for a completed QoS 2 delivery is ignored") {
    h.publish_released(pub, "t", "x", 2);
    auto got = h.publishes(sub);
    REQUIRE(got.size() == 1);
    h.ack(sub, packet_type::pubrec, got[0].packet_id);
    h.ack(sub, packet_type::pubcomp, got[0].packet_id);
    CHECK(only<ack_packet>(h.take(sub)).type == packet_type::pubrel);
    h.ack(sub, packet_type::pubcomp, got[0].packet_id);
    CHECK(h.take(sub).empty());
    CHECK_FALSE(sub.link->closed);
  }
}

TEST_CASE("broker: an acknowledgement of the wrong kind for an id in flight closes the connection", "[broker]") {
  harness h;
  auto& sub = h.connect("sub");
  h.subscribe(sub, {{"t", 2}});
  h.take(sub);
  auto& pub = h.connect("pub");

  SECTION("PUBCOMP before PUBREC") {
    h.publish_released(pub, "t", "x", 2);
    auto got = h.publishes(sub);
    REQUIRE(got.size() == 1);
    h.ack(sub, packet_type::pubcomp, got[0].packet_id);
    REQUIRE(sub.link->closed);
    CHECK(*sub.link->closed == errc::unexpected_ack);
  }
  SECTION("PUBACK for a QoS 2 delivery") {
    h.publish_released(pub, "t", "x", 2);
    auto got = h.publishes(sub);
    REQUIRE(got.size() == 1);
    h.ack(sub, packet_type::puback, got[0].packet_id);
    REQUIRE(sub.link->closed);
    CHECK(*sub.link->closed == errc::unexpected_ack);
  }
  SECTION("PUBACK for a QoS 2 delivery past PUBREC") {
    h.publish_released(pub, "t", "x", 2);
    auto got = h.publishes(sub);
    REQUIRE(got.size() == 1);
    h.ack(sub, packet_type::pubrec, got[0].packet_id);
    h.ack(sub, packet_type::puback, got[0].packet_id);
    REQUIRE(sub.link->closed);
    CHECK(*sub.link->closed == errc::unexpected_ack);
  }
  SECTION("PUBREC for a QoS 1 delivery") {
    h.publish(pub, "t", "x", 1);
    auto got = h.publishes(sub);
    REQUIRE(got.size() == 1);
    REQUIRE(got[0].qos == 1);
    h.ack(sub, packet_type::pubrec, got[0].packet_id);
    REQUIRE(sub.link->closed);
    CHECK(*sub.link->closed == errc::unexpected_ack);
  }
  SECTION("PUBCOMP for a QoS 1 delivery") {
    h.publish(pub, "t", "x", 1);
    auto got = h.publishes(sub);
    REQUIRE(got.size() == 1);
    h.ack(sub, packet_type::pubcomp, got[0].packet_id);
    REQUIRE(sub.link->closed);
    CHECK(*sub.link->closed == errc::unexpected_ack);
  }
}

TEST_CASE("broker: unreleased inbound QoS 2 ids are bounded", "[broker]") {
  broker_config cfg;
  cfg.session.max_incoming_qos2 = 2;
  harness h(cfg);
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "1", 2, false, 1);
  h.publish(pub, "t", "2", 2, false, 2);
  CHECK(h.take(pub).size() == 2);
  CHECK_FALSE(pub.link->closed);
  // A re-send of an id already held takes no new place.
  h.publish(pub, "t", "2", 2, false, 2, /*dup=*/true);
  CHECK(only<ack_packet>(h.take(pub)).type == packet_type::pubrec);
  CHECK_FALSE(pub.link->closed);
  h.publish(pub, "t", "3", 2, false, 3);
  REQUIRE(pub.link->closed);
  CHECK(*pub.link->closed == errc::qos2_window_full);
}

TEST_CASE("broker: deliveries are downgraded to the granted QoS", "[broker]") {
  harness h;
  auto& q0 = h.connect("q0");
  h.subscribe(q0, {{"t", 0}});
  auto& q1 = h.connect("q1");
  h.subscribe(q1, {{"t", 1}});
  auto& q2 = h.connect("q2");
  h.subscribe(q2, {{"t", 2}});
  h.take(q0), h.take(q1), h.take(q2);
  auto& pub = h.connect("pub");

  for (std::uint8_t published = 0; published <= 2; ++published) {
    INFO("published at QoS " << int(published));
    h.publish_released(pub, "t", "x", published);
    auto a = h.publishes(q0), b = h.publishes(q1), c = h.publishes(q2);
    REQUIRE(a.size() == 1);
    REQUIRE(b.size() == 1);
    REQUIRE(c.size() == 1);
    CHECK(a[0].qos == 0);
    CHECK(b[0].qos == std::min<int>(published, 1));
    CHECK(c[0].qos == published);
    if (b[0].qos) h.ack(q1, packet_type::puback, b[0].packet_id);
    if (c[0].qos == 1) h.ack(q2, packet_type::puback, c[0].packet_id);
  }
}

TEST_CASE("broker: overlapping subscriptions deliver once at the highest QoS", "[broker]") {
  harness h;
  auto& sub = h.connect("sub");
  h.subscribe(sub, {{"home/+/temp", 0}, {"home/#", 2}, {"home/kitchen/temp", 1}});
  CHECK(only<suback_packet>(h.take(sub)).return_codes == std::vector<std::uint8_t>{0, 2, 1});
  auto& pub = h.connect("pub");

  h.publish_released(pub, "home/kitchen/temp", "21", 2);
  auto got = h.publishes(sub);
  REQUIRE(got.size() == 1);
  CHECK(got[0].qos == 2);

  h.publish(pub, "home/kitchen/temp", "22", 1);  // the published QoS caps it
  got = h.publishes(sub);
  REQUIRE(got.size() == 1);
  CHECK(got[0].qos == 1);

  h.publish_released(pub, "home/hall/temp", "19", 2);  // matches home/+/temp (0) and home/# (2)
  got = h.publishes(sub);
  REQUIRE(got.size() == 1);
  CHECK(got[0].qos == 2);
}

TEST_CASE("broker: one message is shared by every subscriber", "[broker]") {
  harness h;
  auto& a = h.connect("a");
  auto& b = h.connect("b");
  h.subscribe(a, {{"t", 1}});
  h.subscribe(b, {{"#", 0}});
  h.take(a), h.take(b);
  auto& pub = h.connect("pub");
  h.publish(pub, "t", std::string(1000, 'p'), 1);
  REQUIRE(a.link->shared.size() == 1);
  REQUIRE(b.link->shared.size() == 1);
  CHECK(a.link->shared[0].get() == b.link->shared[0].get());
  CHECK(h.broker.stats().publish_sent == 2);
}

TEST_CASE("broker: QoS 0 refused by a full link is dropped and counted", "[broker]") {
  harness h;
  auto& slow = h.connect("slow");
  auto& fast = h.connect("fast");
  h.subscribe(slow, {{"t", 0}});
  h.subscribe(fast, {{"t", 0}});
  h.take(slow), h.take(fast);
  slow.link->refuse_qos0 = true;
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "x", 0);
  CHECK(h.publishes(slow).empty());
  CHECK(h.publishes(fast).size() == 1);  // the slow one slows no one else
  CHECK(h.broker.stats().publish_dropped == 1);
  CHECK_FALSE(slow.link->closed);
}

TEST_CASE("broker: inbound QoS 2 stays exactly-once across a reconnect", "[broker][session]") {
  harness h;
  auto& sub = h.connect("sub");
  h.subscribe(sub, {{"t", 2}});
  h.take(sub);
  connect_options o;
  o.clean = false;
  auto& pub = h.connect("pub", o);
  h.publish(pub, "t", "x", 2, false, 5);
  CHECK(only<ack_packet>(h.take(pub)).type == packet_type::pubrec);
  CHECK(h.publishes(sub).empty());
  h.drop(pub);  // the PUBREC was lost with the connection

  auto& again = h.connect("pub", o, true);
  CHECK(h.broker.find_session("pub")->incoming_qos2.count(5) == 1);  // kept with the session
  h.publish(again, "t", "x", 2, false, 5, /*dup=*/true);
  CHECK(only<ack_packet>(h.take(again)).type == packet_type::pubrec);
  CHECK(h.publishes(sub).empty());
  h.ack(again, packet_type::pubrel, 5);
  CHECK(only<ack_packet>(h.take(again)).type == packet_type::pubcomp);
  CHECK(h.publishes(sub).size() == 1);
  CHECK(h.broker.find_session("pub")->incoming_qos2.empty());

  // The same once more, with the PUBCOMP lost: the re-sent PUBREL delivers nothing.
  h.publish(again, "t", "y", 2, false, 6);
  h.ack(again, packet_type::pubrel, 6);
  CHECK(h.publishes(sub).size() == 1);
  h.drop(again);
  auto& third = h.connect("pub", o, true);
  h.ack(third, packet_type::pubrel, 6);
  CHECK(only<ack_packet>(h.take(third)).type == packet_type::pubcomp);
  CHECK(h.publishes(sub).empty());
}
