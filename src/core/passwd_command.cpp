#include "hearth/core/passwd_command.hpp"

#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <optional>

#include "hearth/core/password_file.hpp"

namespace hearth::core {

namespace {

// One line without its line break; nullopt at end of input.
std::optional<std::string> read_line(std::FILE* in) {
  std::string line;
  int c;
  while ((c = std::fgetc(in)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
  if (c == EOF && line.empty()) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Prompts on `err` with the terminal's echo off.
std::optional<std::string> prompt(std::FILE* in, std::FILE* err, const char* text) {
  std::fputs(text, err);
  std::fflush(err);
  const int fd = ::fileno(in);
  termios saved{};
  const bool tty = ::tcgetattr(fd, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  auto line = read_line(in);
  if (tty) {
    ::tcsetattr(fd, TCSAFLUSH, &saved);
    std::fputc('\n', err);
  }
  return line;
}

}  // namespace

int run_passwd(const std::string& file, const std::string& user, std::FILE* in, std::FILE* err) {
  password_file users;
  std::error_code ec;
  const bool exists = std::filesystem::exists(file, ec);
  if (exists) {
    try {
      users = password_file::load(file);
    } catch (const password_file_error& e) {
      std::fprintf(err, "hearthd passwd: %s\n", e.what());
      return 2;
    }
  }
  std::optional<std::string> password;
  if (::isatty(::fileno(in))) {
    password = prompt(in, err, "Password: ");
    const auto again = prompt(in, err, "Reenter password: ");
    if (password && again && *password != *again) {
      std::fputs("hearthd passwd: the passwords do not match\n", err);
      return 2;
    }
  } else {
    password = read_line(in);
  }
  if (!password || password->empty()) {
    std::fputs("hearthd passwd: no password on stdin (an empty password is not accepted)\n", err);
    return 2;
  }
  const bool changed = users.contains(user);
  try {
    users.set(user, *password);
  } catch (const password_file_error& e) {
    std::fprintf(err, "hearthd passwd: %s\n", e.what());
    return 2;
  }
  try {
    users.save(file);
  } catch (const password_file_error& e) {
    std::fprintf(err, "hearthd passwd: %s\n", e.what());
    return 1;
  }
  std::fprintf(err, "hearthd passwd: %s user '%s' in %s\n", changed ? "changed" : "added", user.c_str(),
               file.c_str());
  return 0;
}

}  // namespace hearth::core
