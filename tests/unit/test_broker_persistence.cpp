// The broker with a fake persistence layer: what it reports, what it holds
// back until the batch commits ("ack after commit"), what it never reports
// (clean sessions, QoS 0), how it comes back from a restored state, and the
// memory budget.
#include "broker_harness.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using namespace hearth::test;

namespace {

// Records every call as a line of text; a batch is open from the first call
// to commit().
class fake_persistence final : public persistence {
public:
  void retained_set(const message_ptr& m) override { add("retained " + m->topic + "=" + m->payload); }
  void retained_cleared(std::string_view t) override { add("cleared " + std::string(t)); }
  void session_stored(const session& s) override { add("session " + s.client_id()); }
  void session_ended(const session& s) override { add("ended " + s.client_id()); }
  void subscription_added(const session& s, std::string_view f, std::uint8_t q) override {
    add("sub " + s.client_id() + " " + std::string(f) + " " + std::to_string(q));
  }
  void subscription_removed(const session& s, std::string_view f) override {
    add("unsub " + s.client_id() + " " + std::string(f));
  }
  void delivery_stored(const session& s, const stored_delivery& d) override {
    add("delivery " + s.client_id() + " #" + std::to_string(d.seq) + " " + (d.msg ? d.msg->payload : "-") + " q" +
        std::to_string(d.qos) + " id" + std::to_string(d.packet_id) + " st" + std::to_string(int(d.state)));
  }
  void delivery_removed(const session& s, std::uint64_t seq) override {
    add("removed " + s.client_id() + " #" + std::to_string(seq));
  }
  void incoming_stored(const session& s, std::uint16_t id, const message_ptr& m) override {
    add("incoming " + s.client_id() + " " + std::to_string(id) + " " + (m ? m->payload : "-"));
  }
  void incoming_released(const session& s, std::uint16_t id) override {
    add("released " + s.client_id() + " " + std::to_string(id));
  }
  bool pending() const noexcept override { return pending_; }
  void commit() override {
    if (fail) throw std::runtime_error("disk full");
    pending_ = false;
    ++commits;
  }

  std::vector<std::string> take() { return std::exchange(calls_, {}); }
  int commits = 0;
  bool fail = false;

private:
  void add(std::string s) {
    pending_ = true;
    calls_.push_back(std::move(s));
  }
  std::vector<std::string> calls_;
  bool pending_ = false;
};

using calls = std::vector<std::string>;

connect_options persistent() {
  connect_options o;
  o.clean = false;
  return o;
}

}  // namespace

TEST_CASE("persistence: a QoS 1 message for a persistent session is acknowledged after the commit", "[broker][persistence]") {
  harness h;
  fake_persistence p;
  h.broker.set_persistence(&p);
  auto& sub = h.connect_raw("sub", persistent());
  CHECK(h.take(sub).empty());  // the CONNACK waits for the session's row
  CHECK(p.take() == calls{"session sub"});
  h.broker.commit();
  CHECK(only<connack_packet>(h.take(sub)).code == connack_code::accepted);
  h.subscribe(sub, {{"t", 1}});
  CHECK(p.take() == calls{"sub sub t 1"});
  CHECK(h.take(sub).empty());
  h.broker.commit();
  only<suback_packet>(h.take(sub));
  h.drop(sub);

  auto& pub = h.connect("pub");
  h.publish(pub, "t", "m1", 1, false, 5);
  CHECK(p.take() == calls{"delivery sub #1 m1 q1 id0 st0"});
  CHECK(h.take(pub).empty());  // no PUBACK before the commit
  h.broker.commit();
  CHECK(only<ack_packet>(h.take(pub)).packet_id == 5);
  CHECK(p.commits == 3);
}

