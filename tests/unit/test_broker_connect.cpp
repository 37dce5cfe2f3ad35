// The broker's CONNECT gate (MQTT 3.1.1 section 3.1 and 4.8): return codes,
// client identifiers, takeover, and what happens to packets around it.
#include "broker_harness.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using namespace hearth::test;

TEST_CASE("broker: CONNECT is answered with CONNACK 0 and the keepalive goes to the link", "[broker]") {
  harness h;
  connect_options o;
  o.keepalive = 45;
  auto& c = h.connect("alpha", o);
  CHECK(c.link->keepalive == std::optional<std::uint16_t>(45));
  CHECK(h.broker.session_count() == 1);
  REQUIRE(h.broker.find_session("alpha"));
  CHECK(h.broker.stats().clients_connected == 1);
  CHECK(h.broker.stats().connections_total == 1);

  h.send(c, empty_packet{packet_type::pingreq});
  CHECK(only<empty_packet>(h.take(c)).type == packet_type::pingresp);
}

TEST_CASE("broker: an unsupported protocol level gets CONNACK 1 and the connection ends", "[broker]") {
  for (auto [name, level] : {std::pair<const char*, int>{"MQTT", 3}, {"MQTT", 5}, {"MQIsdp", 4}}) {
    INFO(name << " level " << level);
    harness h;
    connect_options o;
    o.protocol_name = name;
    o.level = static_cast<std::uint8_t>(level);
    auto& c = h.connect_raw("x", o);
    auto ack = only<connack_packet>(c.link->take());
    CHECK(ack.code == connack_code::unacceptable_protocol_version);
    CHECK_FALSE(ack.session_present);
    CHECK(c.link->closed);
    CHECK_FALSE(c.link->keepalive);
    h.settle();
    CHECK(h.broker.session_count() == 0);
    CHECK(h.broker.stats().clients_connected == 0);
  }
}

TEST_CASE("broker: MQTT 3.1 (MQIsdp level 3) is accepted", "[broker]") {
  harness h;
  connect_options o;
  o.protocol_name = "MQIsdp";
  o.level = 3;
  h.connect("old-client", o);
  CHECK(h.broker.find_session("old-client"));
}

TEST_CASE("broker: a zero-length client id", "[broker]") {
  harness h;
  SECTION("with a clean session gets an id assigned, a different one per client") {
    auto& a = h.connect("");
    auto& b = h.connect("");
    CHECK(h.broker.session_count() == 2);
    CHECK(h.broker.find_session("") == nullptr);
    CHECK_FALSE(a.client->client_id.empty());
    CHECK_FALSE(b.client->client_id.empty());
    CHECK(a.client->client_id != b.client->client_id);
  }
  SECTION("with a persistent session is refused with CONNACK 2") {
    connect_options o;
    o.clean = false;
    auto& c = h.connect_raw("", o);
    CHECK(only<connack_packet>(c.link->take()).code == connack_code::identifier_rejected);
    CHECK(c.link->closed);
    CHECK(h.broker.session_count() == 0);
  }
  SECTION("in MQTT 3.1 is refused with CONNACK 2") {
    connect_options o;
    o.protocol_name = "MQIsdp";
    o.level = 3;
    auto& c = h.connect_raw("", o);
    CHECK(only<connack_packet>(c.link->take()).code == connack_code::identifier_rejected);
    CHECK(c.link->closed);
  }
}

TEST_CASE("broker: the authenticator's verdict is the CONNACK code", "[broker]") {
  harness h;
  h.broker.set_authenticator([](const connect_packet& p, std::string_view) {
    if (!p.username) return connack_code::not_authorized;
    if (*p.username == "down") return connack_code::server_unavailable;
    if (p.password != std::optional<std::string>("secret")) return connack_code::bad_username_or_password;
    return connack_code::accepted;
  });
  const std::pair<std::optional<std::string>, connack_code> cases[] = {
      {std::nullopt, connack_code::not_authorized},
      {"down", connack_code::server_unavailable},
      {"user", connack_code::bad_username_or_password},
  };
  for (const auto& [user, code] : cases) {
    connect_options o;
    o.username = user;
    auto& c = h.connect_raw("c", o);
    auto ack = only<connack_packet>(c.link->take());
    CHECK(ack.code == code);
    CHECK(c.link->closed);
  }
  h.settle();
  CHECK(h.broker.session_count() == 0);
  connect_options good;
  good.username = "user";
  good.password = "secret";
  h.connect("c", good);
  CHECK(h.broker.session_count() == 1);
}

TEST_CASE("broker: a second CONNECT is a protocol violation", "[broker]") {
  harness h;
  auto& c = h.connect("twice");
  connect_packet again;
  again.protocol_name = "MQTT";
  again.client_id = "twice";
  h.send(c, again);
  CHECK(c.link->take().empty());  // no second CONNACK
  REQUIRE(c.link->closed);
  CHECK(*c.link->closed == errc::second_connect);
  CHECK(h.broker.stats().protocol_errors == 1);
  h.settle();
  CHECK(h.broker.session_count() == 0);
}

