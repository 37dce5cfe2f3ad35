// mqtt::check_publish: what an in-process publisher (the broker's $SYS,
// net::local_client) may publish is exactly what a network client could.
#include <catch2/catch.hpp>

#include <string>

#include "hearth/mqtt/codec.hpp"
#include "hearth/mqtt/errors.hpp"
#include "hearth/mqtt/publish_check.hpp"

using namespace hearth::mqtt;

namespace {
std::string levels(std::size_t n) {
  std::string t = "a";
  for (std::size_t i = 1; i < n; ++i) t += "/a";
  return t;
}
}  // namespace

TEST_CASE("check_publish: valid messages pass", "[topic][broker]") {
  CHECK_FALSE(check_publish("home/kitchen/temperature", 4, 0));
  CHECK_FALSE(check_publish("$SYS/broker/uptime", 0, 1));
  CHECK_FALSE(check_publish("/", 0, 2));
  CHECK_FALSE(check_publish(levels(max_topic_levels), 0, 0));
  CHECK_FALSE(check_publish(std::string(65535, 'x'), 0, 0));
}

TEST_CASE("check_publish: what a network client could not send is refused", "[topic][broker][malformed]") {
  CHECK(check_publish("a", 0, 3) == errc::bad_qos);
  CHECK(check_publish("", 0, 0) == errc::bad_topic_name);
  CHECK(check_publish("a/+", 0, 0) == errc::bad_topic_name);
  CHECK(check_publish("a/#", 0, 1) == errc::bad_topic_name);
  CHECK(check_publish(std::string(65536, 'x'), 0, 0) == errc::bad_topic_name);  // 16-bit length field
  CHECK(check_publish("a\xff", 0, 0) == errc::bad_utf8);
  CHECK(check_publish(std::string("a\0b", 3), 0, 0) == errc::bad_utf8);
  CHECK(check_publish(levels(max_topic_levels + 1), 0, 0) == errc::too_many_topic_levels);
}

TEST_CASE("check_publish: the packet must fit the remaining length", "[topic][broker][malformed]") {
  // Remaining length = 2 (topic length) + topic + 2 (packet id, QoS > 0) + payload.
  const std::size_t qos0_room = max_remaining_length - 2 - 1;
  CHECK_FALSE(check_publish("t", qos0_room, 0));
  CHECK(check_publish("t", qos0_room + 1, 0) == errc::packet_too_large);
  CHECK_FALSE(check_publish("t", qos0_room - 2, 1));
  CHECK(check_publish("t", qos0_room - 1, 1) == errc::packet_too_large);
}
