// Who may use the web UI and the REST API, and as what.
//
// Users and passwords live in the Mosquitto-format password file, the same
// one the MQTT broker checks (DESIGN.md: one set of users). Roles are not
// part of that format, so they live beside it in `<data_dir>/web-roles`
// (`user:admin` / `user:member` lines). A user the roles file does not name
// is an admin while the file names no admin at all (so a password file made
// with `hearthd passwd` works on first start), and a member once it does. The
// first change made through the API writes every user's role down, so adding
// a second admin never demotes the first.
//
// API tokens (`Authorization: Bearer hth_...`, or {"token"} as Socket.IO
// auth) act as the user they were made for. Only their SHA-256 is stored, in
// `<data_dir>/api-tokens` (`name:user:sha256hex`, mode 0600): the file does
// not give the tokens away. `hearthd token NAME USER [--data-dir DIR]` makes one
// (web/token_command.hpp); a running hearthd re-reads the file when it
// sees a token it does not know and the file changed since it was read.
//
// Files are rewritten atomically (temporary file, then rename). A change is
// written to disk before it takes effect in memory; write failures throw
// std::runtime_error with the file's name. Called from the event loop only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/core/password_file.hpp"

namespace hearth::web {

enum class role { admin, member };
std::string_view to_string(role r) noexcept;
std::optional<role> parse_role(std::string_view s) noexcept;

struct user_entry {
  std::string user;
  web::role role = role::member;
};

class user_directory {
public:
  using users_ptr = std::shared_ptr<const core::password_file>;

  // `password_path`: the password file read and written; `state_dir`: where
  // web-roles and api-tokens are. Loads what exists (a missing file is
  // empty); throws std::runtime_error naming a malformed file.
  user_directory(std::string password_path, std::string state_dir);

  const std::string& password_path() const noexcept { return password_path_; }
  users_ptr users() const noexcept { return users_; }
  // The password file again (SIGHUP), keeping the roles.
  void set_users(users_ptr users);
  // Runs after every change of the password file made here (the broker's
  // login checker takes the new users).
  void on_users_changed(std::function<void(users_ptr)> f) { on_change_ = std::move(f); }

  bool verify(std::string_view user, std::string_view password) const;
  // nullopt: no such user.
  std::optional<web::role> role_of(std::string_view user) const;
  std::vector<user_entry> list() const;

  // Adds a user or changes its password and role. Returns an error text
  // for a bad name, password or role ("" when done).
  std::string add(std::string_view user, std::string_view password, web::role r);
  std::string remove(std::string_view user);

  // A new token for `user`, returned once in clear: "hth_" + 64 hex digits.
  // Throws std::invalid_argument for a bad name or unknown user.
  std::string create_token(std::string_view name, std::string_view user);
  // The user a token acts as; nullopt for an unknown token or a user that no
  // longer exists.
  std::optional<std::string> token_user(std::string_view token) const;
  std::vector<std::pair<std::string, std::string>> tokens() const;  // name, user

private:
  bool has_explicit_admin() const;
  void save_roles(const std::map<std::string, web::role, std::less<>>& roles) const;
  void save_tokens() const;
  void load_roles();
  void load_tokens() const;
  // An unknown token may be new on disk (`hearthd token`): re-reads the file
  // if it changed since it was read; a malformed file keeps the old tokens.
  void reload_tokens_if_changed() const;

  std::string password_path_;
  std::string roles_path_;
  std::string tokens_path_;
  users_ptr users_;
  std::map<std::string, web::role, std::less<>> roles_;
  struct token { std::string name, user; };
  // by sha256 hex; mutable for the re-read of token_user()
  mutable std::map<std::string, token, std::less<>> tokens_;
  struct file_version {
    std::int64_t mtime_ns = -1, size = -1, inode = -1;  // -1: missing
    bool operator==(const file_version&) const = default;
  };
  mutable file_version tokens_version_;
  std::function<void(users_ptr)> on_change_;
};

// SHA-256 of `text`, hex.
std::string sha256_hex(std::string_view text);

// Writes `text` to `path` through a temporary file renamed over it, with
// mode 0600. Throws std::runtime_error naming the file.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace hearth::web
