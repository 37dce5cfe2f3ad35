#include "hearth/mqtt/utf8.hpp"

#include <cstdint>

namespace hearth::mqtt {
namespace {

// MQTT 3.1.1 section 1.5.3 lets a receiver refuse control characters and
// non-characters; Mosquitto does, and clients rely on the same strictness
// (a topic with an embedded control character is nearly always a bug).
bool refused_code_point(std::uint32_t cp) noexcept {
  if (cp == 0) return true;                              // MQTT-1.5.3-2
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return true;  // C0 and C1 control characters
  if (cp >= 0xfdd0 && cp <= 0xfdef) return true;         // non-characters
  if ((cp & 0xfffe) == 0xfffe) return true;              // U+xFFFE and U+xFFFF in every plane
  return false;
}

}  // namespace

bool is_valid_mqtt_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const std::uint8_t c = *p;
    if (c < 0x80) {
      if (refused_code_point(c)) return false;
      ++p;
      continue;
    }
    std::uint32_t cp;
    int extra;
    if ((c & 0xe0) == 0xc0) {
      cp = c & 0x1f;
      extra = 1;
    } else if ((c & 0xf0) == 0xe0) {
      cp = c & 0x0f;
      extra = 2;
    } else if ((c & 0xf8) == 0xf0) {
      cp = c & 0x07;
      extra = 3;
    } else {
      return false;  // continuation byte or 0xf8..0xff as a lead byte
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    static constexpr std::uint32_t min_for_length[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[extra]) return false;          // overlong
    if (cp >= 0xd800 && cp <= 0xdfff) return false;        // surrogate, MQTT-1.5.3-1
    if (cp > 0x10ffff) return false;
    if (refused_code_point(cp)) return false;
    p += extra + 1;
  }
  return true;
}

}  // namespace hearth::mqtt
