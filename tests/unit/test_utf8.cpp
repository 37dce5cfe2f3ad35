// UTF-8 validation as MQTT 3.1.1 section 1.5.3 requires, plus the control
// characters and non-characters that the standard lets a receiver refuse and
// Mosquitto does refuse.
#include <catch2/catch.hpp>

#include "codec_support.hpp"
#include "hearth/mqtt/utf8.hpp"

using hearth::mqtt::is_valid_mqtt_utf8;
using hearth::test::bytes;
using hearth::test::hex;

TEST_CASE("well-formed UTF-8 is accepted", "[utf8]") {
  CHECK(is_valid_mqtt_utf8(""));
  CHECK(is_valid_mqtt_utf8("plain/ascii"));
  CHECK(is_valid_mqtt_utf8(bytes({0x20, 0x7e})));              // lowest and highest printable ASCII
  CHECK(is_valid_mqtt_utf8(bytes({0xc2, 0xa0})));              // U+00A0, just above the C1 controls
  CHECK(is_valid_mqtt_utf8(bytes({0xdf, 0xbf})));              // U+07FF
  CHECK(is_valid_mqtt_utf8(bytes({0xe0, 0xa0, 0x80})));        // U+0800, lowest 3-byte
  CHECK(is_valid_mqtt_utf8(bytes({0xed, 0x9f, 0xbf})));        // U+D7FF, just below the surrogates
  CHECK(is_valid_mqtt_utf8(bytes({0xee, 0x80, 0x80})));        // U+E000, just above them
  CHECK(is_valid_mqtt_utf8(bytes({0xef, 0xb7, 0x8f})));        // U+FDCF, just below the non-characters
  CHECK(is_valid_mqtt_utf8(bytes({0xef, 0xb7, 0xb0})));        // U+FDF0, just above them
  CHECK(is_valid_mqtt_utf8(bytes({0xef, 0xbf, 0xbd})));        // U+FFFD, the replacement character
  CHECK(is_valid_mqtt_utf8(bytes({0xef, 0xbb, 0xbf})));        // U+FEFF, BOM: must not be skipped or refused
  CHECK(is_valid_mqtt_utf8(bytes({0xf0, 0x90, 0x80, 0x80})));  // U+10000, lowest 4-byte
  CHECK(is_valid_mqtt_utf8(bytes({0xf0, 0x9f, 0xbf, 0xbd})));  // U+1FFFD
  CHECK(is_valid_mqtt_utf8(bytes({0xf4, 0x8f, 0xbf, 0xbd})));  // U+10FFFD, the highest character
}

TEST_CASE("control characters and non-characters are refused", "[utf8][malformed]") {
  // MQTT 3.1.1 section 1.5.3 allows a receiver to refuse them; Mosquitto does.
  const std::string refused[] = {
      bytes({0x01}),                    // U+0001, the first C0 control
      bytes({'a', 0x09, 'b'}),          // U+0009, TAB, inside
      bytes({'a', 0x0a}),               // U+000A, LF
      bytes({0x1f}),                    // U+001F, the last C0 control
      bytes({0x7f}),                    // U+007F, DEL
      bytes({0xc2, 0x80}),              // U+0080, the first C1 control
      bytes({0xc2, 0x9f}),              // U+009F, the last C1 control
      bytes({0xef, 0xb7, 0x90}),        // U+FDD0, the first of the non-character block
      bytes({0xef, 0xb7, 0xaf}),        // U+FDEF, its last
      bytes({0xef, 0xbf, 0xbe}),        // U+FFFE
      bytes({0xef, 0xbf, 0xbf}),        // U+FFFF
      bytes({0xf0, 0x9f, 0xbf, 0xbe}),  // U+1FFFE
      bytes({0xf0, 0x9f, 0xbf, 0xbf}),  // U+1FFFF
      bytes({0xf3, 0xbf, 0xbf, 0xbf}),  // U+FFFFF
      bytes({0xf4, 0x8f, 0xbf, 0xbe}),  // U+10FFFE
      bytes({0xf4, 0x8f, 0xbf, 0xbf}),  // U+10FFFF
  };
  for (const auto& s : refused) {
    INFO(hex(s));
    CHECK_FALSE(is_valid_mqtt_utf8(s));
    CHECK_FALSE(is_valid_mqtt_utf8("ok/" + s + "/ok"));
  }
}

TEST_CASE("ill-formed UTF-8, U+0000 and surrogates are refused", "[utf8][malformed]") {
  const std::string bad[] = {
      bytes({0x00}),                                // U+0000 (MQTT-1.5.3-2)
      bytes({'a', 0x00, 'b'}),                      // U+0000 inside
      bytes({0xc0, 0x80}),                          // overlong U+0000
      bytes({0xc1, 0xbf}),                          // overlong U+007F
      bytes({0xe0, 0x9f, 0xbf}),                    // overlong U+07FF
      bytes({0xf0, 0x8f, 0xbf, 0xbf}),              // overlong U+FFFF
      bytes({0xed, 0xa0, 0x80}),                    // U+D800, first surrogate (MQTT-1.5.3-1)
      bytes({0xed, 0xbf, 0xbf}),                    // U+DFFF, last surrogate
      bytes({0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80}),  // a CESU-8 surrogate pair
      bytes({0xf4, 0x90, 0x80, 0x80}),              // U+110000, above the range
      bytes({0xf5, 0x80, 0x80, 0x80}),              // lead byte 0xF5
      bytes({0xf8, 0x88, 0x80, 0x80, 0x80}),        // 5-byte form
      bytes({0xff}),                                // 0xFF
      bytes({0xfe}),                                // 0xFE
      bytes({0x80}),                                // lone continuation byte
      bytes({'a', 0xbf}),                           // continuation after ASCII
      bytes({0xc3}),                                // truncated 2-byte sequence at the end
      bytes({0xe2, 0x82}),                          // truncated 3-byte sequence at the end
      bytes({0xf0, 0x9f, 0x98}),                    // truncated 4-byte sequence at the end
      bytes({0xe2, 0x82, 'a'}),                     // truncated sequence followed by ASCII
      bytes({0xc3, 0xc3, 0xa9}),                    // lead byte where a continuation belongs
  };
  for (const auto& s : bad) {
    INFO(hex(s));
    CHECK_FALSE(is_valid_mqtt_utf8(s));
  }
}
