// hearthd's command line (DESIGN.md), parsed without side effects:
//
//   hearthd [-c FILE] [--data-dir DIR] [--mqtt ADDR:PORT] [--mqtts ADDR:PORT]
//           [--https ADDR:PORT] [--http ADDR:PORT] [--password-file FILE]
//           [--acl-file FILE] [--allow-anonymous] [--demo] [--log-level LEVEL]
//           [--help] [--version]
//   hearthd passwd FILE USER       (adds or changes USER; password on stdin)
//   hearthd backup FILE [OPTIONS]  (online copy of the readings database)
//   hearthd token NAME USER [OPTIONS]  (a new API token, printed once)
//
// Options take their value as the next argument or after '=' (--mqtt=...).
// The command line overrides the config file. Errors are config_error
// naming the option, for main() to print and exit with code 2.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "hearth/core/config.hpp"

namespace hearth::core {

struct cli_options {
  enum class action { run, help, version, passwd, backup, token };
  action what = action::run;
  std::string passwd_file;  // passwd: the password file and the user
  std::string passwd_user;
  std::string backup_file;  // backup: where the copy of readings.db goes
  std::string token_name;   // token: the new token's name and the user it acts as
  std::string token_user;
  std::optional<std::string> config_file;
  std::optional<std::string> data_dir;
  std::optional<listen_address> mqtt;
  std::optional<listen_address> mqtts;
  std::optional<listen_address> https;
  std::optional<listen_address> http;
  std::optional<std::string> password_file;
  std::optional<std::string> acl_file;
  std::optional<log_level> level;
  bool allow_anonymous = false;
  bool demo = false;
};

// `args` excludes the program name.
cli_options parse_command_line(std::span<const char* const> args);

// The --help text.
std::string usage();

// Defaults, then the file named by -c (if any), then the command line, then
// validate(). Pure apart from reading the config file.
config load_config(const cli_options& cli);

// The same from a config text already read (tests; `origin` names it).
config build_config(const cli_options& cli, std::string_view toml_text, std::string_view origin);

}  // namespace hearth::core
