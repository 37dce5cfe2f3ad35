// `hearthd passwd FILE USER`: adds USER to a Mosquitto-format password file
// or changes its password, creating the file (mode 0600) if needed.
//
// The password is read from stdin, never from the command line: typed twice
// with echo off when stdin is a terminal, else the first line (for scripts:
// `printf '%s\n' "$pw" | hearthd passwd FILE USER`). Returns the exit code:
// 0 done, 2 bad input (an unreadable or malformed file, a bad user name, an
// empty or mistyped password), 1 a failure to write. Messages go to `err`.
#pragma once

#include <cstdio>
#include <string>

namespace hearth::core {

int run_passwd(const std::string& file, const std::string& user, std::FILE* in, std::FILE* err);

}  // namespace hearth::core
