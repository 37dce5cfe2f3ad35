// The on-disk outbox: order, bound (oldest dropped and counted), removal on
// acknowledgement, and survival across a reopen (an agent restart).
#include <catch2/catch.hpp>

#include "hearth/agent/outbox.hpp"
#include "temp_dir.hpp"

using hearth::agent::outbox;

TEST_CASE("outbox: messages come out oldest first, past a cursor", "[agent][outbox]") {
  outbox q(":memory:", 100);
  const auto a = q.push("home/k/temperature", "{\"x\":1}");
  const auto b = q.push("home/k/temperature", "{\"x\":2}");
  const auto c = q.push("home/k/moisture", "{\"y\":3}");
  CHECK(q.size() == 3);
  auto all = q.next(0, 10);
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == a);
  CHECK(all[2].topic == "home/k/moisture");
  auto after = q.next(a, 1);
  REQUIRE(after.size() == 1);
  CHECK(after[0].id == b);
  q.remove(b);
  q.remove(b);       // twice: harmless
  q.remove(999999);  // unknown: harmless
  CHECK(q.size() == 2);
  all = q.next(0, 10);
  REQUIRE(all.size() == 2);
  CHECK(all[1].id == c);
}

TEST_CASE("outbox: past the bound the oldest are dropped first and counted", "[agent][outbox]") {
  outbox q(":memory:", 3);
  for (int i = 0; i < 5; ++i) q.push("t", std::to_string(i));
  CHECK(q.size() == 3);
  CHECK(q.dropped() == 2);
  auto all = q.next(0, 10);
  REQUIRE(all.size() == 3);
  CHECK(all[0].payload == "2");
  CHECK(all[2].payload == "4");
}

TEST_CASE("outbox: the queue and the drop count survive a reopen", "[agent][outbox]") {
  hearth::test::temp_dir dir;
  const std::string path = dir.path() + "/outbox.sqlite";
  std::int64_t last = 0;
  {
    outbox q(path, 2);
    q.push("t", "a");
    q.push("t", "b");
    last = q.push("t", "c");
    q.remove(last);
  }
  outbox q(path, 2);
  CHECK(q.size() == 1);
  CHECK(q.dropped() == 1);
  auto all = q.next(0, 10);
  REQUIRE(all.size() == 1);
  CHECK(all[0].payload == "b");
  // Ids keep growing after a reopen (AUTOINCREMENT), so order is kept.
  CHECK(q.push("t", "d") > last);
}
