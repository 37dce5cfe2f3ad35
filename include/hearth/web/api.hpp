// The REST API of the web UI (/api/..., contract in docs: /tmp/api.md of
// issue 6): functions from a plain http_request to an http_response, over
// the house's stores and the web's users and sessions. No Asio, no Beast:
// unit tests call handle() directly with :memory: databases and fake time.
//
// Authentication, in this order: `Authorization: Bearer <token>` (scripts;
// no CSRF token needed, a browser never sends it by itself), else the
// `hearth_session` cookie, which for POST/PUT/DELETE must come with the
// session's `X-CSRF-Token` (403 {"error":"csrf"} otherwise). No valid
// credentials: 401 {"error":"login required"}. Admin-only endpoints answer
// members 403 {"error":"admin only"}. Login: 200 with Set-Cookie
// (HttpOnly, SameSite=Strict, Path=/, Secure over TLS), 401 for bad
// credentials, 429 with Retry-After while the address is throttled.
//
// Every handler runs on the event loop and finishes there; the slow ones
// are bounded by the database's size (history: max 10,000 points; backup:
// one SQLite backup of readings.db, read back into the response).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "hearth/app/bridge.hpp"
#include "hearth/app/commands.hpp"
#include "hearth/store/audit.hpp"
#include "hearth/store/devices.hpp"
#include "hearth/store/sqlite.hpp"
#include "hearth/web/auth.hpp"
#include "hearth/web/auth_users.hpp"
#include "hearth/web/http.hpp"

namespace hearth::web {

struct command_reply {
  bool ok = false;
  std::string error;
};

// What the API needs from the house; app/web_bridge implements it over
// the house's objects, tests over :memory: stores.
class house_port {
public:
  virtual ~house_port() = default;
  virtual store::database& db() = 0;
  virtual store::devices& devices() = 0;
  virtual store::audit_log& audit() = 0;
  // The latest event of every sensor, relay, node and alarm (the bridge's).
  virtual std::vector<home::event> latest() const = 0;
  // Starts a relay command as `req.user`; `done` runs once it is confirmed
  // or has failed (at once when refused).
  virtual void command(const home::command_request& req, std::function<void(command_reply)> done) = 0;
  // Writes queued readings, so that history includes the newest.
  virtual void flush_readings() = 0;
  // Rooms or device names changed: the bridge's view should follow.
  virtual void pairing_changed() {}
};

struct principal {
  std::string user;
  web::role role = role::member;
  bool via_token = false;
  std::string csrf;     // the session's, empty for tokens
  std::string session;  // the session id, empty for tokens
};

struct api_options {
  std::string backup_dir;  // where a backup is written before it is sent
};

// The session cookie's value in a Cookie header, "" when absent.
std::string session_cookie(std::string_view cookie_header);

// /api/house: rooms, nodes, sensors (paired), relays, alarms, new devices.
boost::json::object house_snapshot(const store::devices& d, const std::vector<home::event>& latest);

class api {
public:
  api(house_port& house, user_directory& users, session_store& sessions, login_limiter& limiter,
      api_options opts = {});

  // Handles one request under /api/. `now` drives sessions and throttling.
  // `reply` runs once, at once for every endpoint but /api/command, which
  // answers when the relay confirmed the command or it failed.
  using reply_fn = std::function<void(http_response&&)>;
  void handle(const http_request& req, auth_clock::time_point now, reply_fn reply);
  // The same for the synchronous endpoints (all but /api/command), for tests.
  http_response handle(const http_request& req, auth_clock::time_point now);

  // Who a request is from (Bearer token or session cookie), without CSRF.
  std::optional<principal> authenticate(const std::map<std::string, std::string>& headers,
                                        auth_clock::time_point now);
  // The same for a Socket.IO CONNECT: the handshake's cookie, or {"token"}.
  std::optional<principal> authenticate_socket(const std::map<std::string, std::string>& headers,
                                               const boost::json::value& auth, auth_clock::time_point now);

  session_store& sessions() noexcept { return sessions_; }
  user_directory& users() noexcept { return users_; }

private:
  http_response handle_sync(const http_request& req, auth_clock::time_point now);
  http_response login(const http_request& req, auth_clock::time_point now);
  http_response logout(const principal& p);
  http_response me(const principal& p);
  http_response users_get();
  http_response users_post(const http_request& req);
  http_response users_delete(const principal& p, std::string_view name);
  http_response rooms(const http_request& req, std::string_view rest);
  http_response sensor_put(const http_request& req, std::string_view rest);
  http_response relay_put(const http_request& req, std::string_view rest);
  // Names a known device and puts it in a room (both PUTs above).
  http_response pair_device(const http_request& req, std::string_view node, std::string_view kind,
                            std::string_view id, std::string_view unknown);
  http_response pairing_import(const http_request& req);
  http_response history(const http_request& req, bool csv);
  void command(const principal& p, const http_request& req, reply_fn reply);
  http_response audit(const http_request& req);
  http_response backup();

  house_port& house_;
  user_directory& users_;
  session_store& sessions_;
  login_limiter& limiter_;
  api_options opts_;
};

// Helpers shared by the handler files.
http_response json_response(unsigned status, const boost::json::value& v);
http_response json_error(unsigned status, std::string_view message);
// Parses a JSON object body; nullopt (and `error` set) when it is not one.
std::optional<boost::json::object> parse_object(std::string_view body, http_response& error);

}  // namespace hearth::web
