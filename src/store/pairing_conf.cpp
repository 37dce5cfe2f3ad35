#include "hearth/store/pairing_conf.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "hearth/mqtt/utf8.hpp"

namespace hearth::store {

namespace {

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\f\v");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\f\v");
  return s.substr(b, e - b + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

}  // namespace

bool is_valid_device_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == ':';
  });
}

bool is_valid_room_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > max_room_name || name.front() == ' ' || name.back() == ' ') return false;
  if (!mqtt::is_valid_mqtt_utf8(name)) return false;  // also refuses U+0000
  return std::none_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

pairing_conf parse_pairing_conf(std::string_view text) {
  pairing_conf out;
  if (text.size() > max_pairing_conf_bytes) {
    out.errors.push_back("the file is over " + std::to_string(max_pairing_conf_bytes) + " bytes");
    return out;
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a BOM from a Windows editor
  // Sections seen, and the entries of the two that matter, by key.
  std::set<std::string> sections;
  std::map<std::string, pairing_entry> defaults, pairing;
  std::map<std::string, pairing_entry>* current = nullptr;
  bool in_section = false;
  bool saw_pairing = false;
  int line_no = 0;
  const auto fail = [&](std::string what) { out.errors.push_back("line " + std::to_string(line_no) + ": " + what); };

  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    const std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (raw.front() == ' ' || raw.front() == '\t') {
      fail("an indented line continues the previous value in configparser; Hearth does not take multi-line rooms");
      continue;
    }
    if (line.front() == '[') {
      if (line.back() != ']') {
        fail("a section header must end with ']'");
        continue;
      }
      const std::string name(line.substr(1, line.size() - 2));  // configparser keeps section names as written
      if (!sections.insert(name).second) fail("section [" + name + "] appears twice");
      in_section = true;
      current = name == "DEFAULT" ? &defaults : name == "sensorspairing" ? &pairing : nullptr;
      saw_pairing |= name == "sensorspairing";
      continue;
    }
    if (!in_section) {
      fail("an entry before any [section] header");
      continue;
    }
    const auto sep = line.find_first_of("=:");
    if (sep == std::string_view::npos) {
      fail("expected 'sensor-id = room'");
      continue;
    }
    const std::string key = lower(trim(line.substr(0, sep)));
    std::string_view value = trim(line.substr(sep + 1));
    if (!current) continue;  // another section: not ours, not checked
    if (!is_valid_device_id(key)) {
      fail("'" + key + "' is not a sensor id (1-64 of A-Z a-z 0-9 - _ . :)");
      continue;
    }
    std::string room;
    bool bad = false;
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i] != '%') {
        room += value[i];
      } else if (i + 1 < value.size() && value[i + 1] == '%') {
        room += '%';
        ++i;
      } else {
        bad = true;
      }
    }
    if (bad) {
      fail("'%' interpolation is not supported (write %% for a literal '%')");
      continue;
    }
    if (!is_valid_room_name(room)) {
      fail(room.empty() ? "no room for " + key : "'" + room + "' is not a usable room name (1-64 printable bytes of UTF-8)");
      continue;
    }
    if (current->contains(key)) {
      fail("'" + key + "' appears twice in the same section");
      continue;
    }
    current->emplace(key, pairing_entry{key, std::move(room), line_no});
  }
  if (!saw_pairing && out.errors.empty()) out.errors.push_back("no [sensorspairing] section");
  for (auto& [key, e] : defaults) pairing.try_emplace(key, e);  // the section's own entries win
  if (pairing.size() > max_pairing_entries)
    out.errors.push_back("more than " + std::to_string(max_pairing_entries) + " entries");
  if (!out.errors.empty()) return out;
  for (auto& [key, e] : pairing) out.entries.push_back(std::move(e));
  std::sort(out.entries.begin(), out.entries.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
  return out;
}

}  // namespace hearth::store
