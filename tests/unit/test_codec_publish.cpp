// PUBLISH (MQTT 3.1.1 section 3.3) and the per-subscriber header encoder.
#include "catch_support.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using hearth::test::bytes;
using hearth::test::decode_one;
using hearth::test::field;
using hearth::test::frame;

namespace {

const std::string publish_qos1 = bytes({
    0x3b, 0x0b,                 // PUBLISH, DUP, QoS 1, RETAIN; remaining length 11
    0x00, 0x03, 'a', '/', 'b',  // topic "a/b"
    0x12, 0x34,                 // packet id 0x1234
    'h', 'e', 'y', 0x00,        // payload: any bytes
});

const std::string publish_qos0 = bytes({
    0x30, 0x07,                 // PUBLISH, QoS 0; remaining length 7
    0x00, 0x03, 'a', '/', 'b',  // topic "a/b"
    'o', 'k',                   // payload; no packet id at QoS 0
});

}  // namespace

TEST_CASE("PUBLISH QoS 1 with DUP and RETAIN decodes", "[codec]") {
  auto d = decode_one(publish_qos1);
  REQUIRE(d.ok());
  const auto& p = std::get<publish_packet>(d.packet);
  CHECK(p.dup);
  CHECK(p.qos == 1);
  CHECK(p.retain);
  CHECK(p.topic == "a/b");
  CHECK(p.packet_id == 0x1234);
  CHECK(p.payload == bytes({'h', 'e', 'y', 0x00}));
  // The decoded packet refers into the input rather than copying it.
  CHECK(p.payload.data() == publish_qos1.data() + 9);
}

TEST_CASE("PUBLISH QoS 0 has no packet id; QoS 2 has one", "[codec]") {
  auto d = decode_one(publish_qos0);
  REQUIRE(d.ok());
  const auto& p = std::get<publish_packet>(d.packet);
  CHECK(p.qos == 0);
  CHECK_FALSE(p.dup);
  CHECK_FALSE(p.retain);
  CHECK(p.packet_id == 0);
  CHECK(p.payload == "ok");

  const auto qos2 = bytes({
      0x34, 0x07,                 // PUBLISH QoS 2; remaining length 7
      0x00, 0x03, '$', 'x', '/',  // topic "$x/": '$' and an empty last level are allowed
      0xff, 0xff,                 // packet id 65535
  });
  auto d2 = decode_one(qos2);
  REQUIRE(d2.ok());
  CHECK(std::get<publish_packet>(d2.packet).qos == 2);
  CHECK(std::get<publish_packet>(d2.packet).packet_id == 65535);
  CHECK(std::get<publish_packet>(d2.packet).topic == "$x/");
  CHECK(std::get<publish_packet>(d2.packet).payload.empty());
}

TEST_CASE("encode_publish_header writes everything but the payload", "[codec]") {
  std::string out;
  encode_publish_header(true, 1, true, "a/b", 0x1234, 4, out);
  CHECK(out + bytes({'h', 'e', 'y', 0x00}) == publish_qos1);
  out.clear();
  encode_publish_header(false, 0, false, "a/b", 999, 2, out);  // the id is ignored at QoS 0
  CHECK(out + "ok" == publish_qos0);
  // A large payload needs a multi-byte remaining length.
  out.clear();
  encode_publish_header(false, 0, false, "t", 0, 200, out);
  CHECK(out == bytes({0x30, 0xcb, 0x01, 0x00, 0x01, 't'}));  // 3 + 200 = 203
}

TEST_CASE("PUBLISH round-trips at every QoS and flag", "[codec]") {
  const std::string payload(300, 'x');
  for (std::uint8_t qos = 0; qos <= 2; ++qos)
    for (bool retain : {false, true})
      for (bool dup : {false, true}) {
        if (qos == 0 && dup) continue;
        publish_packet p{dup, qos, retain, "home/kitchen/temp", static_cast<std::uint16_t>(qos ? 42 : 0), payload};
        test::check_round_trip(p);
      }
  test::check_round_trip(publish_packet{false, 1, false, "t", 1, ""});
}

