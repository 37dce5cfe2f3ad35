// The agent's local safety rules, payloads and reconnect back-off, on fake time.
#include <catch2/catch.hpp>

#include "hearth/agent/backoff.hpp"
#include "hearth/agent/failsafe.hpp"
#include "hearth/agent/payload.hpp"

using namespace hearth::agent;
using namespace std::chrono_literals;

namespace {
const std::chrono::steady_clock::time_point t0{std::chrono::hours(2)};

failsafe house() {
  return failsafe({{"light", false, 0s, false}, {"valve", false, 600s, false}, {"fan", false, 0s, true},
                   {"heater", true, 0s, false}});
}
}  // namespace

TEST_CASE("failsafe: start-up states are off unless configured", "[agent][failsafe]") {
  auto f = house();
  auto s = f.safe_states();
  REQUIRE(s.size() == 4);
  CHECK_FALSE(s[0].on);
  CHECK(s[3].name == "heater");
  CHECK(s[3].on);
  CHECK(f.state("heater") == true);
  CHECK_FALSE(f.state("nope"));
}

TEST_CASE("failsafe: commands on, off, toggle; unknown relays and verbs refused", "[agent][failsafe]") {
  auto f = house();
  std::string why;
  auto c = f.command("light", "on", why);
  REQUIRE(c);
  CHECK(c->on);
  f.applied("light", true, t0);
  c = f.command("light", "toggle", why);
  REQUIRE(c);
  CHECK_FALSE(c->on);
  CHECK_FALSE(f.command("garage", "on", why));
  CHECK(why.find("garage") != std::string::npos);
  CHECK_FALSE(f.command("light", "blink", why));
  CHECK_FALSE(f.command("light", "", why));
}

TEST_CASE("failsafe: the valve closes after its maximum on-time whatever happens", "[agent][failsafe]") {
  auto f = house();
  f.applied("valve", true, t0);
  CHECK(f.tick(t0 + 599s).empty());
  auto off = f.tick(t0 + 600s);
  REQUIRE(off.size() == 1);
  CHECK(off[0].name == "valve");
  CHECK_FALSE(off[0].on);
  // A write that failed leaves it on: the rule keeps asking.
  CHECK(f.tick(t0 + 700s).size() == 1);
  f.applied("valve", false, t0 + 700s);
  CHECK(f.tick(t0 + 800s).empty());
  // Switching on again restarts the clock.
  f.applied("valve", true, t0 + 900s);
  CHECK(f.tick(t0 + 1400s).empty());
  CHECK(f.tick(t0 + 1500s).size() == 1);
}

TEST_CASE("failsafe: gas switches the ventilation on, holds it, and releases it", "[agent][failsafe]") {
  auto f = house();
  auto on = f.gas(true);
  REQUIRE(on.size() == 1);
  CHECK(on[0].name == "fan");
  CHECK(on[0].on);
  f.applied("fan", true, t0);
  CHECK(f.gas(true).empty());  // no change, no action
  std::string why;
  CHECK_FALSE(f.command("fan", "off", why));
  CHECK_FALSE(f.command("fan", "toggle", why));
  CHECK(f.command("light", "off", why));
  auto clear = f.gas(false);
  REQUIRE(clear.size() == 1);
  CHECK_FALSE(clear[0].on);
  f.applied("fan", false, t0 + 10s);
  // A fan switched on by hand before the gas stays on after it.
  f.applied("fan", true, t0 + 20s);
  CHECK(f.gas(true).empty());
  CHECK(f.gas(false).empty());
}

TEST_CASE("payload: readings carry ts, null for unavailable, plain decimals", "[agent][payload]") {
  CHECK(reading_payload({{"28-0000071a2b3c", 21.5}, {"28-0000071a2b3d", std::nullopt}}, 1700000000123) ==
        "{\"28-0000071a2b3c\":21.5,\"28-0000071a2b3d\":null,\"ts\":1700000000123}");
  CHECK(format_number(-10.125) == "-10.125");
  CHECK(format_number(100) == "100");
  CHECK(format_number(0.0004) == "0");
  CHECK(format_number(1e300 * 1e300) == "null");
  CHECK(alarm_payload("gas", "gas", true, 1, 5) ==
        "{\"kind\":\"gas\",\"sensor\":\"gas\",\"active\":true,\"value\":1,\"ts\":5}");
}

TEST_CASE("backoff: exponential, capped, jittered, reset on success", "[agent][backoff]") {
  std::mt19937 rng(7);
  backoff b(500ms, 8000ms);
  const long long expect_max[] = {500, 1000, 2000, 4000, 8000, 8000, 8000};
  for (long long m : expect_max) {
    const auto d = b.next(rng).count();
    CHECK(d >= m / 2);
    CHECK(d <= m);
  }
  b.reset();
  CHECK(b.next(rng).count() <= 500);
}
