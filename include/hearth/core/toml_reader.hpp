// Typed reads out of a parsed TOML document, shared by hearthd's and
// hearth-agent's config files.
//
// Contract: every read either returns the value or throws config_error with
// `origin:line: key: what` (the line when toml++ knows it), and a wrong type
// says what was found ("expected a string, got an integer"), so a typo is
// found without reading the documentation. Only config parsers include this
// (it pulls in toml++).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <toml++/toml.h>

namespace hearth::core {

// Parses a whole document; a syntax error becomes config_error
// `origin:line:column: description`.
toml::table parse_toml(std::string_view text, std::string_view origin);

// "a string", "an integer", ...: the type as a message names it.
std::string_view toml_type_name(const toml::node& n) noexcept;

class toml_reader {
public:
  explicit toml_reader(std::string_view origin) : origin_(origin) {}

  [[noreturn]] void fail(const toml::node& n, std::string_view key, std::string_view what) const;
  // fail() with "expected <what>, got <the node's type>".
  [[noreturn]] void expected(const toml::node& n, std::string_view key, std::string_view what) const;

  std::string string(const toml::node& n, std::string_view key) const;
  bool boolean(const toml::node& n, std::string_view key) const;
  // An integer in [min, max]; the message quotes the value that was refused.
  std::int64_t integer(const toml::node& n, std::string_view key, std::int64_t min, std::int64_t max) const;
  std::size_t size(const toml::node& n, std::string_view key, std::int64_t min, std::int64_t max) const {
    return static_cast<std::size_t>(integer(n, key, min, max));
  }
  // An integer or a floating-point number.
  double number(const toml::node& n, std::string_view key) const;
  // `what` is what the message says was expected, e.g. "a table ([web])".
  const toml::table& table(const toml::node& n, std::string_view key, std::string_view what = "a table") const;

private:
  std::string_view origin_;
};

}  // namespace hearth::core
