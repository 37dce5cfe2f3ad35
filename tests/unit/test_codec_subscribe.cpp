// SUBSCRIBE, SUBACK and UNSUBSCRIBE (MQTT 3.1.1 sections 3.8-3.10). Wildcard
// placement is the broker's business (an invalid filter gets SUBACK 0x80); the
// codec checks UTF-8, the fields themselves, and refuses an empty filter and
// one deeper than max_topic_levels, which close the connection.
#include "catch_support.hpp"
#include "hearth/mqtt/topic.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using hearth::test::bytes;
using hearth::test::decode_one;
using hearth::test::field;
using hearth::test::frame;

namespace {

const std::string subscribe_two = bytes({
    0x82, 0x0e,                 // SUBSCRIBE (flags 0b0010), remaining length 14
    0x00, 0x0a,                 // packet id 10
    0x00, 0x03, 'a', '/', '#',  // filter "a/#"
    0x01,                       // requested QoS 1
    0x00, 0x03, '+', '/', 'b',  // filter "+/b"
    0x02,                       // requested QoS 2
});

const std::string suback_three = bytes({
    0x90, 0x05,        // SUBACK, remaining length 5
    0x00, 0x0a,        // packet id 10
    0x01, 0x80, 0x00,  // granted QoS 1, failure, granted QoS 0
});

const std::string unsubscribe_two = bytes({
    0xa2, 0x0b,                 // UNSUBSCRIBE (flags 0b0010), remaining length 11
    0x00, 0x0b,                 // packet id 11
    0x00, 0x03, 'a', '/', '#',  // filter "a/#"
    0x00, 0x02, 'x', 'y',       // filter "xy"
});

}  // namespace

TEST_CASE("SUBSCRIBE with two filters decodes", "[codec]") {
  auto d = decode_one(subscribe_two);
  REQUIRE(d.ok());
  const auto& p = std::get<subscribe_packet>(d.packet);
  CHECK(p.packet_id == 10);
  REQUIRE(p.topics.size() == 2);
  CHECK(p.topics[0].filter == "a/#");
  CHECK(p.topics[0].qos == 1);
  CHECK(p.topics[1].filter == "+/b");
  CHECK(p.topics[1].qos == 2);
}

TEST_CASE("SUBSCRIBE passes misplaced wildcards on to the broker", "[codec]") {
  // "a/#/b" and "a+" are valid strings; the broker answers them with 0x80.
  auto d = decode_one(frame(0x82, bytes({0x00, 0x01}) + field("a/#/b") + bytes({0x00}) + field("a+") + bytes({0x01})));
  REQUIRE(d.ok());
  const auto& p = std::get<subscribe_packet>(d.packet);
  REQUIRE(p.topics.size() == 2);
  CHECK(p.topics[0].filter == "a/#/b");
  CHECK(p.topics[1].filter == "a+");
}

TEST_CASE("filters of exactly max_topic_levels levels are accepted", "[codec]") {
  std::string filter = "+";
  for (std::size_t i = 1; i < max_topic_levels; ++i) filter += "/+";
  REQUIRE(topic_levels(filter) == max_topic_levels);
  auto s = decode_one(frame(0x82, bytes({0x00, 0x01}) + field(filter) + bytes({0x00})));
  REQUIRE(s.ok());
  CHECK(std::get<subscribe_packet>(s.packet).topics[0].filter == filter);
  CHECK(decode_one(frame(0xa2, bytes({0x00, 0x01}) + field(filter))).ok());
}

