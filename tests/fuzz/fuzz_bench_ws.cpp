// libFuzzer target for hearth-bench's e2e client parsers (issue 7): the
// WebSocket frame decoder, the check of the 101 upgrade answer and the
// Engine.IO / Socket.IO `reading` event matcher. Whatever a frame decodes to
// must lie inside the input and consume no more than it; a matched reading's
// sequence number must be exact in a double.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hearth/bench/e2e_protocol.hpp"
#include "hearth/bench/ws_client.hpp"

using namespace hearth::bench;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::string_view rest = input;
  while (!rest.empty()) {
    ws::frame f;
    const auto r = ws::decode_frame(rest, 1 << 16, f);
    if (r.status != ws::decode_status::ok) break;
    if (r.consumed == 0 || r.consumed > rest.size()) std::abort();
    if (f.payload.data() < rest.data() || f.payload.data() + f.payload.size() > rest.data() + r.consumed) std::abort();
    if (static_cast<std::uint8_t>(f.op) >= 8 && (!f.fin || f.payload.size() > 125)) std::abort();
    (void)e2e::classify(f.payload);
    rest.remove_prefix(r.consumed);
  }

  const auto up = ws::parse_upgrade_response(input, "dGhlIHNhbXBsZSBub25jZQ==");
  if (up.consumed > input.size() || (up.consumed && !up.error.empty())) std::abort();

  const auto m = e2e::match_reading(input, "hearth-bench", "seq");
  if (m.is == e2e::reading_match::what::ours && m.seq > (std::uint64_t{1} << 53)) std::abort();
  return 0;
}
