// CONNECT and CONNACK (MQTT 3.1.1 sections 3.1 and 3.2).
#include "catch_support.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using hearth::test::bytes;
using hearth::test::decode_one;
using hearth::test::field;
using hearth::test::frame;

namespace {

// A CONNECT with every optional part present.
const std::string full_connect = bytes({
    0x10, 0x21,                        // CONNECT, remaining length 33
    0x00, 0x04, 'M',  'Q',  'T', 'T',  // protocol name
    0x04,                              // protocol level 4 (3.1.1)
    0xee,                              // flags: user, password, will retain, will QoS 1, will, clean
    0x00, 0x3c,                        // keepalive 60 s
    0x00, 0x03, 'c',  'i',  'd',       // client id "cid"
    0x00, 0x03, 'w',  '/',  't',       // will topic "w/t"
    0x00, 0x02, 'b',  'y',             // will payload "by"
    0x00, 0x02, 'u',  's',             // user name "us"
    0x00, 0x03, 0x00, 0xff, 'p',       // password: binary, may hold 0x00 and 0xff
});

const std::string minimal_connect = bytes({
    0x10, 0x10,                      // CONNECT, remaining length 16
    0x00, 0x04, 'M', 'Q', 'T', 'T',  // protocol name
    0x04,                            // protocol level 4
    0x02,                            // flags: clean session
    0x00, 0x00,                      // keepalive off
    0x00, 0x04, 'c', 'l', 'i', '1',  // client id "cli1"
});

// A CONNECT body from its parts, for the tables below.
std::string connect_with(std::uint8_t flags, const std::string& payload, std::string_view name = "MQTT",
                         std::uint8_t level = 4) {
  std::string body = field(name);
  body.push_back(static_cast<char>(level));
  body.push_back(static_cast<char>(flags));
  body += bytes({0x00, 0x0a});  // keepalive 10
  return frame(0x10, body + payload);
}

}  // namespace

TEST_CASE("CONNECT with every field decodes", "[codec]") {
  auto d = decode_one(full_connect);
  REQUIRE(d.ok());
  CHECK(d.result.consumed == full_connect.size());
  const auto& p = std::get<connect_packet>(d.packet);
  CHECK(p.protocol_name == "MQTT");
  CHECK(p.protocol_level == 4);
  CHECK(p.clean_session);
  CHECK(p.keepalive == 60);
  CHECK(p.client_id == "cid");
  REQUIRE(p.will);
  CHECK(p.will->topic == "w/t");
  CHECK(p.will->payload == "by");
  CHECK(p.will->qos == 1);
  CHECK(p.will->retain);
  CHECK(p.username == std::optional<std::string>("us"));
  CHECK(p.password == std::optional<std::string>(bytes({0x00, 0xff, 'p'})));
}

TEST_CASE("minimal CONNECT decodes with no will and no credentials", "[codec]") {
  auto d = decode_one(minimal_connect);
  REQUIRE(d.ok());
  const auto& p = std::get<connect_packet>(d.packet);
  CHECK(p.client_id == "cli1");
  CHECK(p.clean_session);
  CHECK(p.keepalive == 0);
  CHECK_FALSE(p.will);
  CHECK_FALSE(p.username);
  CHECK_FALSE(p.password);
}

TEST_CASE("CONNECT of MQTT 3.1 (MQIsdp, level 3) is accepted", "[codec]") {
  const auto wire = bytes({
      0x10, 0x12,                                // CONNECT, remaining length 18
      0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p',  // protocol name of 3.1
      0x03,                                      // level 3
      0x00,                                      // flags: persistent session
      0x00, 0x05,                                // keepalive 5
      0x00, 0x04, 'o', 'l', 'd', '1',            // client id
  });
  auto d = decode_one(wire);
  REQUIRE(d.ok());
  const auto& p = std::get<connect_packet>(d.packet);
  CHECK(p.protocol_name == "MQIsdp");
  CHECK(p.protocol_level == 3);
  CHECK_FALSE(p.clean_session);
  CHECK(p.keepalive == 5);
  CHECK(p.client_id == "old1");
}

TEST_CASE("CONNECT with an unsupported level is returned as decoded, for the broker to refuse", "[codec]") {
  // The broker, not the codec, answers an unknown level (with the MQTT 5
  // CONNACK 0x84); the rest of the packet may be another version's layout.
  for (auto [name, level] : {std::pair<std::string_view, int>{"MQTT", 3}, {"MQTT", 5}, {"MQIsdp", 4}, {"MQTT", 0}}) {
    INFO(name << " level " << level);
    auto wire = connect_with(0x02, bytes({0x00, 0x00, 0x01}) /* MQTT 5: empty properties */ + field("x"), name,
                             static_cast<std::uint8_t>(level));
    auto d = decode_one(wire);
    REQUIRE(d.ok());
    const auto& p = std::get<connect_packet>(d.packet);
    CHECK(p.protocol_name == name);
    CHECK(p.protocol_level == level);
  }
}

