// The REST API (web/api.hpp) as plain functions: requests in, responses out,
// over :memory: stores and fake time.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "hearth/store/audit.hpp"
#include "hearth/store/devices.hpp"
#include "hearth/store/readings.hpp"
#include "hearth/web/api.hpp"
#include "store_support.hpp"

using namespace hearth;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

struct fake_house final : web::house_port {
  test::house::memory_db m;
  store::devices devs{m.db};
  store::audit_log log{m.db};
  store::readings_store readings{m.db};
  std::vector<home::event> events;
  std::vector<home::command_request> commands;
  int flushes = 0;

  store::database& db() override { return m.db; }
  store::devices& devices() override { return devs; }
  store::audit_log& audit() override { return log; }
  std::vector<home::event> latest() const override { return events; }
  void command(const home::command_request& r, std::function<void(web::command_reply)> done) override {
    commands.push_back(r);
    if (r.node == "nowhere") return done({false, "unknown relay"});
    log.record(1000, r.user, r.node, r.relay, r.state);
    done({true, {}});
  }
  void flush_readings() override {
    ++flushes;
    readings.flush();
  }
};

struct fixture {
  test::house::temp_dir dir;
  fake_house house;
  web::user_directory users{dir.file("passwd"), dir.path()};
  web::session_store sessions;
  web::login_limiter limiter{{0, 1000ms, 8000ms, 900s, 100}};
  web::api api{house, users, sessions, limiter, {dir.path()}};
  web::auth_clock::time_point now = web::auth_clock::time_point{} + 1000s;

  fixture() {
    REQUIRE(users.add("admin", "admin-password", web::role::admin).empty());
    REQUIRE(users.add("member", "member-password", web::role::member).empty());
  }

  web::http_response call(std::string method, std::string target, std::string body = {},
                          std::map<std::string, std::string> headers = {}) {
    web::http_request r;
    r.method = std::move(method);
    r.target = target;
    web::parse_target(target, r.path, r.query);
    r.headers = std::move(headers);
    r.body = std::move(body);
    r.remote = "127.0.0.1:5555";
    std::optional<web::http_response> out;
    api.handle(r, now, [&](web::http_response&& res) { out = std::move(res); });
    REQUIRE(out);
    return std::move(*out);
  }

  struct login_result {
    std::string cookie, csrf;
  };
  login_result login(const std::string& user, const std::string& pw) {
    auto r = call("POST", "/api/login", json::serialize(json::object{{"username", user}, {"password", pw}}));
    REQUIRE(r.status == 200);
    std::string set_cookie;
    for (auto& [n, v] : r.headers)
      if (n == "Set-Cookie") set_cookie = v;
    const auto id = set_cookie.substr(15, set_cookie.find(';') - 15);
    return {"hearth_session=" + id, std::string(json::parse(r.body).at("csrf").as_string())};
  }
  std::map<std::string, std::string> as(const login_result& l, bool with_csrf = true) {
    std::map<std::string, std::string> h{{"cookie", "a=b; " + l.cookie}};
    if (with_csrf) h["x-csrf-token"] = l.csrf;
    return h;
  }
};

json::value body(const web::http_response& r) { return json::parse(r.body); }

std::string header(const web::http_response& r, std::string_view name) {
  for (auto& [n, v] : r.headers)
    if (n == name) return v;
  return {};
}

}  // namespace

TEST_CASE("api: login sets a safe cookie; bad credentials, throttling", "[web][api]") {
  fixture f;
  auto r = f.call("POST", "/api/login", R"({"username":"admin","password":"admin-password"})");
  REQUIRE(r.status == 200);
  CHECK(body(r).at("user") == "admin");
  CHECK(body(r).at("role") == "admin");
  const auto cookie = header(r, "Set-Cookie");
  CHECK_THAT(cookie, Catch::StartsWith("hearth_session="));
  CHECK_THAT(cookie, Catch::Contains("HttpOnly"));
  CHECK_THAT(cookie, Catch::Contains("SameSite=Strict"));
  CHECK_THAT(cookie, Catch::Contains("Path=/"));

  r = f.call("POST", "/api/login", R"({"username":"admin","password":"wrong"})");
  CHECK(r.status == 401);
  CHECK(body(r) == json::parse(R"({"error":"bad credentials"})"));
  // Within the wait even the right password is not checked.
  r = f.call("POST", "/api/login", R"({"username":"admin","password":"admin-password"})");
  CHECK(r.status == 429);
  CHECK(header(r, "Retry-After") == "1");
  f.now += 1001ms;
  CHECK(f.call("POST", "/api/login", R"({"username":"nobody","password":"x"})").status == 401);
  f.now += 1000ms;
  CHECK(f.call("POST", "/api/login", "{}").status == 429);  // the wait doubled
  f.now += 1001ms;
  CHECK(f.call("POST", "/api/login", "not json").status == 400);
  CHECK(f.call("POST", "/api/login", R"({"username":"admin"})").status == 400);
  CHECK(f.call("GET", "/api/login").status == 405);
}

