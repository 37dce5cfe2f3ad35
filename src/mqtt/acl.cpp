#include "hearth/mqtt/acl.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "hearth/mqtt/topic.hpp"

namespace hearth::mqtt {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view next_word(std::string_view& s) {
  s = trim(s);
  auto end = s.find_first_of(" \t");
  auto w = s.substr(0, end);
  s = end == std::string_view::npos ? std::string_view{} : trim(s.substr(end));
  return w;
}

std::string substitute(std::string_view pattern, const acl_identity& who, bool& usable) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '%' && i + 1 < pattern.size() && (pattern[i + 1] == 'u' || pattern[i + 1] == 'c')) {
      if (pattern[i + 1] == 'u') {
        if (!who.username) usable = false;  // an anonymous client never matches %u
        else out += *who.username;
      } else {
        out += who.client_id;
      }
      ++i;
    } else {
      out += pattern[i];
    }
  }
  return out;
}

}  // namespace

bool filter_covers(std::string_view rule, std::string_view filter) noexcept {
  if (!filter.empty() && filter.front() == '$' && !rule.empty() && (rule.front() == '+' || rule.front() == '#'))
    return false;
  level_iterator r(rule);
  level_iterator f(filter);
  for (; r; ++r, ++f) {
    if (*r == "#") return true;
    if (!f) return false;
    if (*f == "#") return false;  // only '#' covers '#'
    if (*r == "+") continue;      // covers a literal level and '+'
    if (*r != *f) return false;
  }
  return !f;
}

acl acl::parse(std::string_view text) {
  acl result;
  std::vector<acl_rule>* current = &result.anonymous_;
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    auto rest = line;
    auto keyword = next_word(rest);
    auto fail = [&](std::string_view why) {
      throw std::runtime_error("acl line " + std::to_string(line_no) + ": " + std::string(why) + ": " +
                               std::string(line));
    };
    if (keyword == "user") {
      if (rest.empty()) fail("user without a name");
      current = &result.users_[std::string(rest)];
      continue;
    }
    if (keyword != "topic" && keyword != "pattern") fail("unknown keyword");
    acl_rule rule;
    rule.pattern = keyword == "pattern";
    auto save = rest;
    auto word = next_word(rest);
    if (word == "read") rule.access = acl_access::read;
    else if (word == "write") rule.access = acl_access::write;
    else if (word == "readwrite") rule.access = acl_access::readwrite;
    else if (word == "deny") rule.access = acl_access::deny;
    else rest = save;  // no access word: readwrite, and the whole rest is the topic
    if (rest.empty()) fail("missing topic");
    rule.filter = std::string(rest);
    if (!is_valid_topic_filter(rule.filter)) fail("invalid topic filter");
    (rule.pattern ? result.patterns_ : *current).push_back(std::move(rule));
  }
  return result;
}

acl acl::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read acl file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse(ss.str());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

std::size_t acl::rule_count() const noexcept {
  std::size_t n = anonymous_.size() + patterns_.size();
  for (auto& [u, rules] : users_) n += rules.size();
  return n;
}

bool acl::allowed(const acl_identity& who, std::string_view topic, check c) const {
  // A user name or client id holding a wildcard would widen every pattern it
  // is substituted into ("devices/%c/#" with client id "#"); like Mosquitto,
  // such a client gets no access at all while patterns are in use.
  if (!patterns_.empty()) {
    if (who.username && who.username->find_first_of("+#") != std::string::npos) return false;
    if (who.client_id.find_first_of("+#") != std::string_view::npos) return false;
  }
  const std::vector<acl_rule>* own = &anonymous_;
  if (who.username) {
    auto it = users_.find(*who.username);
    own = it == users_.end() ? nullptr : &it->second;
  }
  bool granted = false;
  auto consider = [&](const acl_rule& rule, std::string_view filter) {
    const bool matches = c == check::subscribe ? filter_covers(filter, topic) : topic_matches(filter, topic);
    if (!matches) return true;
    if (rule.access == acl_access::deny) return false;
    const int need = c == check::write ? static_cast<int>(acl_access::write) : static_cast<int>(acl_access::read);
    if (static_cast<int>(rule.access) & need) granted = true;
    return true;
  };
  if (own) {
    for (auto& rule : *own)
      if (!consider(rule, rule.filter)) return false;
  }
  for (auto& rule : patterns_) {
    bool usable = true;
    auto filter = substitute(rule.filter, who, usable);
    if (usable && !consider(rule, filter)) return false;
  }
  return granted;
}

bool acl::can_write(const acl_identity& who, std::string_view topic) const {
  return allowed(who, topic, check::write);
}
bool acl::can_read(const acl_identity& who, std::string_view topic) const {
  return allowed(who, topic, check::read);
}
bool acl::can_subscribe(const acl_identity& who, std::string_view filter) const {
  return allowed(who, filter, check::subscribe);
}

}  // namespace hearth::mqtt
