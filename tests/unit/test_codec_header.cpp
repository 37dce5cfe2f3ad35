// The fixed header (MQTT 3.1.1 section 2.2): packet type, flags and the
// variable-length remaining length, decoded before any body byte is read.
#include "catch_support.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using hearth::test::bytes;

TEST_CASE("remaining length encodes the boundary values of section 2.2.3", "[codec]") {
  const std::pair<std::size_t, std::string> table[] = {
      {0, bytes({0x00})},
      {127, bytes({0x7f})},
      {128, bytes({0x80, 0x01})},
      {16'383, bytes({0xff, 0x7f})},
      {16'384, bytes({0x80, 0x80, 0x01})},
      {2'097'151, bytes({0xff, 0xff, 0x7f})},
      {2'097'152, bytes({0x80, 0x80, 0x80, 0x01})},
      {268'435'455, bytes({0xff, 0xff, 0xff, 0x7f})},
  };
  for (const auto& [value, wire] : table) {
    INFO("remaining length " << value);
    std::string out;
    encode_remaining_length(value, out);
    CHECK(out == wire);

    const std::string header = bytes({0x30}) + wire;  // PUBLISH QoS 0, then the length
    auto h = decode_fixed_header(header, max_remaining_length);
    REQUIRE(h.status == decode_status::ok);
    CHECK(h.header.type == packet_type::publish);
    CHECK(h.header.remaining_length == value);
    CHECK(h.header.header_length == 1 + wire.size());
    CHECK(h.header.total_length() == 1 + wire.size() + value);
  }
}

TEST_CASE("a fixed header cut short asks for more bytes", "[codec]") {
  CHECK(decode_fixed_header("", 100).status == decode_status::need_more);
  CHECK(decode_fixed_header(bytes({0x30}), 100).status == decode_status::need_more);
  CHECK(decode_fixed_header(bytes({0x30, 0x80}), 1u << 28).status == decode_status::need_more);
  CHECK(decode_fixed_header(bytes({0x30, 0xff, 0xff, 0xff}), 1u << 28).status == decode_status::need_more);
}

TEST_CASE("decode consumes exactly one packet of a stream", "[codec]") {
  const auto stream = bytes({
      0xc0, 0x00,              // PINGREQ
      0x40, 0x02, 0x00, 0x07,  // PUBACK id 7
      0xe0,                    // the first byte of a DISCONNECT
  });
  std::string_view in = stream;
  packet p;
  auto r = decode(in, 100, p);
  REQUIRE(r.status == decode_status::ok);
  CHECK(r.consumed == 2);
  CHECK(std::get<empty_packet>(p).type == packet_type::pingreq);
  in.remove_prefix(r.consumed);

  r = decode(in, 100, p);
  REQUIRE(r.status == decode_status::ok);
  CHECK(r.consumed == 4);
  CHECK(std::get<ack_packet>(p).type == packet_type::puback);
  CHECK(std::get<ack_packet>(p).packet_id == 7);
  in.remove_prefix(r.consumed);

  r = decode(in, 100, p);
  CHECK(r.status == decode_status::need_more);
  CHECK(r.consumed == 0);
}

TEST_CASE("malformed fixed headers are refused", "[codec][malformed]") {
  SECTION("reserved packet types 0 and 15") {
    for (int first : {0x00, 0x0f, 0xf0, 0xff}) {
      INFO("first byte " << first);
      auto h = decode_fixed_header(bytes({first, 0x00}), 100);
      CHECK(h.status == decode_status::error);
      CHECK(h.error == errc::bad_packet_type);
    }
  }

  SECTION("reserved flag bits of every type but PUBLISH and CONNECT") {
    // PUBREL, SUBSCRIBE and UNSUBSCRIBE require 0b0010, the others 0b0000.
    // CONNECT's flags are left to decode_connect, which knows the version.
    for (int type = 2; type <= 14; ++type) {
      if (type == 3) continue;  // PUBLISH flags are DUP/QoS/RETAIN
      const int required = (type == 6 || type == 8 || type == 10) ? 2 : 0;
      for (int flags = 0; flags < 16; ++flags) {
        INFO("type " << type << " flags " << flags);
        auto h = decode_fixed_header(bytes({type << 4 | flags, 0x02, 0x00, 0x01}), 100);
        if (flags == required) {
          CHECK(h.status == decode_status::ok);
        } else {
          CHECK(h.status == decode_status::error);
          CHECK(h.error == errc::bad_fixed_header_flags);
        }
      }
    }
  }
  SECTION("a remaining length of 5 bytes, refused without waiting for more") {
    const auto five = bytes({
        0x30,                          // PUBLISH QoS 0
        0x80, 0x80, 0x80, 0x80, 0x01,  // five length bytes
    });
    auto h = decode_fixed_header(five, max_remaining_length);
    CHECK(h.status == decode_status::error);
    CHECK(h.error == errc::bad_remaining_length);
    // The fifth byte need not even have arrived: four continuation bits are enough.
    h = decode_fixed_header(bytes({0x30, 0xff, 0xff, 0xff, 0xff}), max_remaining_length);
    CHECK(h.status == decode_status::error);
    CHECK(h.error == errc::bad_remaining_length);
  }

  SECTION("a remaining length that is not minimally encoded") {
    // errors.hpp: bad_remaining_length covers non-minimal encodings.
    for (const auto& header : {bytes({0x30, 0x80, 0x00}),                 // 0 in two bytes
                               bytes({0x30, 0xff, 0x00}),                 // 127 in two bytes
                               bytes({0x30, 0x80, 0x80, 0x00}),           // 0 in three bytes
                               bytes({0x30, 0x80, 0x80, 0x80, 0x00})}) {  // 0 in four bytes
      INFO(test::hex(header));
      auto h = decode_fixed_header(header, max_remaining_length);
      CHECK(h.status == decode_status::error);
      CHECK(h.error == errc::bad_remaining_length);
    }
  }

  SECTION("over max_packet: refused after the header, before any body byte") {
    const auto header = bytes({
        0x30,        // PUBLISH QoS 0
        0xe9, 0x07,  // remaining length 1001
    });
    auto h = decode_fixed_header(header, 1000);
    CHECK(h.status == decode_status::error);
    CHECK(h.error == errc::packet_too_large);
    packet p;
    auto r = decode(header, 1000, p);
    CHECK(r.status == decode_status::error);
    CHECK(r.error == errc::packet_too_large);
    // Exactly at the limit it is fine and waits for the body.
    CHECK(decode_fixed_header(header, 1001).status == decode_status::ok);
    CHECK(decode(header, 1001, p).status == decode_status::need_more);
    // The largest length the encoding allows, against a small limit.
    h = decode_fixed_header(bytes({0x30, 0xff, 0xff, 0xff, 0x7f}), 1u << 20);
    CHECK(h.error == errc::packet_too_large);
  }
}

TEST_CASE("CONNECT's fixed-header flags pass the header, for decode_connect to judge", "[codec]") {
  // Only the protocol name tells whether they are defined (MQTT 3.1 defines
  // none): decode_fixed_header cannot know yet.
  for (int flags = 0; flags < 16; ++flags) {
    INFO("flags " << flags);
    auto h = decode_fixed_header(bytes({0x10 | flags, 0x02, 0x00, 0x01}), 100);
    CHECK(h.status == decode_status::ok);
    CHECK(h.header.type == packet_type::connect);
    CHECK(h.header.flags == flags);
  }
}

TEST_CASE("at protocol level 3, DUP is tolerated on PUBREL, SUBSCRIBE and UNSUBSCRIBE", "[codec]") {
  // MQTT 3.1 let a client set DUP when re-sending these three; the other
  // reserved bits are still checked, and 3.1.1 (level 4) still refuses DUP.
  for (int type : {6, 8, 10}) {
    for (int flags = 0; flags < 16; ++flags) {
      INFO("type " << type << " flags " << flags);
      const auto header = bytes({type << 4 | flags, 0x02, 0x00, 0x01});
      auto h3 = decode_fixed_header(header, 100, 3);
      auto h4 = decode_fixed_header(header, 100, 4);
      CHECK(h3.status == ((flags & ~0x08) == 2 ? decode_status::ok : decode_status::error));
      CHECK(h4.status == (flags == 2 ? decode_status::ok : decode_status::error));
      CHECK(decode_fixed_header(header, 100).status == h4.status);  // level 4 is the default
      if (h3.status == decode_status::ok) CHECK(h3.header.flags == flags);
    }
  }
}

TEST_CASE("at protocol level 3, DUP is still refused where MQTT 3.1 never set it", "[codec][malformed]") {
  // 3.1 defines DUP for PUBLISH, PUBREL, SUBSCRIBE and UNSUBSCRIBE re-sends only.
  for (int type : {2, 4, 5, 7, 9, 11, 12, 13, 14}) {
    INFO("type " << type);
    auto h = decode_fixed_header(bytes({type << 4 | 0x08, 0x02, 0x00, 0x01}), 100, 3);
    CHECK(h.status == decode_status::error);
    CHECK(h.error == errc::bad_fixed_header_flags);
  }
}
