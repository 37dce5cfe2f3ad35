// A connection's write queue: coalescing, shared payloads, the write budget,
// and the soft and hard limits.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hearth/mqtt/outbound_queue.hpp"

using namespace hearth::mqtt;

namespace {

std::vector<std::string_view> pieces(const outbound_queue& q) {
  std::vector<std::string_view> out;
  q.for_each_in_flight([&](std::string_view s) { out.push_back(s); });
  return out;
}

std::string joined(const outbound_queue& q) {
  std::string out;
  for (auto p : pieces(q)) out.append(p);
  return out;
}

message_ptr big(std::size_t n, char fill = 'x') {
  return make_message("t", std::string(n, fill), 0, false);
}

const std::string puback("\x40\x02\x00\x01", 4);
const std::string pingresp("\xd0\x00", 2);

}  // namespace

TEST_CASE("outbound_queue: an empty queue has nothing to write", "[outbound_queue]") {
  outbound_queue q;
  CHECK(q.empty());
  CHECK(q.prepare(1024) == 0);
  CHECK_FALSE(q.in_flight());
  CHECK(pieces(q).empty());
}

TEST_CASE("outbound_queue: consecutive control packets share one buffer", "[outbound_queue]") {
  outbound_queue q;
  q.push(puback);
  q.push(pingresp);
  q.push(puback);
  CHECK(q.size() == 1);
  CHECK(q.bytes() == 10);
  REQUIRE(q.prepare(1 << 20) == 10);
  CHECK(pieces(q).size() == 1);
  CHECK(joined(q) == puback + pingresp + puback);
  q.consume();
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
}

TEST_CASE("outbound_queue: a large payload is shared, not copied", "[outbound_queue]") {
  const message_ptr m = big(1000);
  outbound_queue a, b, c;
  for (auto* q : {&a, &b, &c}) REQUIRE(q->push_publish("HDR", m, false));
  CHECK(m.use_count() == 4);  // stored once, referred to by three queues
  CHECK(a.bytes() == 1003);
  REQUIRE(a.prepare(1 << 20) == 1003);
  auto p = pieces(a);
  REQUIRE(p.size() == 2);
  CHECK(p[0] == "HDR");
  CHECK(p[1].data() == m->payload.data());  // the message's own bytes
  a.consume();
  CHECK(m.use_count() == 3);  // released once written
}

TEST_CASE("outbound_queue: a small payload is copied next to its header", "[outbound_queue]") {
  const message_ptr m = make_message("t", "21.5", 0, false);
  outbound_queue q;
  q.push(puback);
  REQUIRE(q.push_publish("HDR", m, false));
  q.push(pingresp);
  CHECK(m.use_count() == 1);
  CHECK(q.size() == 1);
  REQUIRE(q.prepare(1 << 20) == 4 + 3 + 4 + 2);
  CHECK(joined(q) == puback + "HDR21.5" + pingresp);
  CHECK(pieces(q).size() == 1);
}

TEST_CASE("outbound_queue: coalescing stops at coalesce_max", "[outbound_queue]") {
  outbound_queue q;
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 5; ++i) q.push(chunk);
  CHECK(q.size() == 2);  // 4000 bytes fit in one string, the fifth 1000 do not
  CHECK(q.bytes() == 5000);
}

TEST_CASE("outbound_queue: prepare takes whole entries up to the budget, at least one", "[outbound_queue]") {
  outbound_queue q;
  const message_ptr m = big(1000);
  for (int i = 0; i < 5; ++i) q.push_publish("H", m, false);
  CHECK(q.size() == 5);
  CHECK(q.prepare(2500) == 2002);  // two whole entries; the third would pass the budget
  CHECK(q.prepare(2500) == 0);     // one write in flight at a time
  q.consume();
  CHECK(q.bytes() == 3003);
  CHECK(q.prepare(10) == 1001);  // over budget alone: still written, so writing progresses
  q.consume();
  CHECK(q.prepare(1 << 20) == 2002);
  q.consume();
  CHECK(q.empty());
}

TEST_CASE("outbound_queue: one write has at most max_pieces buffers", "[outbound_queue]") {
  outbound_queue q;
  const message_ptr m = big(200);
  for (int i = 0; i < 100; ++i) q.push_publish("H", m, false);  // two pieces each
  std::vector<std::size_t> writes;
  while (q.prepare(1 << 30) > 0) {
    writes.push_back(pieces(q).size());
    q.consume();
  }
  CHECK(writes == std::vector<std::size_t>{64, 64, 64, 8});
}

