// The agent's MQTT client state machine on byte vectors and fake time.
#include <catch2/catch.hpp>

#include "codec_support.hpp"
#include "hearth/agent/client_session.hpp"
#include "hearth/mqtt/client_codec.hpp"
#include "hearth/mqtt/codec.hpp"

using namespace hearth::agent;
using namespace hearth::mqtt;
using hearth::test::bytes;
using namespace std::chrono_literals;

namespace {

client_settings settings() {
  client_settings s;
  s.client_id = "hearth-agent-kitchen";
  s.keepalive = 30s;
  s.will = will_message{"home/kitchen/status", "offline", 1, true};
  s.max_inflight = 2;
  s.subscriptions = {{"home/kitchen/relay/+/set", 1}};
  return s;
}

std::vector<packet> packets(const std::string& out) {
  std::vector<packet> v;
  std::size_t used = 0;
  while (used < out.size()) {
    packet p;
    auto r = decode(std::string_view(out).substr(used), 1 << 20, p);
    REQUIRE(r.status == decode_status::ok);
    used += r.consumed;
    v.push_back(p);
  }
  return v;
}

const clock_type::time_point t0{std::chrono::hours(5)};

// A session that has sent CONNECT and received CONNACK.
client_session connected(client_settings s = settings()) {
  client_session c(std::move(s));
  c.on_transport_up(t0);
  c.take_output();
  c.on_bytes(bytes({0x20, 2, 0, 0}), t0);
  c.take_output();
  c.take_events();
  return c;
}

}  // namespace

TEST_CASE("client session: CONNECT carries the retained will; CONNACK brings SUBSCRIBE", "[agent][client]") {
  client_session c(settings());
  c.on_transport_up(t0);
  auto out = packets(c.take_output());
  REQUIRE(out.size() == 1);
  const auto& con = std::get<connect_packet>(out[0]);
  CHECK(con.client_id == "hearth-agent-kitchen");
  CHECK(con.keepalive == 30);
  REQUIRE(con.will);
  CHECK(con.will->topic == "home/kitchen/status");
  CHECK(con.will->retain);
  CHECK(con.will->qos == 1);
  // Nothing may be published before CONNACK.
  CHECK_FALSE(c.publish("home/kitchen/temperature", "{}", 1, false, t0));

  c.on_bytes(bytes({0x20, 2, 0}), t0);  // CONNACK in two pieces
  CHECK(c.take_events().empty());
  c.on_bytes(bytes({0}), t0);
  auto ev = c.take_events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].what == client_event::kind::connected);
  out = packets(c.take_output());
  REQUIRE(out.size() == 1);
  const auto& sub = std::get<subscribe_packet>(out[0]);
  CHECK(sub.topics[0].filter == "home/kitchen/relay/+/set");
  CHECK(sub.topics[0].qos == 1);
  c.on_bytes(bytes({0x90, 3, 0, static_cast<int>(sub.packet_id), 1}), t0);
  ev = c.take_events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].what == client_event::kind::subscribed);
}

TEST_CASE("client session: a refused CONNACK closes the transport", "[agent][client]") {
  client_session c(settings());
  c.on_transport_up(t0);
  c.on_bytes(bytes({0x20, 2, 0, 5}), t0);
  auto ev = c.take_events();
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].what == client_event::kind::refused);
  CHECK(ev[0].code == connack_code::not_authorized);
  CHECK(ev[1].what == client_event::kind::close_transport);
  CHECK(ev[1].error == client_errc::connection_refused);
}

TEST_CASE("client session: QoS 1 in-flight window, PUBACK, and DUP re-send after reconnect", "[agent][client]") {
  auto c = connected();
  auto a = c.publish("home/kitchen/temperature", "{\"a\":1}", 1, false, t0);
  auto b = c.publish("home/kitchen/temperature", "{\"a\":2}", 1, false, t0);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a != *b);
  CHECK(c.window_full());
  CHECK_FALSE(c.publish("home/kitchen/temperature", "{\"a\":3}", 1, false, t0));
  auto out = packets(c.take_output());
  REQUIRE(out.size() == 2);
  CHECK_FALSE(std::get<publish_packet>(out[0]).dup);

  c.on_bytes(bytes({0x40, 2, 0, static_cast<int>(*a)}), t0);
  auto ev = c.take_events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].what == client_event::kind::acknowledged);
  CHECK(ev[0].packet_id == *a);
  CHECK(c.inflight() == 1);
  // A second PUBACK for the same id is ignored.
  c.on_bytes(bytes({0x40, 2, 0, static_cast<int>(*a)}), t0);
  CHECK(c.take_events().empty());

  // The connection drops with b unacknowledged: after the next CONNACK, b is
  // re-sent with DUP and the same id, after the SUBSCRIBE.
  c.on_transport_down();
  CHECK_FALSE(c.publish("home/kitchen/temperature", "x", 1, false, t0));
  c.on_transport_up(t0 + 5s);
  c.take_output();
  c.on_bytes(bytes({0x20, 2, 1, 0}), t0 + 5s);
  out = packets(c.take_output());
  REQUIRE(out.size() == 2);
  CHECK(std::holds_alternative<subscribe_packet>(out[0]));
  const auto& again = std::get<publish_packet>(out[1]);
  CHECK(again.dup);
  CHECK(again.packet_id == *b);
  CHECK(again.payload == "{\"a\":2}");
  CHECK(c.resent() == 1);
  CHECK(std::get<subscribe_packet>(out[0]).packet_id != *b);
}

