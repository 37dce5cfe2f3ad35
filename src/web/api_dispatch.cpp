// The REST API's front door: authentication, CSRF, roles, then the handler.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "hearth/web/api.hpp"

namespace hearth::web {

namespace json = boost::json;

http_response json_response(unsigned status, const json::value& v) {
  http_response r = http_response::text(status, json::serialize(v), "application/json");
  r.set("Cache-Control", "no-store");
  return r;
}

http_response json_error(unsigned status, std::string_view message) {
  return json_response(status, json::object{{"error", message}});
}

std::optional<json::object> parse_object(std::string_view body, http_response& error) {
  boost::system::error_code ec;
  json::value v = json::parse(body.empty() ? std::string_view("{}") : body, ec);
  if (ec || !v.is_object()) {
    error = json_error(400, "the body must be a JSON object");
    return std::nullopt;
  }
  return std::move(v.as_object());
}

std::string session_cookie(std::string_view header) {
  // Cookie: a=1; hearth_session=abc; b=2
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.starts_with("hearth_session=")) return std::string(part.substr(15));
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

api::api(house_port& house, user_directory& users, session_store& sessions, login_limiter& limiter,
         api_options opts)
    : house_(house), users_(users), sessions_(sessions), limiter_(limiter), opts_(std::move(opts)) {}

std::optional<principal> api::authenticate(const std::map<std::string, std::string>& headers,
                                           auth_clock::time_point now) {
  if (auto it = headers.find("authorization"); it != headers.end()) {
    std::string_view v = it->second;
    if (!v.starts_with("Bearer ")) return std::nullopt;
    auto user = users_.token_user(v.substr(7));
    if (!user) return std::nullopt;
    auto r = users_.role_of(*user);
    if (!r) return std::nullopt;
    return principal{*user, *r, true, {}, {}};
  }
  auto it = headers.find("cookie");
  if (it == headers.end()) return std::nullopt;
  const web_session* s = sessions_.find(session_cookie(it->second), now);
  if (!s) return std::nullopt;
  auto r = users_.role_of(s->user);
  if (!r) {  // deleted since
    sessions_.remove(s->id);
    return std::nullopt;
  }
  return principal{s->user, *r, false, s->csrf, s->id};
}

std::optional<principal> api::authenticate_socket(const std::map<std::string, std::string>& headers,
                                                  const json::value& auth, auth_clock::time_point now) {
  if (auth.is_object()) {
    if (const auto* t = auth.as_object().if_contains("token"); t && t->is_string()) {
      auto user = users_.token_user(t->as_string());
      if (!user) return std::nullopt;
      auto r = users_.role_of(*user);
      if (!r) return std::nullopt;
      return principal{*user, *r, true, {}, {}};
    }
  }
  std::map<std::string, std::string> only_cookie;
  if (auto it = headers.find("cookie"); it != headers.end()) only_cookie.emplace(*it);
  return authenticate(only_cookie, now);
}

http_response api::handle(const http_request& req, auth_clock::time_point now) {
  std::optional<http_response> out;
  handle(req, now, [&](http_response&& r) { out = std::move(r); });
  return out ? std::move(*out) : json_error(500, "no answer yet");
}

void api::handle(const http_request& req, auth_clock::time_point now, reply_fn reply) {
  if (req.path == "/api/command" && req.method == "POST") {
    auto who = authenticate(req.headers, now);
    if (!who) return reply(json_error(401, "login required"));
    if (!who->via_token && !secrets_equal(req.header("x-csrf-token"), who->csrf)) return reply(json_error(403, "csrf"));
    try {
      command(*who, req, reply);
    } catch (const std::exception& e) {
      reply(json_error(500, e.what()));
    }
    return;
  }
  reply(handle_sync(req, now));
}

http_response api::handle_sync(const http_request& req, auth_clock::time_point now) {
  const std::string_view path = req.path;
  const std::string& m = req.method;
  try {
    if (path == "/api/login") return m == "POST" ? login(req, now) : json_error(405, "use POST");

    auto who = authenticate(req.headers, now);
    if (!who) return json_error(401, "login required");
    const bool changes = m != "GET" && m != "HEAD";
    if (changes && !who->via_token && !secrets_equal(req.header("x-csrf-token"), who->csrf))
      return json_error(403, "csrf");
    const bool admin = who->role == role::admin;
    auto admin_only = [&]() { return json_error(403, "admin only"); };

    if (path == "/api/logout") return m == "POST" ? logout(*who) : json_error(405, "use POST");
    if (path == "/api/me") return me(*who);
    if (path == "/api/house") return json_response(200, house_snapshot(house_.devices(), house_.latest()));
    if (path == "/api/history") return history(req, false);
    if (path == "/api/history.csv") return history(req, true);
    if (path == "/api/command") return json_error(405, "use POST");

    // Everything below is for admins.
    const bool known = path == "/api/rooms" || path.starts_with("/api/rooms/") || path.starts_with("/api/sensors/") ||
                       path.starts_with("/api/relays/") || path == "/api/pairing/import" || path == "/api/audit" ||
                       path == "/api/users" || path.starts_with("/api/users/") || path == "/api/backup";
    if (!known) return json_error(404, "no such API");
    if (!admin) return admin_only();
    if (path == "/api/rooms" || path.starts_with("/api/rooms/")) return rooms(req, path.substr(10));
    if (path.starts_with("/api/sensors/")) return m == "PUT" ? sensor_put(req, path.substr(13)) : json_error(405, "use PUT");
    if (path.starts_with("/api/relays/")) return m == "PUT" ? relay_put(req, path.substr(12)) : json_error(405, "use PUT");
    if (path == "/api/pairing/import") return m == "POST" ? pairing_import(req) : json_error(405, "use POST");
    if (path == "/api/audit") return audit(req);
    if (path == "/api/users") {
      if (m == "GET") return users_get();
      if (m == "POST") return users_post(req);
      return json_error(405, "use GET or POST");
    }
    if (path.starts_with("/api/users/"))
      return m == "DELETE" ? users_delete(*who, path.substr(11)) : json_error(405, "use DELETE");
    return m == "POST" ? backup() : json_error(405, "use POST");
  } catch (const std::exception& e) {
    // A database or file failure: the message helps the admin, and holds
    // nothing a user could not see anyway.
    return json_error(500, e.what());
  }
}

}  // namespace hearth::web