TEST_CASE("malformed PUBLISH is refused", "[codec][malformed]") {
  SECTION("truncated at every byte") {
    test::check_every_prefix_needs_more(publish_qos1);
    test::check_every_prefix_needs_more(publish_qos0);
    // Cutting the payload leaves a valid, shorter PUBLISH.
    test::check_every_body_cut(publish_qos1, {{7, {}}, {8, {}}, {9, {}}, {10, {}}});
    test::check_every_body_cut(publish_qos0, {{5, {}}, {6, {}}});
  }

  SECTION("QoS 3") {
    CHECK(decode_one(frame(0x36, field("t") + bytes({0x00, 0x01}))).result.error == errc::bad_qos);
    CHECK(decode_one(frame(0x3f, field("t") + bytes({0x00, 0x01}))).result.error == errc::bad_qos);
  }

  SECTION("QoS 0 with DUP") {
    CHECK(decode_one(frame(0x38, field("t"))).result.error == errc::bad_fixed_header_flags);
    CHECK(decode_one(frame(0x39, field("t"))).result.error == errc::bad_fixed_header_flags);
  }

  SECTION("packet id 0 at QoS 1 and 2") {
    CHECK(decode_one(frame(0x32, field("t") + bytes({0x00, 0x00}))).result.error == errc::bad_packet_id);
    CHECK(decode_one(frame(0x34, field("t") + bytes({0x00, 0x00}))).result.error == errc::bad_packet_id);
  }

  SECTION("wildcards in the topic name, or an empty one") {
    for (std::string_view topic : {"a/+", "a/#", "#", "+", "a+b", "a/b#", ""}) {
      INFO("topic '" << topic << "'");
      CHECK(decode_one(frame(0x30, field(topic) + "pl")).result.error == errc::bad_topic_name);
    }
  }

  SECTION("a topic deeper than max_topic_levels") {
    std::string topic = "t";
    for (std::size_t i = 1; i < max_topic_levels; ++i) topic += "/t";
    CHECK(decode_one(frame(0x30, field(topic) + "pl")).ok());  // exactly the limit
    topic += "/";
    CHECK(decode_one(frame(0x30, field(topic) + "pl")).result.error == errc::too_many_topic_levels);
    CHECK(decode_one(frame(0x32, field(topic) + bytes({0x00, 0x01}))).result.error == errc::too_many_topic_levels);
  }

  SECTION("bad UTF-8 in the topic") {
    const std::string bad[] = {
        bytes({0xc1, 0xbf}),              // overlong U+007F
        bytes({0xf0, 0x80, 0x80, 0x80}),  // overlong U+0000 in four bytes
        bytes({0xed, 0xa0, 0x80}),        // surrogate U+D800
        bytes({0xed, 0xbf, 0xbf}),        // surrogate U+DFFF
        bytes({'a', 0x00}),               // U+0000
        bytes({'a', 0xff, 'b'}),          // 0xFF
        bytes({0x80}),                    // a lone continuation byte
        bytes({'a', 0xf0, 0x9f, 0x98}),   // a 4-byte sequence missing its last byte
        bytes({'a', '\n', 'b'}),          // U+000A, a control character
        bytes({'a', 0x7f}),               // U+007F, DEL
        bytes({0xc2, 0x80}),              // U+0080, a C1 control character
        bytes({0xef, 0xb7, 0x90}),        // U+FDD0, a non-character
        bytes({0xf4, 0x8f, 0xbf, 0xbf}),  // U+10FFFF, a non-character
    };
    for (const auto& s : bad) {
      INFO("topic " << test::hex(s));
      CHECK(decode_one(frame(0x30, field(s) + "pl")).result.error == errc::bad_utf8);
    }
    // A valid multi-byte topic is fine, and the payload is never checked.
    CHECK(decode_one(frame(0x30, field("caf\xc3\xa9/\xf0\x9f\x98\x80") + bytes({0xff, 0x00}))).ok());
  }
}
