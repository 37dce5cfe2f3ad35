// The connection deadlines with fake time: the connect deadline, then
// 1.5 x keepalive after the last received byte (MQTT-3.1.2-24).
#include <catch2/catch.hpp>

#include "hearth/mqtt/errors.hpp"
#include "hearth/mqtt/keepalive.hpp"

using hearth::mqtt::keepalive;
using namespace std::chrono_literals;

namespace {
const keepalive::clock::time_point t0{std::chrono::hours(1)};
}

TEST_CASE("keepalive: the connect deadline runs from the accept", "[keepalive]") {
  keepalive k(t0, 10s);
  CHECK_FALSE(k.connected());
  REQUIRE(k.next_deadline() == t0 + 10s);
  CHECK_FALSE(k.expired(t0 + 9999ms));
  CHECK(k.expired(t0 + 10s));
  CHECK(k.reason() == hearth::mqtt::errc::connect_timeout);
}

TEST_CASE("keepalive: bytes before CONNECT do not extend the connect deadline", "[keepalive]") {
  keepalive k(t0, 10s);
  k.on_received(t0 + 5s);
  k.on_received(t0 + 9s);
  CHECK(k.next_deadline() == t0 + 10s);
  CHECK(k.expired(t0 + 10s));
}

TEST_CASE("keepalive: once connected, 1.5 x keepalive after the last byte", "[keepalive]") {
  keepalive k(t0, 10s);
  k.on_connected(60, t0 + 1s);
  CHECK(k.connected());
  CHECK(k.next_deadline() == t0 + 1s + 90s);
  CHECK_FALSE(k.expired(t0 + 10s));  // the connect deadline no longer applies
  k.on_received(t0 + 50s);
  CHECK(k.next_deadline() == t0 + 140s);
  CHECK_FALSE(k.expired(t0 + 139s));
  CHECK(k.expired(t0 + 140s));
  CHECK(k.reason() == hearth::mqtt::errc::keepalive_timeout);
}

TEST_CASE("keepalive: odd keepalives are exact in milliseconds", "[keepalive]") {
  keepalive k(t0, 10s);
  k.on_connected(1, t0);
  CHECK(k.next_deadline() == t0 + 1500ms);
  CHECK_FALSE(k.expired(t0 + 1499ms));
  CHECK(k.expired(t0 + 1500ms));
  k.on_connected(65535, t0);
  CHECK(k.next_deadline() == t0 + std::chrono::milliseconds(65535LL * 1500));
}

TEST_CASE("keepalive: zero turns the check off", "[keepalive]") {
  keepalive k(t0, 10s);
  k.on_connected(0, t0 + 1s);
  CHECK_FALSE(k.next_deadline().has_value());
  CHECK_FALSE(k.expired(t0 + std::chrono::hours(24 * 365)));
  k.on_received(t0 + 2s);
  CHECK_FALSE(k.next_deadline().has_value());
}