TEST_CASE("broker: the first packet must be CONNECT", "[broker]") {
  const packet firsts[] = {
      publish_packet{false, 0, false, "t", 0, "x"}, subscribe_packet{1, {{"t", 0}}},
      empty_packet{packet_type::pingreq},           empty_packet{packet_type::disconnect},
      ack_packet{packet_type::puback, 1},
  };
  for (const auto& first : firsts) {
    INFO(describe(first));
    harness h;
    auto& c = h.open();
    h.send(c, first);
    CHECK(c.link->take().empty());
    REQUIRE(c.link->closed);
    CHECK(*c.link->closed == errc::first_packet_not_connect);
    // Whatever the transport had already decoded is ignored.
    h.send(c, empty_packet{packet_type::pingreq});
    CHECK(c.link->take().empty());
    h.settle();
    CHECK(h.broker.session_count() == 0);
  }
}

TEST_CASE("broker: packets only a server sends close the connection", "[broker]") {
  const packet server_only[] = {
      connack_packet{false, connack_code::accepted},
      suback_packet{1, {0}},
      ack_packet{packet_type::unsuback, 1},
      empty_packet{packet_type::pingresp},
  };
  for (const auto& p : server_only) {
    INFO(describe(p));
    harness h;
    auto& c = h.connect("c");
    h.send(c, p);
    REQUIRE(c.link->closed);
    CHECK(*c.link->closed == errc::server_only_packet);
  }
}

TEST_CASE("broker: a codec error reported by the transport closes the connection", "[broker]") {
  harness h;
  auto& c = h.connect("c");
  h.broker.on_protocol_error(*c.client, errc::bad_utf8);
  REQUIRE(c.link->closed);
  CHECK(*c.link->closed == errc::bad_utf8);
  CHECK(h.broker.stats().protocol_errors == 1);
  CHECK_THAT(h.log_text, Catch::Matchers::Contains("malformed UTF-8"));
  h.settle();
  CHECK(h.broker.stats().clients_connected == 0);
}

TEST_CASE("broker: DISCONNECT ends the connection without an error", "[broker]") {
  harness h;
  auto& c = h.connect("c");
  h.send(c, empty_packet{packet_type::disconnect});
  REQUIRE(c.link->closed);
  CHECK_FALSE(*c.link->closed);
  h.settle();
  CHECK(h.broker.session_count() == 0);  // a clean session ends with its connection
  CHECK(h.broker.stats().clients_connected == 0);
}

TEST_CASE("broker: a second connection with the same client id takes the session over", "[broker]") {
  harness h;
  auto& watcher = h.connect("watcher");
  h.subscribe(watcher, {{"wills/#", 1}});
  h.take(watcher);

  SECTION("persistent session: the new connection resumes it") {
    connect_options o;
    o.clean = false;
    o.will = will_message{"wills/dev", "gone", 1, false};
    auto& first = h.connect("dev", o);
    h.subscribe(first, {{"cmd/dev", 1}});
    h.take(first);

    connect_options again;  // the same session, without a will this time
    again.clean = false;
    auto& second = h.connect("dev", again, /*session_present=*/true);
    REQUIRE(first.link->closed);
    CHECK(*first.link->closed == errc::session_taken_over);
    // The old connection ended ungracefully: its will goes out.
    auto wills = h.publishes(watcher);
    REQUIRE(wills.size() == 1);
    CHECK(wills[0].topic == "wills/dev");
    CHECK(wills[0].payload == "gone");

    // The transport reports the old connection's end afterwards; the session
    // now belongs to the new one and keeps working.
    h.settle();
    CHECK(h.broker.session_count() == 2);
    h.publish(watcher, "cmd/dev", "on", 1);
    h.take(watcher);
    auto got = h.publishes(second);
    REQUIRE(got.size() == 1);
    CHECK(got[0].payload == "on");
    CHECK(h.broker.stats().clients_connected == 2);
  }

  SECTION("clean session: the new connection starts afresh") {
    auto& first = h.connect("dev");
    h.subscribe(first, {{"cmd/dev", 1}});
    h.take(first);
    auto& second = h.connect("dev");  // session present 0
    REQUIRE(first.link->closed);
    CHECK(*first.link->closed == errc::session_taken_over);
    h.settle();
    h.publish(watcher, "cmd/dev", "on", 1);
    CHECK(h.publishes(second).empty());  // the old subscription went with the old session
    REQUIRE(h.broker.find_session("dev"));
    CHECK(h.broker.find_session("dev")->subscriptions.empty());
  }
}

TEST_CASE("broker: a connection that ends before CONNECT leaves nothing behind", "[broker]") {
  harness h;
  auto& c = h.open();
  h.drop(c, make_error_code(errc::connect_timeout));
  CHECK(h.broker.session_count() == 0);
  CHECK(h.broker.stats().clients_connected == 0);
  CHECK(h.broker.stats().connections_total == 1);
  auto& d = h.connect("d");
  CHECK(h.broker.stats().clients_connected == 1);
  (void)d;
}
