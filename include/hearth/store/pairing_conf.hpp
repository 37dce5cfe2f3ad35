// The original design's pairing.conf: which sensor is in which room, an INI
// file read with Python's configparser:
//
//   [sensorspairing]
//   28-0000071a2b3c = living
//   28-0000071a4d5e = kitchen
//
// Parsed as configparser would (so a file that worked there works here):
// `=` or `:` separates key and value, whitespace around both is stripped,
// whole-line comments start with '#' or ';', keys are lowercased, [DEFAULT]
// entries apply to every section, "%%" is a literal '%'. What configparser
// refuses we refuse too (a line outside any section, a line without a
// separator, a duplicate key or section), and what it would accept but
// Hearth cannot use (an empty room, a sensor id with odd characters,
// interpolation, continuation lines) is an error as well. Every error names
// its line; one error means nothing is imported. Pure: text in, entries out.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::store {

struct pairing_entry {
  std::string sensor;  // lowercased, as configparser's keys are
  std::string room;
  int line = 0;
};

struct pairing_conf {
  std::vector<pairing_entry> entries;  // [sensorspairing] merged over [DEFAULT]
  std::vector<std::string> errors;     // "line N: ..."; empty when the file is usable
  bool ok() const noexcept { return errors.empty(); }
};

inline constexpr std::size_t max_pairing_conf_bytes = 1 << 20;
inline constexpr std::size_t max_pairing_entries = 10000;
inline constexpr std::size_t max_room_name = 64;

pairing_conf parse_pairing_conf(std::string_view text);

// A sensor or relay id as Hearth accepts it from MQTT: 1-64 of A-Z a-z 0-9 - _ . :
bool is_valid_device_id(std::string_view id) noexcept;
// A room name: 1-64 bytes of valid UTF-8 without control characters, not
// starting or ending with a space.
bool is_valid_room_name(std::string_view name) noexcept;

}  // namespace hearth::store
