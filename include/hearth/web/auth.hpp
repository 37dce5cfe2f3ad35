// Web sessions and login throttling: the pure parts of the web UI's login.
//
// A session is created by a successful POST /api/login. Its id (the
// `hearth_session` cookie) and its CSRF token are 32 random bytes from the
// OS's CSPRNG, hex-encoded; the CSRF token travels in the X-CSRF-Token header
// of every state-changing request (the cookie alone, which a browser attaches
// to cross-site requests, is not enough). A session ends at logout, when its
// user is deleted, or after `idle_timeout` without a request; the table is
// bounded (the least recently used session makes room).
//
// Login throttling is per client address (the port is ignored): the first
// `free_failures` failures cost nothing (typos happen), each one after that
// doubles the wait before the next attempt is even checked, from
// first_delay up to max_delay; an attempt inside the wait is answered 429
// without looking at the password, so guessing costs wall-clock time and the
// password hash is not a CPU sink. A success clears the address.
//
// Pure: callers pass `now`; no I/O but the random bytes.
#pragma once

#include <chrono>
#include <functional>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hearth::web {

using auth_clock = std::chrono::steady_clock;

// `bytes` random bytes from the OS (OpenSSL's RAND_bytes), hex-encoded.
// Throws std::runtime_error if the generator fails (it does not on Linux).
std::string random_hex(std::size_t bytes);

// Constant-time comparison of two secrets of possibly different lengths.
bool secrets_equal(std::string_view a, std::string_view b) noexcept;

struct web_session {
  std::string id;    // the cookie value
  std::string csrf;  // for X-CSRF-Token
  std::string user;
  auth_clock::time_point last_used;
};

struct session_limits {
  std::chrono::seconds idle_timeout{12 * 3600};
  std::size_t max_sessions = 1000;
};

class session_store {
public:
  explicit session_store(session_limits limits = {}) : limits_(limits) {}

  // A new session for `user`, evicting the least recently used one when full.
  const web_session& create(std::string_view user, auth_clock::time_point now);
  // The live session with this id, its idle time restarted; nullptr when
  // unknown or expired (an expired one is removed).
  const web_session* find(std::string_view id, auth_clock::time_point now);
  bool remove(std::string_view id);
  // Ends every session of `user` (deleted user); returns how many.
  std::size_t remove_user(std::string_view user);
  // Told the id of every session ended by remove() or remove_user() (a
  // logout, a deleted user), so that what it opened (live Socket.IO
  // connections) ends with it. Not for expiry: a dashboard left open keeps
  // its live connection.
  void on_ended(std::function<void(const std::string& id)> f) { on_ended_ = std::move(f); }
  // Drops expired sessions; returns how many.
  std::size_t expire(auth_clock::time_point now);

  std::size_t size() const noexcept { return sessions_.size(); }
  const session_limits& limits() const noexcept { return limits_; }

private:
  session_limits limits_;
  std::unordered_map<std::string, web_session> sessions_;
  std::function<void(const std::string& id)> on_ended_;
};

struct login_limits {
  unsigned free_failures = 3;
  std::chrono::milliseconds first_delay{1000};
  std::chrono::milliseconds max_delay{60000};
  std::chrono::seconds forget_after{900};
  std::size_t max_addresses = 4096;
};

class login_limiter {
public:
  explicit login_limiter(login_limits limits = {}) : limits_(limits) {}

  // How long a login from `peer` must still wait; nullopt when it may be
  // checked now.
  std::optional<std::chrono::milliseconds> wait(std::string_view peer, auth_clock::time_point now);
  // Records a failed login; returns the wait it imposes.
  std::chrono::milliseconds failed(std::string_view peer, auth_clock::time_point now);
  void succeeded(std::string_view peer);

  std::size_t size() const noexcept { return entries_.size(); }

  // "192.0.2.7:5000" -> "192.0.2.7", "[::1]:5000" -> "[::1]".
  static std::string_view address_of(std::string_view peer) noexcept;

private:
  struct entry {
    unsigned failures = 0;
    auth_clock::time_point last_failure;
    auth_clock::time_point not_before;
  };
  login_limits limits_;
  std::unordered_map<std::string, entry> entries_;
};

}  // namespace hearth::web