TEST_CASE("persistence: clean sessions and QoS 0 never reach the layer", "[broker][persistence]") {
  harness h;
  fake_persistence p;
  h.broker.set_persistence(&p);
  auto& clean = h.connect("clean");
  h.subscribe(clean, {{"t", 1}});
  h.take(clean);
  auto& sub = h.connect_raw("sub", persistent());
  h.broker.commit();
  h.subscribe(sub, {{"q0", 0}, {"t", 0}});
  h.broker.commit();
  h.take(sub);
  p.take();

  auto& pub = h.connect("pub");
  h.publish(pub, "t", "x", 1, false, 3);  // clean gets QoS 1, sub QoS 0
  h.publish(pub, "q0", "y", 0);
  CHECK(p.take().empty());
  CHECK_FALSE(p.pending());
  CHECK(only<ack_packet>(h.take(pub)).packet_id == 3);  // at once: nothing to wait for
  CHECK(h.publishes(clean).size() == 1);
  CHECK(h.publishes(sub).size() == 2);
}

TEST_CASE("persistence: QoS 2 in and out waits for each commit", "[broker][persistence]") {
  harness h;
  fake_persistence p;
  h.broker.set_persistence(&p);
  auto& sub = h.connect_raw("sub", persistent());
  h.subscribe(sub, {{"t", 2}});
  h.broker.commit();
  h.take(sub);
  auto& pub = h.connect_raw("pub", persistent());
  h.broker.commit();
  h.take(pub);
  p.take();

  h.publish(pub, "t", "once", 2, false, 7);
  CHECK(p.take() == calls{"incoming pub 7 once"});
  CHECK(h.take(pub).empty());
  h.broker.commit();
  CHECK(only<ack_packet>(h.take(pub)).type == packet_type::pubrec);

  h.ack(pub, packet_type::pubrel, 7);
  CHECK(p.take() == calls{"released pub 7", "delivery sub #1 once q2 id1 st1"});
  CHECK(h.take(pub).empty());  // PUBCOMP waits for the release and the routing
  CHECK(h.take(sub).empty());  // and so does the PUBLISH
  h.broker.commit();
  CHECK(only<ack_packet>(h.take(pub)).type == packet_type::pubcomp);
  auto got = h.publishes(sub);
  REQUIRE(got.size() == 1);
  CHECK(got[0].packet_id == 1);

  h.ack(sub, packet_type::pubrec, 1);
  CHECK(p.take() == calls{"delivery sub #1 - q2 id1 st2"});
  CHECK(h.take(sub).empty());  // PUBREL only once "PUBREC received" is durable
  h.broker.commit();
  CHECK(only<ack_packet>(h.take(sub)).type == packet_type::pubrel);
  h.ack(sub, packet_type::pubcomp, 1);
  CHECK(p.take() == calls{"removed sub #1"});
}

TEST_CASE("persistence: a QoS 1 PUBLISH to a subscriber goes out before the commit, its PUBACK does not",
          "[broker][persistence]") {
  harness h;
  fake_persistence p;
  h.broker.set_persistence(&p);
  auto& sub = h.connect_raw("sub", persistent());
  h.subscribe(sub, {{"t", 1}});
  h.broker.commit();
  h.take(sub);
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "fast", 1, false, 4);
  CHECK(p.pending());
  auto got = h.publishes(sub);  // at least once: a crash may repeat it, never lose it
  REQUIRE(got.size() == 1);
  CHECK(h.take(pub).empty());
  h.ack(sub, packet_type::puback, got[0].packet_id);  // in the same batch
  h.broker.commit();
  CHECK(only<ack_packet>(h.take(pub)).packet_id == 4);

  SECTION("behind something held for the same client, it waits in order") {
    h.publish(pub, "t", "a", 2, false, 5);
    h.ack(pub, packet_type::pubrel, 5);  // a QoS 2 message for sub: held
    h.publish(pub, "t", "b", 1, false, 6);
    CHECK(h.publishes(sub).empty());
    h.broker.commit();
    auto two = h.publishes(sub);
    REQUIRE(two.size() == 2);
    CHECK(two[0].payload == "a");
    CHECK(two[1].payload == "b");
  }
}

