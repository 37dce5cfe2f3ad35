// `hearthd token NAME USER [-c CONFIG] [--data-dir DIR] [--password-file FILE]`:
// makes an API token that acts as USER (web/auth_users.hpp) and prints it
// once on `out`, the only time it is ever shown: only its SHA-256 is kept,
// in <data_dir>/api-tokens.
//
// USER must be in the users' password file: --password-file (or the config's
// password_file), else the web-only <data_dir>/web-passwd that hearthd makes
// on first start (the same rule as hearthd itself, web_password_path()).
// A running hearthd accepts the new token at once (it re-reads api-tokens
// when a token it does not know comes in and the file changed).
//
// Returns the exit code: 0 done, 2 bad input (no such data directory, a bad
// token name, an unknown user, a name already taken, a malformed file), 1 a
// failure to write. Messages go to `err`.
#pragma once

#include <cstdio>
#include <string>

#include "hearth/core/config.hpp"

namespace hearth::web {

// The password file of the web users for this configuration.
std::string web_password_path(const core::config& cfg);

int run_token(const core::config& cfg, const std::string& name, const std::string& user, std::FILE* out,
              std::FILE* err);

}  // namespace hearth::web