TEST_CASE("api: login required, CSRF on changes, admin only", "[web][api]") {
  fixture f;
  CHECK(f.call("GET", "/api/house").status == 401);
  CHECK(body(f.call("GET", "/api/me")) == json::parse(R"({"error":"login required"})"));
  CHECK(f.call("GET", "/api/me", {}, {{"cookie", "hearth_session=forged"}}).status == 401);

  auto admin = f.login("admin", "admin-password");
  auto me = f.call("GET", "/api/me", {}, f.as(admin, false));
  REQUIRE(me.status == 200);
  CHECK(body(me).at("csrf").as_string() == admin.csrf);

  // A change without the CSRF token, or with another session's, is refused.
  CHECK(body(f.call("POST", "/api/rooms", R"({"name":"Hall"})", f.as(admin, false))) ==
        json::parse(R"({"error":"csrf"})"));
  auto member = f.login("member", "member-password");
  auto forged = f.as(admin);
  forged["x-csrf-token"] = member.csrf;
  CHECK(f.call("POST", "/api/rooms", R"({"name":"Hall"})", forged).status == 403);
  auto r = f.call("POST", "/api/rooms", R"({"name":"Hall"})", f.as(admin));
  REQUIRE(r.status == 200);
  CHECK(body(r).at("name") == "Hall");

  // A member sees the house and may switch, but not administer.
  CHECK(f.call("GET", "/api/house", {}, f.as(member)).status == 200);
  CHECK(body(f.call("GET", "/api/users", {}, f.as(member))) == json::parse(R"({"error":"admin only"})"));
  CHECK(f.call("POST", "/api/rooms", R"({"name":"X"})", f.as(member)).status == 403);
  CHECK(f.call("POST", "/api/backup", {}, f.as(member)).status == 403);
  r = f.call("POST", "/api/command", R"({"node":"kitchen","relay":"light","state":"on"})", f.as(member));
  CHECK(body(r) == json::parse(R"({"ok":true})"));
  REQUIRE(f.house.commands.size() == 1);
  CHECK(f.house.commands[0].user == "member");
  r = f.call("POST", "/api/command", R"({"node":"nowhere","relay":"light","state":"on"})", f.as(member));
  CHECK(body(r) == json::parse(R"({"ok":false,"error":"unknown relay"})"));

  // Logout ends the session.
  CHECK(f.call("POST", "/api/logout", "{}", f.as(member)).status == 200);
  CHECK(f.call("GET", "/api/me", {}, f.as(member)).status == 401);
  CHECK(f.call("GET", "/api/nothing", {}, f.as(admin)).status == 404);
}

TEST_CASE("api: bearer tokens need no CSRF token and act as their user", "[web][api]") {
  fixture f;
  const auto tok = f.users.create_token("cron", "member");
  auto r = f.call("GET", "/api/me", {}, {{"authorization", "Bearer " + tok}});
  REQUIRE(r.status == 200);
  CHECK(body(r).at("user") == "member");
  r = f.call("POST", "/api/command", R"({"node":"kitchen","relay":"light","state":"off"})",
             {{"authorization", "Bearer " + tok}});
  CHECK(body(r).at("ok") == true);
  CHECK(f.call("GET", "/api/me", {}, {{"authorization", "Bearer hth_nope"}}).status == 401);
  CHECK(f.call("GET", "/api/me", {}, {{"authorization", "Basic abc"}}).status == 401);
  CHECK(f.call("GET", "/api/users", {}, {{"authorization", "Bearer " + tok}}).status == 403);
}