TEST_CASE("persistence: held output keeps its order, the close included", "[broker][persistence]") {
  harness h;
  fake_persistence p;
  h.broker.set_persistence(&p);
  auto& sub = h.connect_raw("sub", persistent());
  h.subscribe(sub, {{"t", 1}});
  h.broker.commit();
  h.take(sub);
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "a", 1, false, 1);
  h.publish(pub, "t", "b", 1, false, 2);
  h.send(pub, empty_packet{packet_type::pingreq});
  h.send(pub, empty_packet{packet_type::disconnect});
  CHECK(h.take(pub).empty());
  CHECK_FALSE(pub.link->closed);
  h.broker.commit();
  auto out = h.take(pub);
  REQUIRE(out.size() == 3);
  CHECK(std::get<ack_packet>(out[0]).packet_id == 1);
  CHECK(std::get<ack_packet>(out[1]).packet_id == 2);
  CHECK(std::holds_alternative<empty_packet>(out[2]));
  CHECK(pub.link->closed);
}

TEST_CASE("persistence: a failed commit sends nothing it held", "[broker][persistence]") {
  harness h;
  fake_persistence p;
  h.broker.set_persistence(&p);
  auto& sub = h.connect_raw("sub", persistent());
  p.fail = true;
  CHECK_THROWS(h.broker.commit());
  CHECK(h.take(sub).empty());
}

TEST_CASE("persistence: ack_after_commit off acknowledges at once", "[broker][persistence]") {
  broker_config cfg;
  cfg.ack_after_commit = false;
  harness h(cfg);
  fake_persistence p;
  h.broker.set_persistence(&p);
  auto& sub = h.connect("sub", persistent());
  h.subscribe(sub, {{"t", 1}});
  only<suback_packet>(h.take(sub));
  h.drop(sub);
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "x", 1, false, 9);
  CHECK(p.pending());
  CHECK(only<ack_packet>(h.take(pub)).packet_id == 9);
}

TEST_CASE("persistence: a restored session resends its flights with DUP, then its queue", "[broker][persistence]") {
  harness h;
  fake_persistence p;
  h.broker.set_persistence(&p);
  restored_state st;
  auto m1 = make_message("t", "one", 1, false);
  auto m2 = make_message("t", "two", 2, false);
  auto m3 = make_message("t", "three", 1, false);
  auto r = make_message("r", "kept", 1, true);
  auto in = make_message("t", "in", 2, false);
  st.retained.push_back(r);
  restored_session s;
  s.client_id = "sub";
  s.subscriptions = {{"t", 2}, {"r", 1}};
  s.deliveries = {{4, m1, 1, false, 40, flight_state::awaiting_puback},
                  {5, m2, 2, false, 41, flight_state::awaiting_pubrec},
                  {6, nullptr, 2, false, 42, flight_state::awaiting_pubcomp},
                  {7, m3, 1, false, 0, flight_state::awaiting_puback}};
  restored_session pub;
  pub.client_id = "pub";
  pub.incoming_qos2 = {{12, in}};
  st.sessions = {s, pub};
  h.broker.restore(std::move(st));
  CHECK(h.broker.session_count() == 2);
  CHECK(h.broker.retained().size() == 1);
  CHECK(h.broker.stored().count == 4);  // inbound QoS 2 messages are bounded apart (max_incoming_qos2)
  CHECK(p.take().empty());

  auto& c = h.connect("sub", persistent(), /*session_present=*/true);
  auto out = h.take(c);
  REQUIRE(out.size() == 4);  // a QoS 1 message need not wait for its flight's row
  auto p0 = std::get<publish_packet>(out[0]);
  CHECK((p0.packet_id == 40 && p0.dup && p0.payload == "one"));
  auto p1 = std::get<publish_packet>(out[1]);
  CHECK((p1.packet_id == 41 && p1.dup && p1.qos == 2));
  auto rel = std::get<ack_packet>(out[2]);
  CHECK((rel.type == packet_type::pubrel && rel.packet_id == 42));
  auto p3 = std::get<publish_packet>(out[3]);
  CHECK((p3.payload == "three" && !p3.dup && p3.packet_id != 40 && p3.packet_id != 41 && p3.packet_id != 42));
  CHECK(p.take() == calls{"delivery sub #7 three q1 id" + std::to_string(p3.packet_id) + " st0"});
  h.broker.commit();

  // The publisher's stored QoS 2 message is routed once, on its PUBREL.
  auto& pc = h.connect("pub", persistent(), true);
  h.ack(pc, packet_type::pubrel, 12);
  h.broker.commit();
  CHECK(only<ack_packet>(h.take(pc)).type == packet_type::pubcomp);
  auto got = h.publishes(c);
  REQUIRE(got.size() == 1);
  CHECK(got[0].payload == "in");
  h.ack(pc, packet_type::pubrel, 12);
  h.broker.commit();
  CHECK(h.publishes(c).empty());

  // The retained message is back for a new subscriber.
  auto& other = h.connect("other");
  h.subscribe(other, {{"r", 0}});
  auto o = h.take(other);
  REQUIRE(o.size() == 2);
  CHECK(std::get<publish_packet>(o[1]).payload == "kept");
}

