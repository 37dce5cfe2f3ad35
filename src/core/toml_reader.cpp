// Typed TOML reads whose every error names origin, line and key.
#include "hearth/core/toml_reader.hpp"

#include <sstream>

#include "hearth/core/config.hpp"

namespace hearth::core {

toml::table parse_toml(std::string_view text, std::string_view origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << origin << ':' << e.source().begin.line << ':' << e.source().begin.column << ": " << e.description();
    throw config_error(msg.str());
  }
}

std::string_view toml_type_name(const toml::node& n) noexcept {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    default: return "a date or time";
  }
}

void toml_reader::fail(const toml::node& n, std::string_view key, std::string_view what) const {
  std::ostringstream msg;
  msg << origin_;
  if (n.source().begin.line > 0) msg << ':' << n.source().begin.line;
  msg << ": " << key << ": " << what;
  throw config_error(msg.str());
}

void toml_reader::expected(const toml::node& n, std::string_view key, std::string_view what) const {
  fail(n, key, "expected " + std::string(what) + ", got " + std::string(toml_type_name(n)));
}

std::string toml_reader::string(const toml::node& n, std::string_view key) const {
  const auto* v = n.as_string();
  if (!v) expected(n, key, "a string");
  return v->get();
}

bool toml_reader::boolean(const toml::node& n, std::string_view key) const {
  const auto* v = n.as_boolean();
  if (!v) expected(n, key, "true or false");
  return v->get();
}

std::int64_t toml_reader::integer(const toml::node& n, std::string_view key, std::int64_t min, std::int64_t max) const {
  const auto* v = n.as_integer();
  if (!v) expected(n, key, "an integer");
  const std::int64_t x = v->get();
  if (x < min || x > max) {
    fail(n, key,
         (min == 0 && x < 0 ? "must not be negative"
                            : "must be between " + std::to_string(min) + " and " + std::to_string(max)) +
             " (got " + std::to_string(x) + ")");
  }
  return x;
}

double toml_reader::number(const toml::node& n, std::string_view key) const {
  if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
  const auto* f = n.as_floating_point();
  if (!f) expected(n, key, "a number");
  return f->get();
}

const toml::table& toml_reader::table(const toml::node& n, std::string_view key, std::string_view what) const {
  const auto* t = n.as_table();
  if (!t) expected(n, key, what);
  return *t;
}

}  // namespace hearth::core
