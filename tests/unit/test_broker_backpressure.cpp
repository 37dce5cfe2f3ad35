// Backpressure (src/mqtt/backpressure.cpp, delivery.cpp): a QoS 1/2 publisher
// is paused once a connected subscriber's queue behind its window reaches half
// its bounds, resumed when every session it waits for has drained to a
// quarter, and let go after backpressure_timeout, after which the stalled
// subscriber's overflow is dropped (counted) until it has drained. The limits
// are small: a window of 2 and a queue of 8, so the high-water mark is 4
// queued messages and the low-water mark 2.
#include <deque>

#include "broker_harness.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using namespace hearth::test;

namespace {

broker_config small_limits(int timeout_seconds = 5) {
  broker_config cfg;
  cfg.sys_interval = std::chrono::seconds(0);
  cfg.session.max_inflight = 2;
  cfg.session.max_queued_messages = 8;
  cfg.session.backpressure_timeout = std::chrono::seconds(timeout_seconds);
  return cfg;
}

connect_options session_options(bool clean) {
  connect_options o;
  o.clean = clean;
  return o;
}

std::vector<std::string> names(const std::string& prefix, int first, int last) {
  std::vector<std::string> out;
  for (int i = first; i <= last; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

// A subscriber to "t" that acknowledges only when the test says so, and
// records what it received, in order.
class subscriber {
 public:
  subscriber(harness& h, std::string id, std::uint8_t qos = 1, bool clean = true)
      : h_(h), id_(std::move(id)), c(&h.connect(id_, session_options(clean))) {
    h.subscribe(*c, {{"t", qos}});
    h.take(*c);
  }

  void poll() {
    for (auto& p : h_.take(*c)) {
      INFO("unexpected " << describe(p));
      const auto* pub = std::get_if<publish_packet>(&p);
      REQUIRE(pub);
      CHECK_FALSE(pub->dup);
      seen.emplace_back(pub->payload);
      if (pub->qos > 0) unacked_.push_back({pub->packet_id, pub->qos});
    }
  }

  // Completes the oldest delivery in flight (PUBACK, or PUBREC then PUBCOMP).
  void ack(int n = 1) {
    for (int i = 0; i < n; ++i) {
      poll();
      REQUIRE_FALSE(unacked_.empty());
      auto [id, qos] = unacked_.front();
      unacked_.pop_front();
      if (qos == 1) {
        h_.ack(*c, packet_type::puback, id);
      } else {
        h_.ack(*c, packet_type::pubrec, id);
        auto out = h_.take(*c);  // PUBREL first, then perhaps nothing else
        REQUIRE_FALSE(out.empty());
        CHECK(std::get<ack_packet>(out.front()).type == packet_type::pubrel);
        h_.ack(*c, packet_type::pubcomp, id);
      }
    }
    poll();
  }

  void drain() {
    poll();
    while (!unacked_.empty()) ack();
  }

  const session& sess() const {
    const session* s = h_.broker.find_session(id_);
    REQUIRE(s);
    return *s;
  }
  std::size_t queued() const { return sess().queued_count(); }

  std::vector<std::string> seen;

 private:
  harness& h_;
  std::string id_;
  std::deque<std::pair<std::uint16_t, std::uint8_t>> unacked_;

 public:
  conn* c;
};

// Publishes at QoS 1 (or 2, released at once) and checks the publisher got
// its acknowledgement: a paused publisher's message is queued, not lost.
void publish(harness& h, conn& pub, const std::string& payload, std::uint8_t qos = 1) {
  const std::uint16_t id = h.publish_released(pub, "t", payload, qos);
  auto out = h.take(pub);
  REQUIRE(out.size() == (qos == 2 ? 2u : 1u));
  const auto& ack = std::get<ack_packet>(out.back());
  CHECK(ack.type == (qos == 2 ? packet_type::pubcomp : packet_type::puback));
  CHECK(ack.packet_id == id);
}

void publish_all(harness& h, conn& pub, const std::vector<std::string>& payloads, std::uint8_t qos = 1) {
  for (const auto& p : payloads) publish(h, pub, p, qos);
}

}  // namespace

TEST_CASE("backpressure: the publisher is paused when the queue reaches half its bound", "[broker][backpressure]") {
  harness h(small_limits());
  h.broker.tick(at(0));
  subscriber sub(h, "sub");
  auto& pub = h.connect("pub");

  publish_all(h, pub, names("m", 1, 5));  // 2 in flight, 3 queued
  CHECK(sub.queued() == 3);
  CHECK(pub.link->pauses == 0);
  CHECK_FALSE(sub.sess().congested);
  CHECK(h.broker.stats().publishers_paused == 0);

  publish(h, pub, "m6");  // 4 queued: half of 8
  CHECK(sub.queued() == 4);
  CHECK(pub.link->paused());
  CHECK(h.broker.stats().publishers_paused == 1);
  CHECK(sub.sess().congested);
  CHECK(sub.sess().blocked_publishers == std::vector<client*>{pub.client});
  CHECK(pub.client->blocked_on == std::vector<session*>{const_cast<session*>(&sub.sess())});
  CHECK(sub.c->link->pauses == 0);  // the subscriber is never paused
  sub.poll();
  CHECK(sub.seen == names("m", 1, 2));
}

TEST_CASE("backpressure: the publisher resumes at a quarter of the bound, not before", "[broker][backpressure]") {
  harness h(small_limits());
  h.broker.tick(at(0));
  subscriber sub(h, "sub");
  auto& pub = h.connect("pub");
  publish_all(h, pub, names("m", 1, 6));
  REQUIRE(pub.link->paused());

  sub.ack();  // 3 queued: below the high-water mark, above the low one
  CHECK(sub.queued() == 3);
  CHECK(pub.link->paused());
  CHECK(sub.sess().congested);

  sub.ack();  // 2 queued: a quarter of 8
  CHECK(sub.queued() == 2);
  CHECK(pub.link->resumes == 1);
  CHECK_FALSE(pub.link->paused());
  CHECK_FALSE(sub.sess().congested);
  CHECK(sub.sess().blocked_publishers.empty());
  CHECK(pub.client->blocked_on.empty());

  // Going up again, the publisher goes on until the high-water mark.
  publish(h, pub, "m7");
  CHECK(sub.queued() == 3);
  CHECK_FALSE(pub.link->paused());
  publish(h, pub, "m8");
  CHECK(sub.queued() == 4);
  CHECK(pub.link->pauses == 2);
  CHECK(h.broker.stats().publishers_paused == 2);

  sub.drain();
  CHECK(sub.seen == names("m", 1, 8));  // each once, in order
  CHECK(pub.link->resumes == 2);
  CHECK(h.broker.stats().publish_dropped == 0);
}

TEST_CASE("backpressure: the byte bound has the same marks", "[broker][backpressure]") {
  auto cfg = small_limits();
  cfg.session.max_queued_messages = 1000;
  cfg.session.max_queued_bytes = 80;  // each message is 10 bytes: topic "t" + 9
  harness h(cfg);
  h.broker.tick(at(0));
  subscriber sub(h, "sub");
  auto& pub = h.connect("pub");
  const std::string pad(7, '.');

  publish_all(h, pub, names(pad + "m", 1, 5));  // 3 queued, 30 bytes
  CHECK(sub.sess().queued_bytes() == 30);
  CHECK_FALSE(pub.link->paused());
  publish(h, pub, pad + "m6");  // 40 bytes: half of 80
  CHECK(pub.link->paused());

  sub.ack();  // 30 bytes
  CHECK(pub.link->paused());
  sub.ack();  // 20 bytes: a quarter of 80
  CHECK(sub.sess().queued_bytes() == 20);
  CHECK(pub.link->resumes == 1);
  sub.drain();
  CHECK(sub.seen == names(pad + "m", 1, 6));
}

TEST_CASE("backpressure: every publisher feeding a congested queue waits for it", "[broker][backpressure]") {
  harness h(small_limits());
  h.broker.tick(at(0));
  subscriber sub(h, "sub");
  auto& a = h.connect("a");
  auto& b = h.connect("b");

  publish_all(h, a, names("a", 1, 3));
  publish_all(h, b, names("b", 1, 2));  // 3 queued
  CHECK_FALSE(a.link->paused());
  CHECK_FALSE(b.link->paused());
  publish(h, a, "a4");  // 4 queued: a waits
  CHECK(a.link->paused());
  CHECK_FALSE(b.link->paused());
  publish(h, b, "b3");  // still past the mark: b waits too
  CHECK(b.link->paused());
  CHECK(h.broker.stats().publishers_paused == 2);
  CHECK(sub.sess().blocked_publishers.size() == 2);

  sub.ack(2);  // 3 queued
  CHECK(a.link->paused());
  CHECK(b.link->paused());
  sub.ack();  // 2 queued: both go on, once each
  CHECK(a.link->resumes == 1);
  CHECK(b.link->resumes == 1);

  sub.drain();
  CHECK(sub.seen == std::vector<std::string>{"a1", "a2", "a3", "b1", "b2", "a4", "b3"});
}

TEST_CASE("backpressure: a publisher waiting for two subscribers resumes when both released it",
          "[broker][backpressure]") {
  harness h(small_limits());
  h.broker.tick(at(0));
  subscriber s1(h, "s1");
  subscriber s2(h, "s2");
  auto& pub = h.connect("pub");

  publish_all(h, pub, names("m", 1, 6));
  CHECK(pub.link->pauses == 1);  // paused once, although two queues are congested
  CHECK(h.broker.stats().publishers_paused == 1);
  CHECK(pub.client->blocked_on.size() == 2);

  s1.drain();
  CHECK_FALSE(s1.sess().congested);
  CHECK(pub.client->blocked_on.size() == 1);
  CHECK(pub.link->paused());  // s2 still holds it
  s2.ack();
  CHECK(pub.link->paused());
  s2.ack();
  CHECK(pub.link->resumes == 1);
  CHECK(pub.client->blocked_on.empty());
  s2.drain();
  CHECK(s1.seen == names("m", 1, 6));
  CHECK(s2.seen == names("m", 1, 6));
}

TEST_CASE("backpressure: a subscriber that does not drain within the timeout stalls and loses its overflow",
          "[broker][backpressure]") {
  harness h(small_limits(5));
  h.broker.tick(at(0));
  subscriber sub(h, "sub");
  subscriber good(h, "good");
  auto& pub = h.connect("pub");
  for (auto& m : names("m", 1, 6)) {
    publish(h, pub, m);
    good.drain();  // keeps up: only sub holds the publisher
  }
  REQUIRE(pub.link->paused());
  REQUIRE(good.sess().blocked_publishers.empty());

  h.broker.tick(at(4));
  CHECK(pub.link->paused());
  CHECK(h.broker.stats().subscribers_stalled == 0);
  CHECK_FALSE(sub.sess().lossy);

  h.broker.tick(at(5));
  CHECK(pub.link->resumes == 1);
  CHECK(h.broker.stats().subscribers_stalled == 1);
  CHECK(sub.sess().lossy);
  CHECK_FALSE(sub.sess().congested);
  CHECK(sub.sess().blocked_publishers.empty());
  CHECK(pub.client->blocked_on.empty());
  CHECK(h.log_text.find("no progress for 5 s") != std::string::npos);

  // Lossy: the queue fills to its bound without pausing anyone, then the
  // overflow is dropped and counted, while the publisher is acknowledged and
  // the other subscriber gets everything.
  for (auto& m : names("m", 7, 12)) {
    publish(h, pub, m);
    good.drain();
  }
  CHECK(sub.queued() == 8);
  CHECK(pub.link->pauses == 1);
  CHECK(h.broker.stats().publish_dropped == 2);
  CHECK(sub.sess().dropped() == 2);
  CHECK(good.seen == names("m", 1, 12));

  // Stalled once: later ticks count nothing more.
  h.broker.tick(at(20));
  CHECK(h.broker.stats().subscribers_stalled == 1);
  CHECK(pub.link->resumes == 1);
}

TEST_CASE("backpressure: a stalled subscriber that drains blocks publishers again", "[broker][backpressure]") {
  harness h(small_limits(5));
  h.broker.tick(at(0));
  subscriber sub(h, "sub");
  auto& pub = h.connect("pub");
  publish_all(h, pub, names("m", 1, 6));
  h.broker.tick(at(5));
  REQUIRE(sub.sess().lossy);
  REQUIRE(pub.link->resumes == 1);
  publish_all(h, pub, names("m", 7, 12));
  REQUIRE(h.broker.stats().publish_dropped == 2);  // m11, m12

  sub.ack(5);  // 3 queued: still lossy
  CHECK(sub.queued() == 3);
  CHECK(sub.sess().lossy);
  sub.ack();  // 2 queued: drained, no longer lossy
  CHECK_FALSE(sub.sess().lossy);

  h.broker.tick(at(10));
  publish_all(h, pub, names("n", 1, 2));  // 4 queued: paused again
  CHECK(pub.link->pauses == 2);
  CHECK(sub.sess().congested);
  h.broker.tick(at(14));
  CHECK(pub.link->paused());  // the timeout runs afresh from at(10)
  h.broker.tick(at(15));
  CHECK(pub.link->resumes == 2);
  CHECK(h.broker.stats().subscribers_stalled == 2);

  sub.drain();
  auto want = names("m", 1, 10);
  for (auto& n : names("n", 1, 2)) want.push_back(n);
  CHECK(sub.seen == want);
}

TEST_CASE("backpressure: a subscriber whose connection ends releases its publishers", "[broker][backpressure]") {
  harness h(small_limits());
  h.broker.tick(at(0));
  auto& pub = h.connect("pub");

  SECTION("clean session, connection lost") {
    subscriber sub(h, "sub");
    publish_all(h, pub, names("m", 1, 6));
    REQUIRE(pub.link->paused());
    h.drop(*sub.c);
    CHECK(pub.link->resumes == 1);
    CHECK(h.broker.find_session("sub") == nullptr);
  }
  SECTION("clean DISCONNECT") {
    subscriber sub(h, "sub");
    publish_all(h, pub, names("m", 1, 6));
    REQUIRE(pub.link->paused());
    h.send(*sub.c, empty_packet{packet_type::disconnect});
    CHECK(pub.link->resumes == 1);
    h.settle();
  }
  SECTION("persistent session: it queues while away, and blocks no one") {
    subscriber sub(h, "sub", 1, /*clean=*/false);
    publish_all(h, pub, names("m", 1, 6));
    REQUIRE(pub.link->paused());
    h.drop(*sub.c);
    CHECK(pub.link->resumes == 1);
    CHECK_FALSE(sub.sess().congested);
    publish_all(h, pub, names("m", 7, 12));
    CHECK(pub.link->pauses == 1);
    CHECK(sub.queued() == 8);
    CHECK(h.broker.stats().publish_dropped == 2);
  }
  SECTION("taken over by a new connection") {
    subscriber sub(h, "sub", 1, /*clean=*/false);
    publish_all(h, pub, names("m", 1, 6));
    REQUIRE(pub.link->paused());
    h.connect("sub", session_options(false), /*session_present=*/true);
    CHECK(pub.link->resumes == 1);
    h.settle();
  }
  // Nothing is left that could resume it again, or pause it for that session.
  h.broker.tick(at(60));
  CHECK(pub.link->resumes == 1);
  CHECK(h.broker.stats().subscribers_stalled == 0);
}

TEST_CASE("backpressure: a paused publisher that goes away leaves nothing behind", "[broker][backpressure]") {
  harness h(small_limits());
  h.broker.tick(at(0));
  subscriber s1(h, "s1");
  subscriber s2(h, "s2");
  auto& pub = h.connect("pub");
  auto& other = h.connect("other");
  publish_all(h, pub, names("m", 1, 6));  // pub waits for s1 and s2
  publish(h, other, "o1");                // other waits too
  REQUIRE(pub.link->paused());
  REQUIRE(other.link->paused());

  SECTION("connection lost") { h.drop(pub); }
  SECTION("protocol error") {
    h.feed(pub, std::string("\xF0\x00", 2));  // reserved packet type
    REQUIRE(pub.link->closed);
    h.settle();
  }
  SECTION("taken over by its own client id") {
    auto& again = h.connect("pub");
    h.settle();
    CHECK_FALSE(again.link->paused());
  }
  CHECK(s1.sess().blocked_publishers == std::vector<client*>{other.client});
  CHECK(s2.sess().blocked_publishers == std::vector<client*>{other.client});

  // Draining releases only the publisher still there (an ASan build catches
  // a pointer left to the freed client).
  s1.drain();
  s2.drain();
  CHECK(other.link->resumes == 1);
  CHECK(pub.link->resumes == 0);
  h.broker.tick(at(60));
  CHECK(h.broker.stats().subscribers_stalled == 0);
  CHECK(s1.seen == std::vector<std::string>{"m1", "m2", "m3", "m4", "m5", "m6", "o1"});
}

TEST_CASE("backpressure: a paused publisher that goes away before the timeout is not touched by it",
          "[broker][backpressure]") {
  harness h(small_limits());
  h.broker.tick(at(0));
  subscriber sub(h, "sub");
  auto& pub = h.connect("pub");
  publish_all(h, pub, names("m", 1, 6));
  h.drop(pub);
  h.broker.tick(at(5));  // the session is still behind: it stalls, with no one to release
  CHECK(sub.sess().blocked_publishers.empty());
  CHECK(pub.link->resumes == 0);
  sub.drain();
  CHECK(sub.seen == names("m", 1, 6));
}

TEST_CASE("backpressure: a publisher never waits for its own subscription", "[broker][backpressure]") {
  harness h(small_limits());
  h.broker.tick(at(0));
  auto& self = h.connect("self");
  h.subscribe(self, {{"t", 1}});
  h.take(self);
  for (int i = 1; i <= 12; ++i) h.publish(self, "t", "m" + std::to_string(i), 1);
  CHECK(self.link->pauses == 0);
  CHECK(h.broker.stats().publishers_paused == 0);
  const session& s = *h.broker.find_session("self");
  CHECK(s.queued_count() == 8);
  CHECK_FALSE(s.congested);
  CHECK(h.broker.stats().publish_dropped == 2);
}

TEST_CASE("backpressure: a timeout of 0 never pauses and drops the overflow", "[broker][backpressure]") {
  harness h(small_limits(0));
  h.broker.tick(at(0));
  subscriber sub(h, "sub");
  auto& pub = h.connect("pub");
  publish_all(h, pub, names("m", 1, 12));
  CHECK(pub.link->pauses == 0);
  CHECK_FALSE(sub.sess().congested);
  CHECK(h.broker.stats().publish_dropped == 2);
  sub.drain();
  CHECK(sub.seen == names("m", 1, 10));
}

TEST_CASE("backpressure: QoS 0 never pauses anyone", "[broker][backpressure]") {
  harness h(small_limits());
  h.broker.tick(at(0));

  SECTION("QoS 0 publisher to a congested QoS 1 subscriber") {
    subscriber sub(h, "sub", 1);
    auto& q1 = h.connect("q1");
    publish_all(h, q1, names("m", 1, 6));
    REQUIRE(q1.link->paused());
    auto& q0 = h.connect("q0");
    for (int i = 1; i <= 20; ++i) h.publish(q0, "t", "z" + std::to_string(i), 0);
    CHECK(q0.link->pauses == 0);
    CHECK(sub.queued() == 4);  // QoS 0 goes out at once, past the queue
    sub.poll();
    CHECK(sub.seen.size() == 22);
  }
  SECTION("QoS 1 publisher to a QoS 0 subscription") {
    subscriber sub(h, "sub", 0);
    auto& pub = h.connect("pub");
    publish_all(h, pub, names("m", 1, 20));
    CHECK(pub.link->pauses == 0);
    sub.poll();
    CHECK(sub.seen == names("m", 1, 20));
  }
}

TEST_CASE("backpressure: an offline persistent session never pauses anyone", "[broker][backpressure]") {
  harness h(small_limits());
  h.broker.tick(at(0));
  {
    subscriber sub(h, "sub", 1, /*clean=*/false);
    h.drop(*sub.c);
  }
  auto& pub = h.connect("pub");
  publish_all(h, pub, names("m", 1, 12));
  CHECK(pub.link->pauses == 0);
  CHECK(h.broker.find_session("sub")->queued_count() == 8);
  CHECK(h.broker.stats().publish_dropped == 4);
  h.broker.tick(at(60));
  CHECK(h.broker.stats().subscribers_stalled == 0);

  // Back online with 6 queued behind its window: now it holds publishers up.
  auto& back = h.connect("sub", session_options(false), /*session_present=*/true);
  CHECK(h.publishes(back).size() == 2);
  CHECK(h.broker.find_session("sub")->queued_count() == 6);
  CHECK(pub.link->pauses == 0);  // reconnecting pauses no one
  publish(h, pub, "m13");
  CHECK(pub.link->paused());
}

TEST_CASE("backpressure: QoS 2 pauses on PUBREL and resumes on PUBCOMP", "[broker][backpressure]") {
  harness h(small_limits());
  h.broker.tick(at(0));
  subscriber sub(h, "sub", 2);
  auto& pub = h.connect("pub");

  publish_all(h, pub, names("m", 1, 5), 2);
  CHECK_FALSE(pub.link->paused());
  h.publish(pub, "t", "m6", 2, false, 600);
  CHECK(only<ack_packet>(h.take(pub)).type == packet_type::pubrec);
  CHECK_FALSE(pub.link->paused());  // stored, not yet routed
  h.ack(pub, packet_type::pubrel, 600);
  CHECK(only<ack_packet>(h.take(pub)).type == packet_type::pubcomp);
  CHECK(pub.link->paused());

  sub.poll();
  REQUIRE(sub.seen == names("m", 1, 2));
  sub.ack(2);  // PUBCOMP frees the window: 2 queued
  CHECK(sub.queued() == 2);
  CHECK(pub.link->resumes == 1);
  sub.drain();
  CHECK(sub.seen == names("m", 1, 6));
}

TEST_CASE("backpressure: a PUBREC alone does not drain the queue", "[broker][backpressure]") {
  harness h(small_limits());
  h.broker.tick(at(0));
  subscriber sub(h, "sub", 2);
  auto& pub = h.connect("pub");
  publish_all(h, pub, names("m", 1, 6), 2);
  REQUIRE(pub.link->paused());
  auto first = h.publishes(*sub.c);
  REQUIRE(first.size() == 2);
  for (auto& p : first) h.ack(*sub.c, packet_type::pubrec, p.packet_id);
  CHECK(sub.queued() == 4);  // both still in the window, awaiting PUBCOMP
  CHECK(pub.link->paused());
}

TEST_CASE("backpressure: $SYS reports paused publishers and stalled subscribers", "[broker][backpressure]") {
  auto cfg = small_limits(5);
  cfg.sys_interval = std::chrono::seconds(10);
  harness h(cfg);
  auto& sys = h.connect("sys");
  h.subscribe(sys, {{"$SYS/broker/publish/#", 0}});
  h.broker.tick(at(0));
  h.take(sys);
  subscriber sub(h, "sub");
  auto& pub = h.connect("pub");
  publish_all(h, pub, names("m", 1, 12));
  h.broker.tick(at(5));
  publish_all(h, pub, names("n", 1, 2));
  h.broker.tick(at(10));

  std::map<std::string, std::string> got;
  for (auto& p : h.publishes(sys)) got[p.topic] = p.payload;
  CHECK(got["$SYS/broker/publish/publishers/paused"] == "1");
  CHECK(got["$SYS/broker/publish/subscribers/stalled"] == "1");
  CHECK(got["$SYS/broker/publish/messages/dropped"] == "4");  // m11, m12 while paused; n1, n2 lossy
}

TEST_CASE("backpressure: a stalled persistent subscriber that reconnects is waited for again",
          "[broker][backpressure]") {
  harness h(small_limits(5));
  h.broker.tick(at(0));
  subscriber sub(h, "sub", 1, /*clean=*/false);
  auto& pub = h.connect("pub");
  publish_all(h, pub, names("m", 1, 6));
  h.broker.tick(at(5));
  REQUIRE(sub.sess().lossy);
  h.drop(*sub.c);
  CHECK_FALSE(sub.sess().lossy);  // away, it blocks no one anyway

  h.broker.tick(at(10));
  auto& back = h.connect("sub", session_options(false), /*session_present=*/true);
  CHECK(h.publishes(back).size() == 2);  // the window again, with DUP
  publish(h, pub, "m7");                 // 5 queued: past the mark
  CHECK(pub.link->pauses == 2);
  h.broker.tick(at(14));
  CHECK(pub.link->paused());
  h.broker.tick(at(15));
  CHECK(pub.link->resumes == 2);
}

TEST_CASE("backpressure: congestion that starts before the first tick is timed from that tick",
          "[broker][backpressure]") {
  // Regression: the broker's clock is 0 until its first tick, and a session
  // that congested then was declared stalled at once by that tick.
  harness h(small_limits(5));
  subscriber sub(h, "sub");
  auto& pub = h.connect("pub");
  publish_all(h, pub, names("m", 1, 6));
  REQUIRE(pub.link->paused());
  h.broker.tick(at(0));
  CHECK(pub.link->paused());
  CHECK(h.broker.stats().subscribers_stalled == 0);
  h.broker.tick(at(4));
  CHECK(pub.link->paused());
  h.broker.tick(at(5));
  CHECK(h.broker.stats().subscribers_stalled == 1);
  CHECK_FALSE(pub.link->paused());
}