TEST_CASE("memory budget: past it retained messages are refused and QoS 0 is not queued", "[broker][budget]") {
  broker_config cfg;
  cfg.max_memory_bytes = 100;
  harness h(cfg);
  auto& pub = h.connect("pub");
  h.publish(pub, "r/1", std::string(60, 'a'), 0, true);
  CHECK(h.broker.retained().size() == 1);
  h.publish(pub, "r/2", std::string(60, 'b'), 0, true);
  CHECK(h.broker.retained().size() == 1);  // refused: 63 + 63 > 100
  CHECK(h.broker.stats().retained_refused == 1);
  CHECK_THAT(h.log_text, Catch::Contains("memory budget"));
  h.publish(pub, "r/1", "", 0, true);  // clearing is always allowed
  CHECK(h.broker.retained().size() == 0);
  CHECK(h.broker.stored().bytes == 0);
  h.publish(pub, "r/2", std::string(60, 'b'), 0, true);
  CHECK(h.broker.retained().size() == 1);
}

TEST_CASE("memory budget: publishers wait for it, then go on after the timeout", "[broker][budget]") {
  broker_config cfg;
  cfg.max_memory_bytes = 200;
  cfg.sys_interval = std::chrono::seconds(0);  // $SYS retained messages count too
  cfg.session.backpressure_timeout = std::chrono::seconds(5);
  harness h(cfg);
  h.broker.tick(at(0));
  auto& sub = h.connect("sub", persistent());
  h.subscribe(sub, {{"t", 1}});
  h.take(sub);
  h.drop(sub);  // away: its queue holds what comes
  auto& pub = h.connect("pub");
  for (int i = 0; i < 3; ++i) h.publish(pub, "t", std::string(99, 'x'), 1);
  CHECK(h.broker.stored().bytes == 300);  // soft by one read turn
  CHECK(pub.link->paused());
  CHECK(h.broker.stats().publishers_paused == 1);

  SECTION("the subscriber drains it") {
    auto& back = h.connect("sub", persistent(), true);
    for (auto& m : h.publishes(back)) h.ack(back, packet_type::puback, m.packet_id);
    CHECK(h.broker.stored().bytes == 0);
    CHECK_FALSE(pub.link->paused());
  }
  SECTION("no one drains it: after the timeout, publishers go on and the excess is dropped") {
    h.broker.tick(at(4));
    CHECK(pub.link->paused());
    h.broker.tick(at(6));
    CHECK_FALSE(pub.link->paused());
    const auto dropped = h.broker.stats().publish_dropped;
    h.publish(pub, "t", "more", 1);
    CHECK(h.broker.stats().publish_dropped == dropped + 1);
    CHECK(h.broker.stored().bytes == 300);
  }
}
