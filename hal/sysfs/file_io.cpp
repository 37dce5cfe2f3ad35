#include "hearth/hal/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>

namespace hearth::hal {
namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

// Closes the descriptor on every return path.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

std::error_code read_text(const std::string& path, std::string& out, std::size_t limit) {
  fd_guard f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return last_error();
  out.assign(limit, '\0');
  std::size_t got = 0;
  // sysfs returns the whole attribute in one read; regular files (the fake
  // tree) may need several.
  while (got < limit) {
    const ssize_t n = ::read(f.fd, out.data() + got, limit - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return {};
}

std::error_code write_text(const std::string& path, std::string_view text) {
  fd_guard f{::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC)};
  if (f.fd < 0) return last_error();
  for (;;) {
    const ssize_t n = ::write(f.fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_error();
    if (static_cast<std::size_t>(n) != text.size()) return std::make_error_code(std::errc::io_error);
    return {};
  }
}

std::error_code read_long(const std::string& path, long& out) {
  std::string text;
  if (auto ec = read_text(path, text, 64)) return ec;
  const auto t = trim(text);
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  if (t.empty() || ec != std::errc{} || end != t.data() + t.size())
    return std::make_error_code(std::errc::invalid_argument);
  return {};
}

std::error_code read_double(const std::string& path, double& out) {
  std::string text;
  if (auto ec = read_text(path, text, 64)) return ec;
  const std::string t(trim(text));
  if (t.empty()) return std::make_error_code(std::errc::invalid_argument);
  char* end = nullptr;
  errno = 0;
  out = std::strtod(t.c_str(), &end);
  if (errno != 0 || end != t.c_str() + t.size()) return std::make_error_code(std::errc::invalid_argument);
  return {};
}

}  // namespace hearth::hal
