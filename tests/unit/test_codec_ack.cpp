// The packets that carry only a packet id (PUBACK, PUBREC, PUBREL, PUBCOMP,
// UNSUBACK) and those with no body at all (PINGREQ, PINGRESP, DISCONNECT).
#include "catch_support.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using hearth::test::bytes;
using hearth::test::decode_one;

namespace {

struct ack_case {
  packet_type type;
  int first_byte;
};

// PUBREL's fixed header carries the reserved flags 0b0010 (MQTT-3.6.1-1).
const ack_case ack_types[] = {
    {packet_type::puback, 0x40},  {packet_type::pubrec, 0x50},   {packet_type::pubrel, 0x62},
    {packet_type::pubcomp, 0x70}, {packet_type::unsuback, 0xb0},
};

const std::pair<packet_type, int> empty_types[] = {
    {packet_type::pingreq, 0xc0},
    {packet_type::pingresp, 0xd0},
    {packet_type::disconnect, 0xe0},
};

}  // namespace

TEST_CASE("packets with only a packet id decode", "[codec]") {
  for (const auto& c : ack_types) {
    INFO(to_string(c.type));
    const auto wire = bytes({
        c.first_byte, 0x02,  // type and flags, remaining length 2
        0xab, 0xcd,          // packet id 0xabcd
    });
    auto d = decode_one(wire);
    REQUIRE(d.ok());
    CHECK(d.result.consumed == 4);
    const auto& p = std::get<ack_packet>(d.packet);
    CHECK(p.type == c.type);
    CHECK(p.packet_id == 0xabcd);
    CHECK(test::encoded(p) == wire);
  }
}

TEST_CASE("PINGREQ, PINGRESP and DISCONNECT decode", "[codec]") {
  for (auto [type, first] : empty_types) {
    INFO(to_string(type));
    const auto wire = bytes({first, 0x00});  // type, remaining length 0
    auto d = decode_one(wire);
    REQUIRE(d.ok());
    CHECK(std::get<empty_packet>(d.packet).type == type);
    CHECK(test::encoded(d.packet) == wire);
  }
}

TEST_CASE("ack and empty packets round-trip", "[codec]") {
  for (const auto& c : ack_types)
    for (std::uint16_t id : {1, 255, 256, 65535}) test::check_round_trip(ack_packet{c.type, id});
  for (auto [type, first] : empty_types) test::check_round_trip(empty_packet{type});
}

TEST_CASE("to_string names every packet type", "[codec]") {
  CHECK(to_string(packet_type::connect) == "CONNECT");
  CHECK(to_string(packet_type::pubrel) == "PUBREL");
  CHECK(to_string(packet_type::unsuback) == "UNSUBACK");
  CHECK(to_string(packet_type::disconnect) == "DISCONNECT");
}

TEST_CASE("malformed ack and empty packets are refused", "[codec][malformed]") {
  SECTION("truncated at every byte") {
    for (const auto& c : ack_types) {
      INFO(to_string(c.type));
      const auto wire = bytes({c.first_byte, 0x02, 0x00, 0x01});
      test::check_every_prefix_needs_more(wire);
      test::check_every_body_cut(wire);
    }
    for (auto [type, first] : empty_types) test::check_every_prefix_needs_more(bytes({first, 0x00}));
  }

  SECTION("packet id 0") {
    for (const auto& c : ack_types) {
      INFO(to_string(c.type));
      CHECK(decode_one(bytes({c.first_byte, 0x02, 0x00, 0x00})).result.error == errc::bad_packet_id);
    }
  }

  SECTION("trailing bytes") {
    for (const auto& c : ack_types) {
      INFO(to_string(c.type));
      CHECK(decode_one(bytes({c.first_byte, 0x03, 0x00, 0x01, 0x00})).result.error == errc::trailing_bytes);
    }
    for (auto [type, first] : empty_types) {
      INFO(to_string(type));
      auto d = decode_one(bytes({first, 0x01, 0x00}));
      CHECK(d.result.error == errc::trailing_bytes);
      CHECK(d.result.consumed == 3);
    }
  }

  SECTION("PUBREL without its reserved flag, PUBACK with one") {
    CHECK(decode_one(bytes({0x60, 0x02, 0x00, 0x01})).result.error == errc::bad_fixed_header_flags);
    CHECK(decode_one(bytes({0x42, 0x02, 0x00, 0x01})).result.error == errc::bad_fixed_header_flags);
  }
}
