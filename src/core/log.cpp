#include "hearth/core/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace hearth::core {

bool parse_log_level(std::string_view s, log_level& out) noexcept {
  if (s == "debug") out = log_level::debug;
  else if (s == "info") out = log_level::info;
  else if (s == "warning" || s == "warn") out = log_level::warning;
  else if (s == "error") out = log_level::error;
  else if (s == "off") out = log_level::off;
  else return false;
  return true;
}

log_line::log_line(logger* owner, log_level level) : owner_(owner), level_(level) {
  if (owner_->enabled(level)) out_ = std::make_unique<std::ostringstream>();
}

log_line::~log_line() {
  if (out_) owner_->write(level_, out_->str());
}

logger::logger(log_level level) : level_(level) {}
logger::logger(log_level level, std::string* sink) : level_(level), sink_(sink) {}

void logger::write(log_level level, std::string_view line) {
  static constexpr const char* names[] = {"debug", "info", "warning", "error", "off"};
  if (sink_) {
    sink_->append(names[static_cast<int>(level)]).append(": ").append(line).push_back('\n');
    return;
  }
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t t = system_clock::to_time_t(now);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::fprintf(stderr, "%s.%03dZ %s %.*s\n", stamp, static_cast<int>(ms), names[static_cast<int>(level)],
               static_cast<int>(line.size()), line.data());
}

}  // namespace hearth::core