TEST_CASE("outbound_queue: entries queued during a write leave its buffers alone", "[outbound_queue]") {
  outbound_queue q;
  q.push(puback);  // a short string keeps its bytes inside the object
  REQUIRE(q.prepare(1 << 20) == 4);
  const auto before = pieces(q);
  // Appending to the entry in flight, or moving it while the vector grows,
  // would change or move the bytes being written.
  for (int i = 0; i < 1000; ++i) q.push(pingresp);
  for (int i = 0; i < 100; ++i) q.push_publish("H", big(300), false);
  const auto after = pieces(q);
  REQUIRE(after.size() == 1);
  CHECK(after[0].data() == before[0].data());
  CHECK(after[0] == puback);
  q.consume();
  CHECK(q.bytes() == 2000 + 100 * 301);
  REQUIRE(q.prepare(1 << 20) > 0);
  CHECK(joined(q).substr(0, 4) == pingresp + pingresp);
}

TEST_CASE("outbound_queue: order is kept across coalescing and writes", "[outbound_queue]") {
  outbound_queue q;
  std::string expected;
  for (int i = 0; i < 300; ++i) {
    const std::string hdr = "<" + std::to_string(i) + ">";
    const message_ptr m = big(static_cast<std::size_t>(i % 3 == 0 ? 500 : 10), static_cast<char>('a' + i % 26));
    q.push_publish(hdr, m, false);
    expected += hdr + m->payload;
    if (i % 7 == 0) {
      q.push(puback);
      expected += puback;
    }
  }
  std::string written;
  while (q.prepare(3000) > 0) {
    written += joined(q);
    q.consume();
  }
  CHECK(written == expected);
  CHECK(q.empty());
}

TEST_CASE("outbound_queue: past the soft limit QoS 0 is refused and counted", "[outbound_queue][overflow]") {
  outbound_queue q(outbound_limits{1000, 100000, 1000});
  const message_ptr m = big(600);
  CHECK(q.push_publish("H", m, true));  // 601 bytes
  CHECK(q.push_publish("H", m, true));  // 1202: the queue was still under the limit
  CHECK_FALSE(q.push_publish("H", m, true));
  CHECK_FALSE(q.push_publish("H", m, true));
  CHECK(q.dropped() == 2);
  CHECK(q.bytes() == 1202);
  CHECK(q.push_publish("H", m, false));  // QoS 1/2 is never refused
  CHECK(q.bytes() == 1803);
  q.push(puback);  // nor are control packets
  CHECK(q.bytes() == 1807);
  CHECK_FALSE(q.overflowed());
}

TEST_CASE("outbound_queue: an empty queue accepts a message larger than the soft limit",
          "[outbound_queue][overflow]") {
  outbound_queue q(outbound_limits{100, 100000, 1000});
  CHECK(q.push_publish("H", big(5000), true));
  CHECK(q.dropped() == 0);
}

TEST_CASE("outbound_queue: the hard limit in bytes and in entries", "[outbound_queue][overflow]") {
  SECTION("bytes") {
    outbound_queue q(outbound_limits{1000, 2000, 1000});
    const message_ptr m = big(999);
    q.push_publish("H", m, false);
    q.push_publish("H", m, false);
    CHECK_FALSE(q.overflowed());  // exactly 2000
    q.push(puback);
    CHECK(q.overflowed());
    // Writing what is queued brings it back under.
    q.prepare(1 << 20);
    q.consume();
    CHECK_FALSE(q.overflowed());
  }
  SECTION("entries") {
    outbound_queue q(outbound_limits{1 << 20, 1 << 20, 3});
    const message_ptr m = big(200);
    for (int i = 0; i < 3; ++i) q.push_publish("H", m, false);
    CHECK_FALSE(q.overflowed());
    q.push_publish("H", m, false);
    CHECK(q.overflowed());
  }
}

TEST_CASE("outbound_queue: clear drops everything and releases payloads", "[outbound_queue]") {
  const message_ptr m = big(1000);
  outbound_queue q;
  q.push_publish("H", m, false);
  q.push_publish("H", m, false);
  q.prepare(1500);
  q.clear();
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
  CHECK_FALSE(q.in_flight());
  CHECK(m.use_count() == 1);
}
