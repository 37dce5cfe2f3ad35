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

TEST_CASE("broker: an unsupported protocol level gets the MQTT 5 CONNACK 0x84 and the connection ends", "[broker]") {
  // Mosquitto's answer, which an MQTT 5 client understands: CONNACK with
  // flags 0, reason code 0x84 (unsupported protocol version) and an empty
  // property list. The codec does not decode it, so the bytes are compared.
  const auto v5_connack = bytes({0x20, 0x03, 0x00, 0x84, 0x00});
  for (auto [name, level] : {std::pair<const char*, int>{"MQTT", 3}, {"MQTT", 5}, {"MQIsdp", 4}, {"MQTT", 0}}) {
    INFO(name << " level " << level);
    harness h;
    connect_options o;
    o.protocol_name = name;
    o.level = static_cast<std::uint8_t>(level);
    auto& c = h.connect_raw("x", o);
    const auto sent = c.link->take_bytes();
    REQUIRE(sent.size() == 1);
    CHECK(hex(sent[0]) == hex(v5_connack));
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
  auto& c = h.connect("old-client", o);
  CHECK(h.broker.find_session("old-client"));
  CHECK(c.client->protocol_level == 3);
}

TEST_CASE("broker: MQTT 3.1 client ids longer than 23 characters are accepted", "[broker]") {
  // MQTT 3.1 capped ids at 23 characters; clients in the field send longer
  // ones, and Mosquitto accepts them.
  harness h;
  connect_options o;
  o.protocol_name = "MQIsdp";
  o.level = 3;
  for (std::size_t n : {23, 24, 100}) {
    INFO("client id of " << n << " characters");
    const std::string id(n, 'k');
    h.connect(id, o);
    CHECK(h.broker.find_session(id));
  }
}

TEST_CASE("broker: the CONNACK of MQTT 3.1 never has session present set", "[broker][session]") {
  // 3.1's CONNACK flags byte is reserved; the session is resumed all the same.
  harness h;
  connect_options o;
  o.protocol_name = "MQIsdp";
  o.level = 3;
  o.clean = false;
  auto& first = h.connect("old", o);
  h.subscribe(first, {{"t", 1}});
  h.take(first);
  h.drop(first);
  auto& pub = h.connect("pub");
  h.publish(pub, "t", "queued", 1);

  auto& back = h.connect("old", o, /*session_present=*/false);
  auto got = h.publishes(back);
  REQUIRE(got.size() == 1);
  CHECK(got[0].payload == "queued");
  CHECK(h.broker.find_session("old")->subscriptions.count("t") == 1);

  // The same resumption in MQTT 3.1.1 reports the session.
  connect_options v311;
  v311.clean = false;
  h.drop(back);
  h.connect("old", v311, /*session_present=*/true);
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

  SECTION("persistent session: the new connection resumes it, and the old will is discarded") {
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
    // The client is not gone, its session moved: no will (as Mosquitto).
    CHECK(h.publishes(watcher).empty());

    // The transport reports the old connection's end afterwards; the session
    // now belongs to the new one and keeps working.
    h.settle();
    CHECK(h.publishes(watcher).empty());
    CHECK(h.broker.session_count() == 2);
    h.publish(watcher, "cmd/dev", "on", 1);
    h.take(watcher);
    auto got = h.publishes(second);
    REQUIRE(got.size() == 1);
    CHECK(got[0].payload == "on");
    CHECK(h.broker.stats().clients_connected == 2);
    // Nor does the old will come back when the new connection is lost.
    h.drop(second);
    CHECK(h.publishes(watcher).empty());
  }

  SECTION("persistent session taken over with a clean session: the old will is published") {
    connect_options o;
    o.clean = false;
    o.will = will_message{"wills/dev", "gone", 1, false};
    auto& first = h.connect("dev", o);
    auto& second = h.connect("dev");  // clean: the session ends with the old connection
    REQUIRE(first.link->closed);
    CHECK(*first.link->closed == errc::session_taken_over);
    auto wills = h.publishes(watcher);
    REQUIRE(wills.size() == 1);
    CHECK(wills[0].topic == "wills/dev");
    CHECK(wills[0].payload == "gone");
    h.settle();
    CHECK(h.publishes(watcher).empty());  // once only
    CHECK_FALSE(second.link->closed);
  }

  SECTION("clean session: the new connection starts afresh, and the old will is published") {
    connect_options o;
    o.will = will_message{"wills/dev", "gone", 0, false};
    auto& first = h.connect("dev", o);
    h.subscribe(first, {{"cmd/dev", 1}});
    h.take(first);
    connect_options persistent;
    persistent.clean = false;
    auto& second = h.connect("dev", persistent);  // session present 0: the clean one ended
    REQUIRE(first.link->closed);
    CHECK(*first.link->closed == errc::session_taken_over);
    auto wills = h.publishes(watcher);
    REQUIRE(wills.size() == 1);
    CHECK(wills[0].payload == "gone");
    h.settle();
    CHECK(h.publishes(watcher).empty());
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