TEST_CASE("MQTT 3.1 CONNECT ignores its fixed-header flags and the reserved connect flag", "[codec]") {
  // 3.1 defines neither; Mosquitto ignores both there. Everything else is
  // decoded as usual.
  for (int header_flags : {0x0, 0x1, 0x2, 0x8, 0xf}) {
    for (int connect_flags : {0x00, 0x01, 0x03, 0xef}) {
      INFO("header flags " << header_flags << " connect flags " << connect_flags);
      std::string payload = field("old1");
      if (connect_flags & 0x04) payload += field("w/t") + field("bye");
      if (connect_flags & 0x80) payload += field("us");
      if (connect_flags & 0x40) payload += field("pw");
      std::string wire = connect_with(static_cast<std::uint8_t>(connect_flags), payload, "MQIsdp", 3);
      wire[0] = static_cast<char>(0x10 | header_flags);
      auto d = decode_one(wire);
      REQUIRE(d.result.error == std::error_code{});
      const auto& p = std::get<connect_packet>(d.packet);
      CHECK(p.protocol_name == "MQIsdp");
      CHECK(p.protocol_level == 3);
      CHECK(p.client_id == "old1");
      CHECK(p.clean_session == bool(connect_flags & 0x02));
      CHECK(p.will.has_value() == bool(connect_flags & 0x04));
      CHECK(p.username.has_value() == bool(connect_flags & 0x80));
      CHECK(p.password.has_value() == bool(connect_flags & 0x40));
    }
  }
  // The other connect flags are checked as in 3.1.1.
  CHECK(decode_one(connect_with(0x0a, field("id"), "MQIsdp", 3)).result.error == errc::bad_connect_flags);
  CHECK(decode_one(connect_with(0x42, field("id") + field("pw"), "MQIsdp", 3)).result.error == errc::bad_connect_flags);
}

TEST_CASE("CONNACK decodes session present and every return code", "[codec]") {
  const auto wire = bytes({
      0x20, 0x02,  // CONNACK, remaining length 2
      0x01,        // session present
      0x00,        // accepted
  });
  auto d = decode_one(wire);
  REQUIRE(d.ok());
  CHECK(std::get<connack_packet>(d.packet).session_present);
  CHECK(std::get<connack_packet>(d.packet).code == connack_code::accepted);
  for (int rc = 1; rc <= 5; ++rc) {
    auto r = decode_one(bytes({0x20, 0x02, 0x00, rc}));
    REQUIRE(r.ok());
    CHECK(static_cast<int>(std::get<connack_packet>(r.packet).code) == rc);
  }
}

TEST_CASE("CONNECT and CONNACK round-trip", "[codec]") {
  connect_packet c;
  c.protocol_name = "MQTT";
  c.client_id = "round";
  c.keepalive = 65535;
  c.clean_session = false;
  test::check_round_trip(c);
  c.will = will_message{"a/b", bytes({0x00, 0x01, 0xfe}), 2, true};
  c.username = "user";
  c.password = "";
  test::check_round_trip(c);
  c.will->qos = 0;
  c.will->retain = false;
  c.password.reset();
  test::check_round_trip(c);

  connect_packet old;
  old.protocol_name = "MQIsdp";
  old.protocol_level = 3;
  old.client_id = "x";
  test::check_round_trip(old);

  test::check_round_trip(connack_packet{true, connack_code::accepted});
  test::check_round_trip(connack_packet{false, connack_code::not_authorized});
  CHECK(test::encoded(connack_packet{false, connack_code::bad_username_or_password}) ==
        bytes({0x20, 0x02, 0x00, 0x04}));
}

