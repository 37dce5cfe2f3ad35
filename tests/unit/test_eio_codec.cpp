// Engine.IO v4 packets, polling payloads and base64, including malformed input.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hearth/web/eio_codec.hpp"

using namespace hearth::web::eio;

TEST_CASE("eio text packets decode by their type digit", "[eio][codec]") {
  auto p = decode_text_packet("4hello");
  REQUIRE(p);
  CHECK(p->type == packet_type::message);
  CHECK(p->data == "hello");
  CHECK_FALSE(p->binary);

  p = decode_text_packet("2probe");
  REQUIRE(p);
  CHECK(p->type == packet_type::ping);
  CHECK(p->data == "probe");

  p = decode_text_packet("6");
  REQUIRE(p);
  CHECK(p->type == packet_type::noop);
  CHECK(p->data.empty());
}

TEST_CASE("eio text packets encode as digit and data", "[eio][codec]") {
  std::string out;
  encode_text_packet(out, packet{packet_type::pong, false, "probe"});
  CHECK(out == "3probe");
}

TEST_CASE("eio payloads split on the record separator", "[eio][codec]") {
  std::vector<packet> out;
  REQUIRE(decode_payload("4test1\x1e" "4test2\x1e" "4test3", out) == payload_error::none);
  REQUIRE(out.size() == 3);
  CHECK(out[0].data == "test1");
  CHECK(out[2].data == "test3");
}

TEST_CASE("eio payloads carry binary as b + base64", "[eio][codec]") {
  std::vector<packet> out;
  REQUIRE(decode_payload("4hello\x1e" "bAQIDBA==", out) == payload_error::none);
  REQUIRE(out.size() == 2);
  CHECK(out[1].binary);
  CHECK(out[1].type == packet_type::message);
  CHECK(out[1].data == std::string("\x01\x02\x03\x04", 4));

  std::string encoded;
  for (const auto& p : out) append_to_payload(encoded, p);
  CHECK(encoded == "4hello\x1e" "bAQIDBA==");
  CHECK(payload_size(true, 4) == 2 + 8);
  CHECK(payload_size(false, 5) == 2 + 5);
}

TEST_CASE("eio base64 round-trips every length", "[eio][codec]") {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    const auto enc = base64_encode(bytes);
    CHECK(enc.size() == (bytes.size() + 2) / 3 * 4);
    const auto dec = base64_decode(enc);
    REQUIRE(dec);
    CHECK(*dec == bytes);
    bytes.push_back(static_cast<char>(n * 37 + 200));
  }
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode("fo") == "Zm8=");
}

TEST_CASE("eio malformed packets and payloads are refused", "[eio][codec][malformed]") {
  CHECK_FALSE(decode_text_packet(""));
  CHECK_FALSE(decode_text_packet("abc"));
  CHECK_FALSE(decode_text_packet("7"));
  CHECK_FALSE(decode_text_packet("/"));

  std::vector<packet> out;
  CHECK(decode_payload("", out) == payload_error::empty_packet);
  out.clear();
  CHECK(decode_payload("abc", out) == payload_error::bad_type);
  out.clear();
  CHECK(decode_payload("4a\x1e\x1e" "4b", out) == payload_error::empty_packet);
  CHECK(out.size() == 1);  // what came before the error
  out.clear();
  CHECK(decode_payload("4a\x1e", out) == payload_error::empty_packet);  // trailing separator
  out.clear();
  CHECK(decode_payload("b", out) == payload_error::none);  // empty binary message is valid
  CHECK(out.at(0).data.empty());
  out.clear();
  CHECK(decode_payload("bAAAA", out) == payload_error::none);
  out.clear();
  CHECK(decode_payload("bAQ", out) == payload_error::bad_base64);       // not a multiple of 4
  out.clear();
  CHECK(decode_payload("bAQ=A", out) == payload_error::bad_base64);
  out.clear();
  CHECK(decode_payload("bA=QI", out) == payload_error::bad_base64);
  out.clear();
  CHECK(decode_payload("b=AAA", out) == payload_error::bad_base64);     // padding first
  out.clear();
  CHECK(decode_payload("bAQ==AAA", out) == payload_error::bad_base64);  // padding mid-way
  out.clear();
  CHECK(decode_payload("bAQ\nI", out) == payload_error::bad_base64);
  out.clear();
  CHECK(decode_payload("b-_8=", out) == payload_error::bad_base64);     // base64url is not base64
  out.clear();
  CHECK(decode_payload("40\x1e" "41\x1e" "42", out, 2) == payload_error::too_many);
  CHECK(out.size() == 2);
}
