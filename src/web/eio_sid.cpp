// Session ids for the Engine.IO session table.
#include "hearth/web/eio_session_table.hpp"

namespace hearth::web::eio {

std::string make_sid(const std::array<std::uint8_t, 15>& b) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve(20);
  for (std::size_t i = 0; i < b.size(); i += 3) {
    const std::uint32_t v = std::uint32_t(b[i]) << 16 | std::uint32_t(b[i + 1]) << 8 | b[i + 2];
    out.push_back(alphabet[v >> 18 & 63]);
    out.push_back(alphabet[v >> 12 & 63]);
    out.push_back(alphabet[v >> 6 & 63]);
    out.push_back(alphabet[v & 63]);
  }
  return out;
}

}  // namespace hearth::web::eio