TEST_CASE("malformed CONNECT and CONNACK are refused", "[codec][malformed]") {
  SECTION("truncated at every byte") {
    test::check_every_prefix_needs_more(full_connect);
    test::check_every_prefix_needs_more(minimal_connect);
    test::check_every_body_cut(full_connect);
    test::check_every_body_cut(minimal_connect);
    test::check_every_prefix_needs_more(bytes({0x20, 0x02, 0x00, 0x00}));
    test::check_every_body_cut(bytes({0x20, 0x02, 0x00, 0x00}));
  }

  SECTION("unknown protocol name") {
    for (std::string_view name : {"MQTX", "mqtt", "", "MQIsdp3", "MQT"}) {
      INFO("name '" << name << "'");
      CHECK(decode_one(connect_with(0x02, field("id"), name)).result.error == errc::bad_protocol_name);
    }
  }

  SECTION("reserved flag bit") {
    CHECK(decode_one(connect_with(0x03, field("id"))).result.error == errc::bad_connect_flags);
  }

  SECTION("fixed-header flags in MQTT 3.1.1") {
    for (int flags = 1; flags < 16; ++flags) {
      INFO("flags " << flags);
      std::string wire = connect_with(0x02, field("id"));
      wire[0] = static_cast<char>(0x10 | flags);
      auto d = decode_one(wire);
      CHECK(d.result.status == decode_status::error);
      CHECK(d.result.error == errc::bad_fixed_header_flags);
    }
  }

  SECTION("a will topic deeper than max_topic_levels") {
    std::string topic = "w";
    for (std::size_t i = 1; i < max_topic_levels; ++i) topic += "/w";
    CHECK(decode_one(connect_with(0x06, field("id") + field(topic) + field("p"))).ok());
    topic += "/w";
    CHECK(decode_one(connect_with(0x06, field("id") + field(topic) + field("p"))).result.error ==
          errc::too_many_topic_levels);
  }

  SECTION("will QoS and will retain without the will flag") {
    CHECK(decode_one(connect_with(0x0a, field("id"))).result.error == errc::bad_connect_flags);  // QoS 1
    CHECK(decode_one(connect_with(0x12, field("id"))).result.error == errc::bad_connect_flags);  // QoS 2
    CHECK(decode_one(connect_with(0x22, field("id"))).result.error == errc::bad_connect_flags);  // retain
  }

  SECTION("will QoS 3") {
    const auto payload = field("id") + field("w") + field("p");
    CHECK(decode_one(connect_with(0x1e, payload)).result.error == errc::bad_qos);
  }

  SECTION("password without user name") {
    CHECK(decode_one(connect_with(0x42, field("id") + field("pw"))).result.error == errc::bad_connect_flags);
  }

  SECTION("will topic with wildcards or empty") {
    for (std::string_view topic : {"a/#", "+", "a/+/b", ""}) {
      INFO("will topic '" << topic << "'");
      auto wire = connect_with(0x06, field("id") + field(topic) + field("p"));
      CHECK(decode_one(wire).result.error == errc::bad_topic_name);
    }
  }

  SECTION("bad UTF-8 in the client id, will topic and user name") {
    const std::string bad[] = {
        bytes({0xc0, 0x80}),              // overlong U+0000
        bytes({0xe0, 0x80, 0xaf}),        // overlong '/'
        bytes({0xed, 0xa0, 0x80}),        // surrogate U+D800
        bytes({'a', 0x00, 'b'}),          // U+0000
        bytes({0xff}),                    // never valid in UTF-8
        bytes({'a', 0xe2, 0x82}),         // truncated sequence
        bytes({0xf4, 0x90, 0x80, 0x80}),  // above U+10FFFF
        bytes({'a', 0x1b}),               // U+001B, a control character
        bytes({0xc2, 0x85}),              // U+0085, a C1 control character
        bytes({0xef, 0xbf, 0xbe}),        // U+FFFE, a non-character
    };
    for (const auto& s : bad) {
      INFO("string " << test::hex(s));
      CHECK(decode_one(connect_with(0x02, field(s))).result.error == errc::bad_utf8);
      CHECK(decode_one(connect_with(0x06, field("id") + field(s) + field("p"))).result.error == errc::bad_utf8);
      CHECK(decode_one(connect_with(0x82, field("id") + field(s))).result.error == errc::bad_utf8);
    }
    // The password is binary data and the will payload is not a string.
    CHECK(decode_one(connect_with(0xc2, field("id") + field("u") + field(bytes({0xff, 0x00})))).ok());
    CHECK(decode_one(connect_with(0x06, field("id") + field("w") + field(bytes({0xff, 0x00})))).ok());
  }

  SECTION("trailing bytes") {
    CHECK(decode_one(connect_with(0x02, field("id") + bytes({0x00}))).result.error == errc::trailing_bytes);
    CHECK(decode_one(bytes({0x20, 0x03, 0x00, 0x00, 0x00})).result.error == errc::trailing_bytes);
  }

  SECTION("CONNACK with reserved flags or an unknown return code") {
    CHECK(decode_one(bytes({0x20, 0x02, 0x02, 0x00})).result.status == decode_status::error);
    CHECK(decode_one(bytes({0x20, 0x02, 0x00, 0x06})).result.status == decode_status::error);
  }
}