TEST_CASE("SUBSCRIBE, UNSUBSCRIBE and PUBREL with DUP decode at protocol level 3", "[codec]") {
  // A transport decodes an MQTT 3.1 connection's packets at level 3.
  for (const auto& wire : {frame(0x8a, bytes({0x00, 0x01}) + field("a/b") + bytes({0x01})),
                           frame(0xaa, bytes({0x00, 0x02}) + field("a/b")), bytes({0x6a, 0x02, 0x00, 0x03})}) {
    INFO(test::hex(wire));
    auto h = decode_fixed_header(wire, 100, 3);
    REQUIRE(h.status == decode_status::ok);
    packet p;
    REQUIRE(decode_packet(h.header, std::string_view(wire).substr(h.header.header_length), p) == std::error_code{});
    // It re-encodes without DUP, which 3.1.1 has no place for.
    std::string canonical = wire;
    canonical[0] = static_cast<char>(canonical[0] & ~0x08);
    CHECK(test::hex(test::encoded(p)) == test::hex(canonical));
    CHECK(decode_one(wire).result.error == errc::bad_fixed_header_flags);  // not at level 4
  }
}

TEST_CASE("SUBACK and UNSUBSCRIBE decode", "[codec]") {
  auto s = decode_one(suback_three);
  REQUIRE(s.ok());
  CHECK(std::get<suback_packet>(s.packet).packet_id == 10);
  CHECK(std::get<suback_packet>(s.packet).return_codes == std::vector<std::uint8_t>{1, 0x80, 0});

  auto u = decode_one(unsubscribe_two);
  REQUIRE(u.ok());
  CHECK(std::get<unsubscribe_packet>(u.packet).packet_id == 11);
  CHECK(std::get<unsubscribe_packet>(u.packet).filters == std::vector<std::string>{"a/#", "xy"});
}

TEST_CASE("SUBSCRIBE, SUBACK and UNSUBSCRIBE round-trip", "[codec]") {
  test::check_round_trip(subscribe_packet{1, {{"a", 0}}});
  test::check_round_trip(subscribe_packet{65535, {{"#", 2}, {"$SYS/#", 1}, {"+/+/x", 0}}});
  test::check_round_trip(suback_packet{7, {0, 1, 2, suback_failure}});
  test::check_round_trip(unsubscribe_packet{9, {"a/b", "#"}});
  // Byte-exact against the hand-written vectors.
  CHECK(test::encoded(subscribe_packet{10, {{"a/#", 1}, {"+/b", 2}}}) == subscribe_two);
  CHECK(test::encoded(suback_packet{10, {1, 0x80, 0}}) == suback_three);
  CHECK(test::encoded(unsubscribe_packet{11, {"a/#", "xy"}}) == unsubscribe_two);
}