TEST_CASE("api: users are added, listed and deleted by admins", "[web][api]") {
  fixture f;
  auto admin = f.login("admin", "admin-password");
  auto r = f.call("POST", "/api/users", R"({"username":"kid","password":"kid-password","role":"member"})", f.as(admin));
  REQUIRE(r.status == 200);
  CHECK(f.users.verify("kid", "kid-password"));
  auto list = body(f.call("GET", "/api/users", {}, f.as(admin))).as_array();
  CHECK(list.size() == 3);
  CHECK(f.call("POST", "/api/users", R"({"username":"x","password":"short"})", f.as(admin)).status == 400);
  CHECK(f.call("POST", "/api/users", R"({"username":"x","password":"long-enough","role":"god"})", f.as(admin)).status == 400);
  auto kid = f.login("kid", "kid-password");
  CHECK(f.call("DELETE", "/api/users/kid", {}, f.as(admin)).status == 200);
  CHECK(f.call("GET", "/api/me", {}, f.as(kid)).status == 401);  // sessions end with the user
  CHECK(f.call("DELETE", "/api/users/kid", {}, f.as(admin)).status == 404);
  CHECK(f.call("DELETE", "/api/users/admin", {}, f.as(admin)).status == 400);  // not yourself
}

TEST_CASE("api: the house snapshot, pairing and rooms", "[web][api]") {
  fixture f;
  auto admin = f.login("admin", "admin-password");
  auto& d = f.house.devs;
  d.seen("kitchen", "temperature", "28-01", 1000);
  d.seen("kitchen", "relay", "light", 1000);
  d.seen("garden", "moisture", "soil-1", 1000);
  f.house.events.push_back({"reading", {{"node", "kitchen"}, {"kind", "temperature"}, {"sensor", "28-01"},
                                        {"room", nullptr}, {"value", 21.5}, {"unit", "°C"}, {"ts", 5000}}});
  f.house.events.push_back({"relay", {{"node", "kitchen"}, {"relay", "light"}, {"room", nullptr},
                                      {"state", "off"}, {"pending", false}}});
  f.house.events.push_back({"node", {{"node", "kitchen"}, {"online", true}, {"last_seen", 5000}}});

  auto snap = body(f.call("GET", "/api/house", {}, f.as(admin)));
  CHECK(snap.at("sensors").as_array().empty());
  CHECK(snap.at("new_devices").as_array().size() == 2);
  REQUIRE(snap.at("relays").as_array().size() == 1);
  CHECK(snap.at("relays").at(0).at("state") == "off");
  // Nodes by name: garden has no status yet, kitchen is online.
  CHECK(snap.at("nodes").at(0).at("node") == "garden");
  CHECK(snap.at("nodes").at(0).at("online") == false);
  CHECK(snap.at("nodes").at(1).at("online") == true);

  const auto room = body(f.call("POST", "/api/rooms", R"({"name":"Kitchen"})", f.as(admin))).at("id").as_int64();
  auto r = f.call("PUT", "/api/sensors/kitchen/temperature/28-01",
                  json::serialize(json::object{{"name", "Oven side"}, {"room", room}}), f.as(admin));
  REQUIRE(r.status == 200);
  CHECK(f.call("PUT", "/api/sensors/kitchen/temperature/nope", R"({"room":null})", f.as(admin)).status == 404);
  CHECK(f.call("PUT", "/api/sensors/kitchen/temperature/28-01", R"({"room":999})", f.as(admin)).status == 400);
  CHECK(f.call("PUT", "/api/relays/kitchen/light", R"({"name":"Ceiling","room":"Kitchen"})", f.as(admin)).status ==
        200);

  snap = body(f.call("GET", "/api/house", {}, f.as(admin)));
  REQUIRE(snap.at("sensors").as_array().size() == 1);
  const auto& s = snap.at("sensors").at(0);
  CHECK(s.at("name") == "Oven side");
  CHECK(s.at("room") == room);
  CHECK(s.at("value") == 21.5);
  CHECK(s.at("ts") == 5000);
  CHECK(snap.at("relays").at(0).at("room") == room);
  CHECK(snap.at("relays").at(0).at("name") == "Ceiling");
  CHECK(snap.at("new_devices").as_array().size() == 1);

  CHECK(f.call("PUT", "/api/rooms/" + std::to_string(room), R"({"name":"Cuisine"})", f.as(admin)).status == 200);
  CHECK(f.call("PUT", "/api/rooms/" + std::to_string(room), R"({"name":""})", f.as(admin)).status == 400);
  CHECK(f.call("DELETE", "/api/rooms/" + std::to_string(room), {}, f.as(admin)).status == 200);
  CHECK(f.call("DELETE", "/api/rooms/abc", {}, f.as(admin)).status == 404);
  snap = body(f.call("GET", "/api/house", {}, f.as(admin)));
  CHECK(snap.at("rooms").as_array().empty());
  CHECK(snap.at("sensors").at(0).at("room").is_null());
}

