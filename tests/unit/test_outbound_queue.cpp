// A connection's write queue: coalescing, shared payloads, gathering for a
// write, partial writes, and the soft and hard limits.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hearth/mqtt/outbound_queue.hpp"

using namespace hearth::mqtt;

namespace {

std::vector<std::string_view> pieces(const outbound_queue& q, std::size_t max_bytes = 1u << 30) {
  std::vector<std::string_view> out;
  q.gather(max_bytes, [&](std::string_view s) { out.push_back(s); });
  return out;
}

std::string joined(const outbound_queue& q, std::size_t max_bytes = 1u << 30) {
  std::string out;
  for (auto p : pieces(q, max_bytes)) out.append(p);
  return out;
}

// Writes everything, `chunk` bytes at a time (a socket taking partial writes).
std::string drain(outbound_queue& q, std::size_t chunk) {
  std::string out;
  while (!q.empty()) {
    const std::string next = joined(q).substr(0, chunk);
    REQUIRE(!next.empty());
    out += next;
    q.consume(next.size());
  }
  return out;
}

message_ptr big(std::size_t n, char fill = 'x') { return make_message("t", std::string(n, fill), 0, false); }

const std::string puback("\x40\x02\x00\x01", 4);
const std::string pingresp("\xd0\x00", 2);

}  // namespace

TEST_CASE("outbound_queue: an empty queue has nothing to write", "[outbound_queue]") {
  outbound_queue q;
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
  CHECK(pieces(q).empty());
}

TEST_CASE("outbound_queue: consecutive control packets share one buffer", "[outbound_queue]") {
  outbound_queue q;
  q.push(puback);
  q.push(pingresp);
  q.push(puback);
  CHECK(q.size() == 1);
  CHECK(q.bytes() == 10);
  CHECK(pieces(q).size() == 1);
  CHECK(joined(q) == puback + pingresp + puback);
  q.consume(10);
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
}

TEST_CASE("outbound_queue: a large payload is shared, not copied", "[outbound_queue]") {
  const message_ptr m = big(1000);
  outbound_queue a, b, c;
  for (auto* q : {&a, &b, &c}) REQUIRE(q->push_publish("HDR", m, false));
  CHECK(m.use_count() == 4);  // stored once, referred to by three queues
  CHECK(a.bytes() == 1003);
  auto p = pieces(a);
  REQUIRE(p.size() == 2);
  CHECK(p[0] == "HDR");
  CHECK(p[1].data() == m->payload.data());  // the message's own bytes
  a.consume(1003);
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
  CHECK(q.bytes() == 4 + 3 + 4 + 2);
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

TEST_CASE("outbound_queue: gather stops at the byte budget and at max_pieces", "[outbound_queue]") {
  outbound_queue q;
  const message_ptr m = big(1000);
  for (int i = 0; i < 100; ++i) q.push_publish("H", m, false);  // two pieces each
  CHECK(pieces(q, 2500).size() == 6);  // whole pieces until 2500 bytes are reached
  CHECK(q.gather(2500, [](std::string_view) {}) == 3003);
  CHECK(q.gather(1, [](std::string_view) {}) == 1);       // the header alone reaches it
  CHECK(q.gather(10, [](std::string_view) {}) == 1001);  // the last piece may pass it
  CHECK(pieces(q).size() == outbound_queue::max_pieces);
  CHECK(q.bytes() == 100 * 1001);  // gathering consumes nothing
}

TEST_CASE("outbound_queue: partial writes resume inside an entry", "[outbound_queue]") {
  outbound_queue q;
  const message_ptr m = big(300, 'p');
  q.push(puback);
  q.push_publish("HEAD", m, false);
  q.push(pingresp);
  const std::string all = puback + "HEAD" + m->payload + pingresp;
  REQUIRE(joined(q) == all);

  q.consume(2);  // inside the control packets
  CHECK(joined(q) == all.substr(2));
  q.consume(4);  // ends inside the publish header
  CHECK(joined(q) == all.substr(6));
  CHECK(pieces(q).front() == "AD");
  q.consume(2 + 100);  // inside the shared payload
  CHECK(joined(q) == all.substr(108));
  CHECK(pieces(q).front().data() == m->payload.data() + 100);
  CHECK(q.bytes() == all.size() - 108);
  q.consume(q.bytes());
  CHECK(q.empty());
  CHECK(m.use_count() == 1);
}

TEST_CASE("outbound_queue: order is kept across coalescing and partial writes", "[outbound_queue]") {
  for (std::size_t chunk : {1u, 7u, 100u, 1000u, 100000u}) {
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
    INFO("written " << chunk << " bytes at a time");
    CHECK(drain(q, chunk) == expected);
    CHECK(q.bytes() == 0);
  }
}

TEST_CASE("outbound_queue: packets queued after a partial write follow it", "[outbound_queue]") {
  outbound_queue q;
  q.push(puback);
  q.consume(1);
  q.push(pingresp);  // appended to the partly written entry
  CHECK(joined(q) == puback.substr(1) + pingresp);
  q.push_publish("H", big(500), false);
  q.push(puback);
  CHECK(drain(q, 3) == puback.substr(1) + pingresp + "H" + std::string(500, 'x') + puback);
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
  q.consume(1000);  // once written below the limit, QoS 0 is accepted again
  CHECK(q.push_publish("H", m, true));
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
    q.consume(1000);  // writing brings it back under
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

TEST_CASE("outbound_queue: a long queue written slowly stays consistent", "[outbound_queue][overflow]") {
  // Exercises the compaction of the written prefix.
  outbound_queue q(outbound_limits{1u << 30, 1u << 30, 1u << 20});
  const message_ptr m = big(200, 'z');
  std::size_t pushed = 0;
  std::size_t written = 0;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 50; ++i) {
      q.push_publish("H", m, false);
      pushed += 201;
    }
    const std::size_t n = std::min<std::size_t>(q.bytes(), 201 * 30 + 17);
    CHECK(q.gather(n, [](std::string_view) {}) >= n);
    q.consume(n);
    written += n;
    REQUIRE(q.bytes() == pushed - written);
  }
  const std::string rest = drain(q, 4096);
  CHECK(rest.size() == pushed - written);
  CHECK(q.empty());
}

TEST_CASE("outbound_queue: clear drops everything and releases payloads", "[outbound_queue]") {
  const message_ptr m = big(1000);
  outbound_queue q;
  q.push_publish("H", m, false);
  q.push_publish("H", m, false);
  q.consume(10);
  q.clear();
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
  CHECK(pieces(q).empty());
  CHECK(m.use_count() == 1);
}
