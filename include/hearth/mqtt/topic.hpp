// Topic names and topic filters (MQTT 3.1.1 section 4.7): validation and
// matching of one name against one filter, without building strings.
#pragma once

#include <cstddef>
#include <string_view>

namespace hearth::mqtt {

// A topic name: at least one character, no '+' or '#'.
bool is_valid_topic_name(std::string_view name) noexcept;

// A topic filter: at least one character; '+' occupies a whole level; '#'
// occupies a whole level and is the last one.
bool is_valid_topic_filter(std::string_view filter) noexcept;

// The number of levels of a topic name or filter ("a/b" has 2, "/" has 2).
std::size_t topic_levels(std::string_view topic) noexcept;

// True when `name` matches `filter`. Topics starting with '$' are not matched
// by a filter starting with a wildcard (MQTT-4.7.2-1).
bool topic_matches(std::string_view filter, std::string_view name) noexcept;

// Splits a topic into levels one at a time: for (level_iterator it(t); it; ++it) *it.
class level_iterator {
public:
  explicit level_iterator(std::string_view topic) noexcept : rest_(topic) { advance(); }
  explicit operator bool() const noexcept { return valid_; }
  std::string_view operator*() const noexcept { return level_; }
  level_iterator& operator++() noexcept {
    advance();
    return *this;
  }

private:
  void advance() noexcept {
    if (done_) {
      valid_ = false;
      return;
    }
    auto slash = rest_.find('/');
    if (slash == std::string_view::npos) {
      level_ = rest_;
      done_ = true;
    } else {
      level_ = rest_.substr(0, slash);
      rest_ = rest_.substr(slash + 1);
    }
    valid_ = true;
  }
  std::string_view rest_;
  std::string_view level_;
  bool valid_ = false;
  bool done_ = false;
};

}  // namespace hearth::mqtt
