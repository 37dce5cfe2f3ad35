// libFuzzer target for the Engine.IO v4 decoders: the polling payload
// (\x1e-separated packets, 'b' + base64 binary), single text packets, and
// request classification from a query string. Whatever decodes must
// re-encode to a payload that decodes to the same packets.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/web/eio_codec.hpp"
#include "hearth/web/eio_request.hpp"
#include "hearth/web/http.hpp"

using namespace hearth::web;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::vector<eio::packet> packets;
  if (eio::decode_payload(input, packets, 64) == eio::payload_error::none) {
    std::string again;
    for (const auto& p : packets) eio::append_to_payload(again, p);
    std::vector<eio::packet> round;
    if (eio::decode_payload(again, round, 64) != eio::payload_error::none || round != packets) std::abort();
  }
  if (auto p = eio::decode_text_packet(input)) {
    std::string out;
    eio::encode_text_packet(out, *p);
    if (out != input) std::abort();
  }

  // The same bytes as a request target: parsing and classification must
  // never fail other than by returning an error.
  std::string path;
  std::map<std::string, std::string> query;
  parse_target(input, path, query);
  (void)eio::classify(size % 2 ? "GET" : "POST", query, size % 3 == 0,
                      [](std::string_view sid) -> std::optional<eio::transport> {
                        if (sid == "s") return eio::transport::polling;
                        return std::nullopt;
                      });
  return 0;
}
