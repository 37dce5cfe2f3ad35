// libFuzzer target for the MQTT codec (codec.hpp).
//
// The input is a byte stream as a connection would receive it. Packets are
// decoded one after another until the decoder asks for more bytes or refuses
// one, at the stream's protocol level as a transport does: 4 until an MQTT 3.1
// CONNECT (MQIsdp, level 3) is decoded, 3 from then on. Every decoded packet
// must
//   - consume at least its fixed header and no more than the input,
//   - ask for more when any byte of it is missing,
//   - re-encode to bytes that decode to an equal packet, and
//   - re-encode to exactly the bytes it came from (the codec accepts only
//     canonical encodings), except
//       * a CONNECT of an unsupported protocol level, of which only the name
//         and level are decoded;
//       * an MQTT 3.1 CONNECT, whose fixed-header flags and reserved connect
//         flag are ignored: it re-encodes with both cleared;
//       * at level 3, a PUBREL, SUBSCRIBE or UNSUBSCRIBE with DUP, which
//         MQTT 3.1 allowed: it re-encodes without DUP.
// A violation aborts with a description, which libFuzzer records as a crash;
// ASan and UBSan (built with -fno-sanitize-recover) catch memory errors and
// undefined behaviour on the way.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec_support.hpp"
#include "hearth/mqtt/codec.hpp"

namespace {

using namespace hearth;
using namespace hearth::mqtt;

[[noreturn]] void fail(const char* what, std::string_view in, const packet* p = nullptr) {
  std::fprintf(stderr, "fuzz_codec: %s\n  input: %s\n", what, test::hex(in.substr(0, 256)).c_str());
  if (p) std::fprintf(stderr, "  packet: %s\n", test::describe(*p).c_str());
  std::abort();
}

bool is_mqtt31_connect(const packet& p) {
  const auto* c = std::get_if<connect_packet>(&p);
  return c && c->protocol_name == "MQIsdp" && c->protocol_level == 3;
}

bool partially_decoded(const packet& p) {
  const auto* c = std::get_if<connect_packet>(&p);
  if (!c) return false;
  return !(c->protocol_name == "MQTT" && c->protocol_level == 4) && !is_mqtt31_connect(p);
}

// decode() at a connection's protocol level, as a transport does it.
decode_result decode_at(std::string_view in, std::size_t max_packet, std::uint8_t level, packet& out) {
  decode_result res;
  const auto h = decode_fixed_header(in, max_packet, level);
  if (h.status != decode_status::ok) {
    res.status = h.status;
    res.error = h.error;
    return res;
  }
  if (in.size() < h.header.total_length()) return res;  // need_more
  res.consumed = h.header.total_length();
  res.error = decode_packet(h.header, in.substr(h.header.header_length, h.header.remaining_length), out);
  res.status = res.error ? decode_status::error : decode_status::ok;
  return res;
}

// The bytes `p` must re-encode to: the input, with what the codec tolerates
// and ignores cleared (see the top of this file).
std::string canonical(std::string_view original, std::uint8_t level, const packet& p) {
  std::string out(original);
  if (is_mqtt31_connect(p)) {
    const auto h = decode_fixed_header(original, original.size());
    out[0] = 0x10;
    // The connect flags follow the name field (2 + 6 bytes) and the level.
    const std::size_t flags_at = h.header.header_length + 2 + 6 + 1;
    out[flags_at] = static_cast<char>(out[flags_at] & ~0x01);
  }
  const auto* ack = std::get_if<ack_packet>(&p);
  const bool dup_allowed = (ack && ack->type == packet_type::pubrel) || std::holds_alternative<subscribe_packet>(p) ||
                           std::holds_alternative<unsubscribe_packet>(p);
  if (level == 3 && dup_allowed) out[0] = static_cast<char>(out[0] & ~0x08);
  return out;
}

void check_packet(std::string_view in, std::size_t max_packet, std::uint8_t level, const packet& p,
                  std::size_t consumed) {
  const std::string_view original = in.substr(0, consumed);

  // One byte short of the whole packet is not yet a packet.
  packet scratch;
  const auto shorter = decode_at(original.substr(0, consumed - 1), max_packet, level, scratch);
  if (shorter.status != decode_status::need_more || shorter.consumed != 0)
    fail("a packet missing its last byte did not ask for more", original, &p);

  std::string wire;
  encode(p, wire);
  packet again;
  const auto r = decode(wire, max_remaining_length, again);
  if (r.status != decode_status::ok) fail("re-encoded packet does not decode", wire, &p);
  if (r.consumed != wire.size()) fail("re-encoded packet decodes to a different length", wire, &p);
  if (!test::same(p, again)) fail("re-encoded packet decodes to a different packet", wire, &p);
  if (!partially_decoded(p) && wire != canonical(original, level, p))
    fail("re-encoding differs from the input bytes", original, &p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // The first byte picks a maximum packet size, so the size limit is
  // exercised as well as the whole range of lengths.
  std::size_t max_packet = max_remaining_length;
  if (!in.empty()) {
    const auto b = static_cast<std::uint8_t>(in.front());
    if (b < 0x10) {  // packet type 0 is invalid anyway: use the byte as a limit selector
      max_packet = std::size_t{1} << (b + 2);
      in.remove_prefix(1);
    }
  }
  std::uint8_t level = 4;  // the stream's protocol level, as a transport keeps it
  while (!in.empty()) {
    packet p;
    const auto r = decode_at(in, max_packet, level, p);
    if (r.status == decode_status::need_more) {
      if (r.consumed != 0) fail("need_more consumed bytes", in);
      if (r.error) fail("need_more with an error", in);
      break;
    }
    if (r.status == decode_status::error) {
      if (!r.error) fail("error status without an error code", in);
      if (r.error.message().empty()) fail("error code without a message", in);
      // A refused header is refused without the rest of the stream.
      break;
    }
    if (r.error) fail("ok status with an error code", in, &p);
    if (r.consumed < 2 || r.consumed > in.size()) fail("bad consumed count", in, &p);
    check_packet(in, max_packet, level, p, r.consumed);
    if (is_mqtt31_connect(p)) level = 3;
    in.remove_prefix(r.consumed);
  }
  return 0;
}
