// Session state: packet-id allocation around the in-flight window and the
// bounded queue behind it.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "hearth/mqtt/session.hpp"

using namespace hearth::mqtt;

namespace {

delivery qos1(std::string_view topic, std::string_view payload = "p") {
  return delivery{make_message(topic, payload, 1, false), 1, false};
}

}  // namespace

TEST_CASE("session allocates packet ids from 1, in order", "[session]") {
  session s("c", false);
  CHECK(s.start_flight(qos1("t")).packet_id == 1);
  CHECK(s.start_flight(qos1("t")).packet_id == 2);
  auto& f = s.start_flight(delivery{make_message("t", "p", 2, false), 2, false});
  CHECK(f.packet_id == 3);
  CHECK(f.state == flight_state::awaiting_pubrec);
  CHECK(s.inflight().front().state == flight_state::awaiting_puback);
  CHECK(s.inflight().size() == 3);
}

TEST_CASE("session packet ids wrap from 65535 to 1 and skip ids in flight", "[session]") {
  session s("c", false);
  // Id 1 stays in flight for the whole run.
  REQUIRE(s.start_flight(qos1("keep")).packet_id == 1);
  std::uint16_t last = 1;
  for (int i = 0; i < 65534; ++i) {  // ids 2..65535, each acknowledged at once
    auto id = s.start_flight(qos1("t")).packet_id;
    REQUIRE(id == static_cast<std::uint16_t>(last + 1));
    s.end_flight(id);
    last = id;
  }
  CHECK(last == 65535);
  // Next would be 1 after the wrap, but 1 is in flight; 0 is never used.
  CHECK(s.start_flight(qos1("t")).packet_id == 2);
  CHECK(s.start_flight(qos1("t")).packet_id == 3);
  REQUIRE(s.find_flight(1));
  CHECK(s.find_flight(1)->d.msg->topic == "keep");
  CHECK(s.find_flight(0) == nullptr);
}

TEST_CASE("session ids in flight are never handed out twice", "[session]") {
  session s("c", false);
  std::set<std::uint16_t> live;
  for (int i = 0; i < 10; ++i) live.insert(s.start_flight(qos1("t")).packet_id);
  // Free every other id, then take ten more: none may collide with a live one.
  for (std::uint16_t id = 2; id <= 10; id += 2) {
    s.end_flight(id);
    live.erase(id);
  }
  for (int i = 0; i < 10; ++i) {
    auto id = s.start_flight(qos1("t")).packet_id;
    CHECK(id != 0);
    CHECK(live.insert(id).second);
  }
  CHECK(s.inflight().size() == 15);
}

TEST_CASE("session end_flight removes one flight and keeps the order of the rest", "[session]") {
  session s("c", false);
  for (const char* t : {"a", "b", "c", "d"}) s.start_flight(qos1(t));
  s.end_flight(2);
  s.end_flight(99);  // unknown: nothing happens
  REQUIRE(s.inflight().size() == 3);
  CHECK(s.inflight()[0].d.msg->topic == "a");
  CHECK(s.inflight()[1].d.msg->topic == "c");
  CHECK(s.inflight()[2].d.msg->topic == "d");
  CHECK(s.find_flight(2) == nullptr);
}

TEST_CASE("session window_full follows max_inflight", "[session]") {
  session s("c", false);
  session_limits l;
  l.max_inflight = 2;
  CHECK_FALSE(s.window_full(l));
  s.start_flight(qos1("t"));
  CHECK_FALSE(s.window_full(l));
  s.start_flight(qos1("t"));
  CHECK(s.window_full(l));
  s.end_flight(1);
  CHECK_FALSE(s.window_full(l));
}

TEST_CASE("session queue overflows by count: drops counted, order kept", "[session]") {
  session s("c", false);
  session_limits l;
  l.max_queued_messages = 3;
  for (int i = 0; i < 5; ++i) {
    INFO("message " << i);
    CHECK(s.enqueue(qos1("t", std::to_string(i)), l) == (i < 3));
  }
  CHECK(s.queued_count() == 3);
  CHECK(s.dropped() == 2);
  CHECK(s.queued_bytes() == 3 * 2);  // topic + payload bytes
  CHECK(s.pop_queued().msg->payload == "0");
  CHECK(s.pop_queued().msg->payload == "1");
  // Room again for one.
  CHECK(s.enqueue(qos1("t", "5"), l));
  CHECK(s.pop_queued().msg->payload == "2");
  CHECK(s.pop_queued().msg->payload == "5");
  CHECK_FALSE(s.has_queued());
  CHECK(s.queued_bytes() == 0);
  CHECK(s.dropped() == 2);
}

TEST_CASE("session queue overflows by bytes", "[session]") {
  session s("c", false);
  session_limits l;
  l.max_queued_messages = 1000;
  l.max_queued_bytes = 25;
  CHECK(s.enqueue(qos1("topic", std::string(5, 'x')), l));   // 10 bytes
  CHECK(s.enqueue(qos1("topic", std::string(10, 'x')), l));  // 15 bytes, 25 in all: at the limit
  CHECK_FALSE(s.enqueue(qos1("t", ""), l));                  // 1 more byte is too many
  CHECK(s.queued_count() == 2);
  CHECK(s.queued_bytes() == 25);
  CHECK(s.dropped() == 1);
  // A message larger than the whole budget never fits, even when the queue is empty.
  s.pop_queued();
  s.pop_queued();
  CHECK_FALSE(s.enqueue(qos1("big", std::string(30, 'x')), l));
  CHECK(s.dropped() == 2);
  CHECK(s.queued_bytes() == 0);
}
