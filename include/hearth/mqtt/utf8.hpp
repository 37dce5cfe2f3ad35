// UTF-8 validation as MQTT 3.1.1 section 1.5.3 requires: well-formed UTF-8
// (no overlongs, no surrogates U+D800..U+DFFF, nothing above U+10FFFF) and no
// U+0000. Like Mosquitto, it also refuses the control characters
// U+0001..U+001F and U+007F..U+009F and the Unicode non-characters, which the
// standard allows a receiver to refuse.
#pragma once

#include <string_view>

namespace hearth::mqtt {

bool is_valid_mqtt_utf8(std::string_view s) noexcept;

}  // namespace hearth::mqtt