TEST_CASE("malformed SUBSCRIBE, SUBACK and UNSUBSCRIBE are refused", "[codec][malformed]") {
  SECTION("truncated at every byte") {
    test::check_every_prefix_needs_more(subscribe_two);
    test::check_every_prefix_needs_more(suback_three);
    test::check_every_prefix_needs_more(unsubscribe_two);
    const auto empty = make_error_code(errc::empty_subscription_list);
    // A cut right after the packet id leaves an empty list; a cut after a
    // whole topic leaves a valid shorter packet.
    test::check_every_body_cut(subscribe_two, {{2, empty}, {8, {}}});
    test::check_every_body_cut(suback_three, {{2, empty}, {3, {}}, {4, {}}});
    test::check_every_body_cut(unsubscribe_two, {{2, empty}, {7, {}}});
  }

  SECTION("an empty SUBSCRIBE or UNSUBSCRIBE") {
    CHECK(decode_one(bytes({0x82, 0x02, 0x00, 0x01})).result.error == errc::empty_subscription_list);
    CHECK(decode_one(bytes({0xa2, 0x02, 0x00, 0x01})).result.error == errc::empty_subscription_list);
    CHECK(decode_one(bytes({0x90, 0x02, 0x00, 0x01})).result.error == errc::empty_subscription_list);
  }

  SECTION("packet id 0") {
    CHECK(decode_one(frame(0x82, bytes({0x00, 0x00}) + field("a") + bytes({0x00}))).result.error ==
          errc::bad_packet_id);
    CHECK(decode_one(frame(0xa2, bytes({0x00, 0x00}) + field("a"))).result.error == errc::bad_packet_id);
    CHECK(decode_one(bytes({0x90, 0x03, 0x00, 0x00, 0x00})).result.error == errc::bad_packet_id);
  }

  SECTION("reserved bits in the requested QoS byte, and QoS 3") {
    for (int options = 0x04; options <= 0xff; options += 0x04) {
      INFO("options " << options);
      CHECK(decode_one(frame(0x82, bytes({0x00, 0x01}) + field("a") + bytes({options}))).result.error ==
            errc::bad_subscribe_options);
    }
    CHECK(decode_one(frame(0x82, bytes({0x00, 0x01}) + field("a") + bytes({0x03}))).result.error == errc::bad_qos);
  }

  SECTION("a SUBACK return code other than 0, 1, 2 and 0x80") {
    for (int rc : {0x03, 0x7f, 0x81, 0xff}) {
      INFO("return code " << rc);
      CHECK(decode_one(bytes({0x90, 0x03, 0x00, 0x01, rc})).result.status == decode_status::error);
    }
  }

  SECTION("bad UTF-8 in a filter") {
    const std::string bad[] = {
        bytes({0xc0, 0xaf}),        // overlong '/'
        bytes({0xed, 0xb0, 0x80}),  // surrogate U+DC00
        bytes({'#', 0x00}),         // U+0000
        bytes({0xfe}),              // 0xFE
        bytes({0xc3}),              // truncated two-byte sequence
        bytes({'a', '\t'}),         // U+0009, a control character
        bytes({0xef, 0xb7, 0xaf}),  // U+FDEF, a non-character
    };
    for (const auto& s : bad) {
      INFO("filter " << test::hex(s));
      CHECK(decode_one(frame(0x82, bytes({0x00, 0x01}) + field(s) + bytes({0x00}))).result.error == errc::bad_utf8);
      CHECK(decode_one(frame(0xa2, bytes({0x00, 0x01}) + field(s))).result.error == errc::bad_utf8);
    }
  }

  SECTION("an empty filter") {
    // MQTT-4.7.3-1; a closed connection, not SUBACK 0x80 as for other bad filters.
    const auto empty = make_error_code(errc::empty_topic_filter);
    CHECK(decode_one(frame(0x82, bytes({0x00, 0x01}) + field("") + bytes({0x00}))).result.error == empty);
    CHECK(decode_one(frame(0x82, bytes({0x00, 0x01}) + field("a") + bytes({0x00}) + field("") + bytes({0x01})))
              .result.error == empty);
    CHECK(decode_one(frame(0xa2, bytes({0x00, 0x01}) + field(""))).result.error == empty);
    CHECK(decode_one(frame(0xa2, bytes({0x00, 0x01}) + field("a") + field(""))).result.error == empty);
  }

  SECTION("a filter deeper than max_topic_levels") {
    std::string filter = "a";
    for (std::size_t i = 0; i < max_topic_levels; ++i) filter += "/";  // empty levels count too
    REQUIRE(topic_levels(filter) == max_topic_levels + 1);
    const auto deep = make_error_code(errc::too_many_topic_levels);
    CHECK(decode_one(frame(0x82, bytes({0x00, 0x01}) + field(filter) + bytes({0x00}))).result.error == deep);
    CHECK(decode_one(frame(0xa2, bytes({0x00, 0x01}) + field("ok") + field(filter))).result.error == deep);
  }

  SECTION("a filter length that runs past the packet") {
    // The second filter claims 16 bytes, but the packet ends after 2.
    const auto wire = bytes({
        0x82, 0x0b,                 // SUBSCRIBE, remaining length 11
        0x00, 0x01,                 // packet id 1
        0x00, 0x01, 'a', 0x00,      // filter "a", QoS 0
        0x00, 0x10, 'b', 'c', 0x00  // filter of 16 bytes (only 3 follow)
    });
    CHECK(decode_one(wire).result.error == errc::truncated);
  }
}
