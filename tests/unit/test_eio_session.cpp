// The Engine.IO session state machine with fake time: heartbeats, the
// upgrade, the bounded queue, polling answers and closing.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "hearth/web/eio_session.hpp"

using namespace hearth::web::eio;
using namespace std::chrono_literals;

namespace {

session_settings fast() {
  session_settings s;
  s.ping_interval = 300ms;
  s.ping_timeout = 200ms;
  s.max_payload = 1000;
  s.max_queued_messages = 3;
  s.max_queued_bytes = 100;
  s.close_grace = 1000ms;
  return s;
}

const clock::time_point t0{};

packet pk(packet_type t, std::string d = {}) { return packet{t, false, std::move(d)}; }

std::vector<message> msgs(std::initializer_list<const char*> texts) {
  std::vector<message> out;
  for (const char* t : texts) out.push_back(message{false, t});
  return out;
}

}  // namespace

TEST_CASE("eio session open data names the sid, upgrades and limits", "[eio][session]") {
  session polling("abc", transport::polling, fast(), t0);
  CHECK(polling.open_data() ==
        R"({"sid":"abc","upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000})");
  session ws("abc", transport::websocket, fast(), t0);
  CHECK(ws.open_data().find(R"("upgrades":[])") != std::string::npos);
}

TEST_CASE("eio session pings after the interval and times out without a pong", "[eio][session]") {
  session s("a", transport::polling, fast(), t0);
  CHECK(s.next_deadline() == t0 + 300ms);
  auto r = s.on_timer(t0 + 299ms);
  CHECK_FALSE(r.ping_queued);
  CHECK_FALSE(s.poll_answer());  // nothing to say yet: the poll waits

  r = s.on_timer(t0 + 300ms);
  CHECK(r.ping_queued);
  CHECK(s.poll_answer() == std::optional<std::string>("2"));
  CHECK(s.next_deadline() == t0 + 500ms);

  // A pong rearms the ping one interval later.
  s.on_packet(pk(packet_type::pong), source::transport, t0 + 350ms);
  CHECK(s.next_deadline() == t0 + 650ms);
  CHECK_FALSE(s.on_timer(t0 + 500ms).close);

  r = s.on_timer(t0 + 650ms);
  CHECK(r.ping_queued);
  r = s.on_timer(t0 + 849ms);
  CHECK_FALSE(r.close);
  r = s.on_timer(t0 + 850ms);
  REQUIRE(r.close);
  CHECK(*r.close == close_reason::ping_timeout);
}

TEST_CASE("eio session delivers messages and ends on a client close", "[eio][session]") {
  session s("a", transport::polling, fast(), t0);
  auto r = s.on_packet(packet{packet_type::message, true, "\x01\x02"}, source::transport, t0);
  REQUIRE(r.deliver);
  CHECK(r.deliver->binary);
  CHECK(r.deliver->data == "\x01\x02");
  CHECK_FALSE(r.close);
  r = s.on_packet(pk(packet_type::noop), source::transport, t0);
  CHECK_FALSE(r.deliver);
  CHECK_FALSE(r.close);
  r = s.on_packet(pk(packet_type::close), source::transport, t0);
  REQUIRE(r.close);
  CHECK(*r.close == close_reason::transport_close);
}

TEST_CASE("eio session refuses a ping from the client (v4 heartbeats are server-driven)", "[eio][session][malformed]") {
  session s("a", transport::websocket, fast(), t0);
  auto r = s.on_packet(pk(packet_type::ping), source::transport, t0);
  REQUIRE(r.close);
  CHECK(*r.close == close_reason::transport_error);
}

TEST_CASE("eio session joins queued messages into one poll answer", "[eio][session]") {
  session s("a", transport::polling, fast(), t0);
  REQUIRE(s.enqueue(msgs({"test1", "test2"})));
  REQUIRE(s.enqueue({message{true, "\x01\x02\x03\x04"}}));
  CHECK(s.has_output());
  CHECK(s.poll_answer() == std::optional<std::string>("4test1\x1e" "4test2\x1e" "bAQIDBA=="));
  CHECK_FALSE(s.has_output());
  CHECK(s.queued_bytes() == 0);
}

