// /api/login, /api/logout, /api/me and /api/users.
#include <boost/json/array.hpp>

#include "hearth/web/api.hpp"

namespace hearth::web {

namespace json = boost::json;

namespace {

std::string cookie(std::string_view value, bool secure, std::string_view extra = {}) {
  std::string c = "hearth_session=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Strict";
  if (secure) c += "; Secure";
  c += extra;
  return c;
}

const json::string* string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? &v->as_string() : nullptr;
}

}  // namespace

http_response api::login(const http_request& req, auth_clock::time_point now) {
  if (auto wait = limiter_.wait(req.remote, now)) {
    auto r = json_error(429, "too many failed logins; try again later");
    r.set("Retry-After", std::to_string((wait->count() + 999) / 1000));
    return r;
  }
  http_response error;
  auto body = parse_object(req.body, error);
  if (!body) return error;
  const auto* user = string_field(*body, "username");
  const auto* password = string_field(*body, "password");
  if (!user || !password) return json_error(400, "username and password are required");
  // verify() costs the same for an unknown user, so timing tells nothing.
  const bool ok = users_.verify(*user, *password);
  const auto r = ok ? users_.role_of(*user) : std::nullopt;
  if (!r) {
    limiter_.failed(req.remote, now);
    return json_error(401, "bad credentials");
  }
  limiter_.succeeded(req.remote);
  const web_session& s = sessions_.create(*user, now);
  auto res = json_response(200, json::object{{"user", s.user}, {"role", to_string(*r)}, {"csrf", s.csrf}});
  res.set("Set-Cookie", cookie(s.id, req.secure));
  return res;
}

http_response api::logout(const principal& p) {
  if (!p.session.empty()) sessions_.remove(p.session);
  auto res = json_response(200, json::object{});
  res.set("Set-Cookie", cookie("", false, "; Max-Age=0"));
  return res;
}

http_response api::me(const principal& p) {
  return json_response(200, json::object{{"user", p.user}, {"role", to_string(p.role)}, {"csrf", p.csrf}});
}

http_response api::users_get() {
  json::array out;
  for (const auto& u : users_.list()) out.push_back(json::object{{"user", u.user}, {"role", to_string(u.role)}});
  return json_response(200, out);
}

http_response api::users_post(const http_request& req) {
  http_response error;
  auto body = parse_object(req.body, error);
  if (!body) return error;
  const auto* user = string_field(*body, "username");
  const auto* password = string_field(*body, "password");
  const auto* role_text = string_field(*body, "role");
  if (!user || !password) return json_error(400, "username and password are required");
  const auto r = role_text ? parse_role(*role_text) : std::optional<role>(role::member);
  if (!r) return json_error(400, "role must be admin or member");
  if (auto e = users_.add(*user, *password, *r); !e.empty()) return json_error(400, e);
  return json_response(200, json::object{{"user", *user}, {"role", to_string(*r)}});
}

http_response api::users_delete(const principal& p, std::string_view name) {
  if (name == p.user) return json_error(400, "you cannot delete yourself");
  if (auto e = users_.remove(name); !e.empty()) return json_error(e == "no such user" ? 404 : 400, e);
  sessions_.remove_user(name);
  return json_response(200, json::object{});
}

}  // namespace hearth::web
