#include "hearth/mqtt/topic.hpp"

namespace hearth::mqtt {

bool is_valid_topic_name(std::string_view name) noexcept {
  return !name.empty() && name.find_first_of("+#") == std::string_view::npos;
}

bool is_valid_topic_filter(std::string_view filter) noexcept {
  if (filter.empty()) return false;
  for (level_iterator it(filter); it; ++it) {
    auto level = *it;
    if (level.find_first_of("+#") == std::string_view::npos) continue;
    if (level.size() != 1) return false;  // a wildcard must be the whole level
    if (level == "#") {
      ++it;
      return !it;  // '#' must be the last level
    }
  }
  return true;
}

std::size_t topic_levels(std::string_view topic) noexcept {
  std::size_t levels = 1;
  for (char c : topic) levels += c == '/';
  return levels;
}

bool topic_matches(std::string_view filter, std::string_view name) noexcept {
  if (!name.empty() && name.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#'))
    return false;
  level_iterator f(filter);
  level_iterator n(name);
  for (; f; ++f, ++n) {
    if (*f == "#") return true;  // also matches the parent level: "a/#" matches "a"
    if (!n) return false;
    if (*f != "+" && *f != *n) return false;
  }
  return !n;
}

}  // namespace hearth::mqtt