TEST_CASE("api: pairing.conf import keeps the good lines and reports the bad", "[web][api]") {
  fixture f;
  auto admin = f.login("admin", "admin-password");
  f.house.devs.seen("garden", "moisture", "soil-1", 1000);
  auto r = f.call("POST", "/api/pairing/import", "[sensorspairing]\nsoil-1 = Garden\nthis is not a pair\nx-2 = Garden\n",
                  f.as(admin));
  REQUIRE(r.status == 200);
  CHECK(body(r).at("imported") == 2);
  REQUIRE(body(r).at("errors").as_array().size() == 1);
  CHECK_THAT(std::string(body(r).at("errors").at(0).as_string()), Catch::StartsWith("line 3"));
  CHECK(f.house.devs.room_of("garden", "moisture", "soil-1") == "Garden");
  r = f.call("POST", "/api/pairing/import", "nothing here", f.as(admin));
  CHECK(body(r).at("imported") == 0);
  CHECK_FALSE(body(r).at("errors").as_array().empty());
}

TEST_CASE("api: history as JSON and CSV, bad parameters refused", "[web][api]") {
  fixture f;
  auto admin = f.login("admin", "admin-password");
  for (int i = 0; i < 5; ++i) f.house.readings.add({"kitchen", "temperature", "28-01", 20.0 + i, 1000 + i * 1000});
  auto r = f.call("GET", "/api/history?node=kitchen&kind=temperature&sensor=28-01&from=0&to=100000", {}, f.as(admin));
  REQUIRE(r.status == 200);
  CHECK(f.house.flushes == 1);
  auto b = body(r);
  CHECK(b.at("resolution") == "raw");
  CHECK(b.at("unit") == "°C");
  REQUIRE(b.at("rows").as_array().size() == 5);
  CHECK(b.at("rows").at(0) == json::parse("[1000, 20.0]"));

  r = f.call("GET", "/api/history.csv?node=kitchen&kind=temperature&sensor=28-01&from=0&to=100000", {}, f.as(admin));
  REQUIRE(r.status == 200);
  CHECK_THAT(header(r, "Content-Type"), Catch::StartsWith("text/csv"));
  CHECK(std::count(r.body.begin(), r.body.end(), '\n') == 6);

  CHECK(f.call("GET", "/api/history?node=kitchen&kind=temperature&sensor=28-01&from=5&to=1", {}, f.as(admin)).status ==
        400);
  CHECK(f.call("GET", "/api/history?node=kitchen&kind=temperature&from=0&to=1", {}, f.as(admin)).status == 400);
  CHECK(f.call("GET", "/api/history?node=k&kind=t&sensor=s&from=x&to=1", {}, f.as(admin)).status == 400);
  CHECK(f.call("GET", "/api/history?node=k&kind=t&sensor=s&from=0&to=1&points=0", {}, f.as(admin)).status == 400);
  // An unknown series is simply empty.
  r = f.call("GET", "/api/history?node=k&kind=t&sensor=s&from=0&to=10", {}, f.as(admin));
  CHECK(body(r).at("rows").as_array().empty());
}

TEST_CASE("api: audit log and backup for admins", "[web][api]") {
  fixture f;
  auto admin = f.login("admin", "admin-password");
  f.call("POST", "/api/command", R"({"node":"kitchen","relay":"light","state":"on"})", f.as(admin));
  auto a = body(f.call("GET", "/api/audit?limit=10", {}, f.as(admin)));
  REQUIRE(a.as_array().size() == 1);
  CHECK(a.at(0).at("user") == "admin");
  CHECK(a.at(0).at("action") == "command");
  CHECK(a.at(0).at("detail") == "kitchen/light on");
  CHECK(a.at(0).at("outcome") == "pending");
  CHECK(f.call("GET", "/api/audit?limit=-1", {}, f.as(admin)).status == 400);

  f.house.readings.add({"kitchen", "temperature", "28-01", 20.0, 1000});
  auto r = f.call("POST", "/api/backup", {}, f.as(admin));
  REQUIRE(r.status == 200);
  CHECK(header(r, "Content-Type") == "application/octet-stream");
  REQUIRE(r.body.size() > 100);
  CHECK(r.body.substr(0, 16) == std::string("SQLite format 3\0", 16));
}