TEST_CASE("client session: messages from the server are delivered and acknowledged", "[agent][client]") {
  auto c = connected();
  std::string in;
  publish_packet p;
  p.qos = 1;
  p.packet_id = 77;
  p.topic = "home/kitchen/relay/light/set";
  p.payload = "on";
  encode(p, in);
  p.qos = 0;
  p.packet_id = 0;
  p.payload = "off";
  encode(p, in);
  c.on_bytes(in, t0);
  auto ev = c.take_events();
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].topic == "home/kitchen/relay/light/set");
  CHECK(ev[0].payload == "on");
  CHECK(ev[1].payload == "off");
  CHECK(c.take_output() == bytes({0x40, 2, 0, 77}));

  // QoS 2: PUBREC, delivered once even if re-sent before PUBREL, PUBCOMP.
  in.clear();
  p.qos = 2;
  p.packet_id = 9;
  p.payload = "toggle";
  encode(p, in);
  c.on_bytes(in, t0);
  p.dup = true;
  in.clear();
  encode(p, in);
  c.on_bytes(in, t0);
  CHECK(c.take_events().size() == 1);
  c.on_bytes(bytes({0x62, 2, 0, 9}), t0);
  CHECK(c.take_output() == bytes({0x50, 2, 0, 9, 0x50, 2, 0, 9, 0x70, 2, 0, 9}));
}

TEST_CASE("client session: keepalive pings, and a silent server is given up on", "[agent][client]") {
  auto c = connected();
  c.tick(t0 + 29s);
  CHECK(c.take_output().empty());
  c.tick(t0 + 30s);
  CHECK(c.take_output() == bytes({0xc0, 0}));
  c.on_bytes(bytes({0xd0, 0}), t0 + 31s);
  c.tick(t0 + 59s);
  CHECK(c.take_events().empty());
  c.tick(t0 + 60s);
  CHECK(c.take_output() == bytes({0xc0, 0}));
  c.tick(t0 + 89s);
  CHECK(c.take_events().empty());
  c.tick(t0 + 90s);
  auto ev = c.take_events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].what == client_event::kind::close_transport);
  CHECK(ev[0].error == errc::keepalive_timeout);
}

TEST_CASE("client session: no CONNACK in time closes the transport", "[agent][client]") {
  client_session c(settings());
  c.on_transport_up(t0);
  c.tick(t0 + 9s);
  CHECK(c.take_events().empty());
  c.tick(t0 + 10s);
  auto ev = c.take_events();
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].error == errc::connect_timeout);
}

TEST_CASE("client session: protocol violations by the server close the transport", "[agent][client][malformed]") {
  SECTION("a PUBLISH before CONNACK") {
    client_session c(settings());
    c.on_transport_up(t0);
    c.on_bytes(bytes({0x30, 3, 0, 1, 'a'}), t0);
    auto ev = c.take_events();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].what == client_event::kind::close_transport);
  }
  SECTION("a SUBSCRIBE from the server") {
    auto c = connected();
    c.on_bytes(bytes({0x82, 6, 0, 1, 0, 1, 'a', 0}), t0);
    auto ev = c.take_events();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].error == client_errc::server_sent_client_packet);
  }
  SECTION("a second CONNACK") {
    auto c = connected();
    c.on_bytes(bytes({0x20, 2, 0, 0}), t0);
    REQUIRE(c.take_events().size() == 1);
    CHECK(c.state() == client_state::closing);
  }
  SECTION("a PUBREC for a QoS 2 publish we never made") {
    auto c = connected();
    c.on_bytes(bytes({0x50, 2, 0, 1}), t0);
    REQUIRE(c.take_events().size() == 1);
  }
  SECTION("garbage") {
    auto c = connected();
    c.on_bytes(bytes({0xf0, 0}), t0);
    auto ev = c.take_events();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].error == errc::bad_packet_type);
    c.on_bytes(bytes({0x40, 2, 0, 1}), t0);  // ignored once closing
    CHECK(c.take_events().empty());
  }
}

TEST_CASE("client session: a graceful disconnect sends DISCONNECT", "[agent][client]") {
  auto c = connected();
  c.disconnect();
  CHECK(c.take_output() == bytes({0xe0, 0}));
  CHECK(c.take_events().size() == 1);
}
