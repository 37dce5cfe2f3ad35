// A small line logger: `log.info() << "listening mqtt " << endpoint;`
// One instance is built in main() and passed by reference; tests build their
// own (optionally capturing into a string). A disabled level costs a branch.
#pragma once

#include <iosfwd>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

namespace hearth::core {

enum class log_level { debug = 0, info = 1, warning = 2, error = 3, off = 4 };

// Parses "debug", "info", "warning", "error", "off"; nullopt-like false on error.
bool parse_log_level(std::string_view s, log_level& out) noexcept;

class logger;

class log_line {
public:
  log_line(logger* owner, log_level level);
  ~log_line();
  log_line(log_line&&) = delete;
  template <class T>
  log_line& operator<<(const T& v) {
    if (out_) *out_ << v;
    return *this;
  }

private:
  logger* owner_;
  log_level level_;
  std::unique_ptr<std::ostringstream> out_;
};

class logger {
public:
  explicit logger(log_level level = log_level::info);
  // Captures lines into `sink` instead of stderr (tests).
  logger(log_level level, std::string* sink);

  bool enabled(log_level l) const noexcept { return l >= level_; }
  void set_level(log_level l) noexcept { level_ = l; }

  log_line debug() { return {this, log_level::debug}; }
  log_line info() { return {this, log_level::info}; }
  log_line warn() { return {this, log_level::warning}; }
  log_line error() { return {this, log_level::error}; }

  void write(log_level level, std::string_view line);

private:
  log_level level_;
  std::string* sink_ = nullptr;
};

}  // namespace hearth::core
