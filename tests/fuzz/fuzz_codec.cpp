// libFuzzer target for the MQTT codec (codec.hpp).
//
// The input is a byte stream as a connection would receive it. Packets are
// decoded one after another until the decoder asks for more bytes or refuses
// one. Every decoded packet must
//   - consume at least its fixed header and no more than the input,
//   - ask for more when any byte of it is missing,
//   - re-encode to bytes that decode to an equal packet, and
//   - re-encode to exactly the bytes it came from (the codec accepts only
//     canonical encodings), except a CONNECT of an unsupported protocol
//     level, of which only the name and level are decoded.
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

bool partially_decoded(const packet& p) {
  const auto* c = std::get_if<connect_packet>(&p);
  if (!c) return false;
  return !(c->protocol_name == "MQTT" && c->protocol_level == 4) &&
         !(c->protocol_name == "MQIsdp" && c->protocol_level == 3);
}

void check_packet(std::string_view in, std::size_t max_packet, const packet& p, std::size_t consumed) {
  const std::string_view original = in.substr(0, consumed);

  // One byte short of the whole packet is not yet a packet.
  packet scratch;
  const auto shorter = decode(original.substr(0, consumed - 1), max_packet, scratch);
  if (shorter.status != decode_status::need_more || shorter.consumed != 0)
    fail("a packet missing its last byte did not ask for more", original, &p);

  std::string wire;
  encode(p, wire);
  packet again;
  const auto r = decode(wire, max_remaining_length, again);
  if (r.status != decode_status::ok) fail("re-encoded packet does not decode", wire, &p);
  if (r.consumed != wire.size()) fail("re-encoded packet decodes to a different length", wire, &p);
  if (!test::same(p, again)) fail("re-encoded packet decodes to a different packet", wire, &p);
  if (!partially_decoded(p) && wire != original) fail("re-encoding differs from the input bytes", original, &p);
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
  while (!in.empty()) {
    packet p;
    const auto r = decode(in, max_packet, p);
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
    check_packet(in, max_packet, p, r.consumed);
    in.remove_prefix(r.consumed);
  }
  return 0;
}