TEST_CASE("eio session queue is bounded by count and bytes, all or nothing", "[eio][session]") {
  session s("a", transport::polling, fast(), t0);
  REQUIRE(s.enqueue(msgs({"a", "b"})));
  CHECK_FALSE(s.enqueue(msgs({"c", "d"})));  // 4 > 3 messages: none queued
  CHECK(s.enqueue(msgs({"c"})));
  CHECK_FALSE(s.enqueue(msgs({"e"})));
  CHECK(s.poll_answer() == std::optional<std::string>("4a\x1e" "4b\x1e" "4c"));

  CHECK_FALSE(s.enqueue({message{false, std::string(99, 'x')}}));  // 101 bytes on the wire > 100
  CHECK(s.enqueue({message{false, std::string(98, 'x')}}));
  CHECK(s.queued_bytes() == 100);
  // Control packets are not counted against the bound.
  CHECK(s.on_timer(t0 + 300ms).ping_queued);
  CHECK(s.poll_answer()->back() == '2');
}

TEST_CASE("eio session upgrade: probe, noop to the poll, then the WebSocket", "[eio][session]") {
  session s("a", transport::polling, fast(), t0);
  REQUIRE(s.attach_probe());
  CHECK_FALSE(s.attach_probe());  // one probe at a time
  CHECK_FALSE(s.poll_answer());   // not answered before the probe ping

  auto r = s.on_packet(pk(packet_type::ping, "probe"), source::probe, t0);
  CHECK(r.probe_pong);
  CHECK(s.poll_answer() == std::optional<std::string>("6"));  // lets the client pause polling

  REQUIRE(s.enqueue(msgs({"late"})));
  r = s.on_packet(pk(packet_type::upgrade), source::probe, t0);
  CHECK(r.upgraded);
  CHECK(s.current() == transport::websocket);
  auto out = s.take_packets();
  REQUIRE(out.size() == 1);
  CHECK(out[0].data == "late");
  CHECK_FALSE(s.attach_probe());  // already upgraded
}

TEST_CASE("eio session aborts an upgrade on anything else from the probe", "[eio][session][malformed]") {
  session s("a", transport::polling, fast(), t0);
  REQUIRE(s.attach_probe());
  auto r = s.on_packet(pk(packet_type::message, "x"), source::probe, t0);
  CHECK(r.abort_probe);
  CHECK_FALSE(r.deliver);
  CHECK(s.current() == transport::polling);
  CHECK_FALSE(s.probing());
  // The upgrade may be tried again.
  CHECK(s.attach_probe());
  s.detach_probe();
  CHECK_FALSE(s.probing());
}

TEST_CASE("eio session server close: queued messages, then the close packet", "[eio][session]") {
  session s("a", transport::polling, fast(), t0);
  REQUIRE(s.enqueue(msgs({"bye"})));
  s.begin_close(t0 + 10ms);
  CHECK(s.closing());
  CHECK_FALSE(s.enqueue(msgs({"more"})));
  CHECK(s.poll_answer() == std::optional<std::string>("4bye\x1e" "1"));
  CHECK(s.finished());
  CHECK_FALSE(s.poll_answer());

  session w("b", transport::websocket, fast(), t0);
  w.begin_close(t0);
  auto out = w.take_packets();
  REQUIRE(out.size() == 1);
  CHECK(out[0].type == packet_type::close);
  CHECK(w.finished());

  // A client that never polls again: the grace period ends it.
  session g("c", transport::polling, fast(), t0);
  g.begin_close(t0);
  CHECK(g.next_deadline() == t0 + 1000ms);
  CHECK_FALSE(g.on_timer(t0 + 999ms).close);
  CHECK(g.on_timer(t0 + 1000ms).close);
  // Nothing from the client counts once closing.
  CHECK_FALSE(g.on_packet(pk(packet_type::message, "x"), source::transport, t0).deliver);
}

TEST_CASE("eio session: a poll long after an undelivered ping finds the client gone", "[eio][session]") {
  session s("a", transport::polling, fast(), t0);
  REQUIRE(s.on_timer(t0 + 300ms).ping_queued);
  CHECK_FALSE(s.presumed_gone(t0 + 479ms));
  CHECK(s.presumed_gone(t0 + 480ms));  // 90% of the 200 ms pingTimeout
  // Delivered in time (a poll was waiting): the client gets its full timeout.
  session d("b", transport::polling, fast(), t0);
  REQUIRE(d.on_timer(t0 + 300ms).ping_queued);
  CHECK(d.poll_answer() == std::optional<std::string>("2"));
  CHECK_FALSE(d.presumed_gone(t0 + 499ms));
}
