// Catch2 glue for the codec tests: readable error codes in failure messages,
// and the checks every codec test file repeats for its packet types
// (every prefix of a packet needs more bytes; every shortened body is refused).
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <system_error>

#include "codec_support.hpp"
#include "hearth/mqtt/errors.hpp"

namespace Catch {
template <>
struct StringMaker<std::error_code> {
  static std::string convert(const std::error_code& ec) {
    if (!ec) return "{no error}";
    return std::string(ec.category().name()) + ":" + std::to_string(ec.value()) + " (" + ec.message() + ")";
  }
};
template <>
struct StringMaker<hearth::mqtt::errc> {
  static std::string convert(hearth::mqtt::errc e) { return StringMaker<std::error_code>::convert(make_error_code(e)); }
};
}  // namespace Catch

namespace hearth::test {

// A stream cut anywhere inside a packet is not an error yet: the decoder asks
// for more and consumes nothing.
inline void check_every_prefix_needs_more(const std::string& whole) {
  for (std::size_t n = 0; n < whole.size(); ++n) {
    INFO("first " << n << " bytes of " << hex(whole));
    auto d = decode_one(std::string_view(whole).substr(0, n));
    CHECK(d.need_more());
    CHECK(d.result.consumed == 0);
  }
}

// Re-frames the packet's body cut to every shorter length, with a remaining
// length that agrees, and expects the decoder to refuse it with `truncated`,
// except at the cut lengths listed in `except` (an empty error_code there
// means the shorter packet is valid).
inline void check_every_body_cut(const std::string& whole, const std::map<std::size_t, std::error_code>& except = {}) {
  auto h = mqtt::decode_fixed_header(whole, whole.size());
  REQUIRE(h.status == mqtt::decode_status::ok);
  const std::string body = whole.substr(h.header.header_length);
  for (std::size_t k = 0; k < body.size(); ++k) {
    std::string cut(1, whole[0]);
    mqtt::encode_remaining_length(k, cut);
    cut += body.substr(0, k);
    INFO("body cut to " << k << " bytes: " << hex(cut));
    auto d = decode_one(cut);
    auto it = except.find(k);
    const std::error_code expected = it == except.end() ? make_error_code(mqtt::errc::truncated) : it->second;
    CHECK(d.result.error == expected);
    CHECK(d.result.status == (expected ? mqtt::decode_status::error : mqtt::decode_status::ok));
    CHECK(d.result.consumed == cut.size());
  }
}

// encode(p) decodes back to p, consuming exactly the encoded bytes.
inline void check_round_trip(const mqtt::packet& p) {
  const std::string wire = encoded(p);
  INFO(describe(p) << " -> " << hex(wire));
  auto d = decode_one(wire);
  REQUIRE(d.result.error == std::error_code{});
  REQUIRE(d.ok());
  CHECK(d.result.consumed == wire.size());
  INFO("decoded as " << describe(d.packet));
  CHECK(same(d.packet, p));
  CHECK(encoded(d.packet) == wire);
}

// A string field as the wire has it: two length bytes, then the bytes.
inline std::string field(std::string_view s) {
  std::string out;
  out.push_back(static_cast<char>(s.size() >> 8));
  out.push_back(static_cast<char>(s.size() & 0xff));
  out.append(s);
  return out;
}

// A packet from its first byte and its body, with the remaining length computed.
inline std::string frame(std::uint8_t first, const std::string& body) {
  std::string out(1, static_cast<char>(first));
  mqtt::encode_remaining_length(body.size(), out);
  return out + body;
}

}  // namespace hearth::test
