// Engine.IO request classification (the spec's 400 bodies) and the session
// table.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "hearth/web/eio_request.hpp"
#include "hearth/web/eio_session_table.hpp"
#include "hearth/web/http.hpp"

using namespace hearth::web;
using namespace hearth::web::eio;

namespace {

using query_t = std::map<std::string, std::string>;

std::variant<request_target, error_code> run(std::string_view method, const query_t& q, bool upgrade = false) {
  return classify(method, q, upgrade, [](std::string_view sid) -> std::optional<transport> {
    if (sid == "poll-sid") return transport::polling;
    if (sid == "ws-sid") return transport::websocket;
    return std::nullopt;
  });
}

error_code err(const std::variant<request_target, error_code>& v) {
  REQUIRE(std::holds_alternative<error_code>(v));
  return std::get<error_code>(v);
}

request_target ok(const std::variant<request_target, error_code>& v) {
  REQUIRE(std::holds_alternative<request_target>(v));
  return std::get<request_target>(v);
}

}  // namespace

TEST_CASE("eio handshakes", "[eio][request]") {
  auto t = ok(run("GET", {{"EIO", "4"}, {"transport", "polling"}}));
  CHECK(t.kind == request_kind::handshake);
  CHECK(t.via == transport::polling);
  t = ok(run("GET", {{"EIO", "4"}, {"transport", "websocket"}}, true));
  CHECK(t.kind == request_kind::handshake);
  CHECK(t.via == transport::websocket);
}

TEST_CASE("eio requests of a session", "[eio][request]") {
  CHECK(ok(run("GET", {{"EIO", "4"}, {"transport", "polling"}, {"sid", "poll-sid"}})).kind == request_kind::poll);
  CHECK(ok(run("POST", {{"EIO", "4"}, {"transport", "polling"}, {"sid", "poll-sid"}})).kind == request_kind::post);
  auto t = ok(run("GET", {{"EIO", "4"}, {"transport", "websocket"}, {"sid", "poll-sid"}}, true));
  CHECK(t.kind == request_kind::upgrade);
  CHECK(t.sid == "poll-sid");
}

TEST_CASE("eio bad requests get the spec's errors", "[eio][request][malformed]") {
  CHECK(err(run("GET", {{"EIO", "4"}})) == error_code::unknown_transport);
  CHECK(err(run("GET", {{"EIO", "4"}, {"transport", "abc"}})) == error_code::unknown_transport);
  CHECK(err(run("GET", {{"EIO", "4"}, {"transport", "__proto__"}})) == error_code::unknown_transport);
  CHECK(err(run("GET", {{"transport", "polling"}})) == error_code::unsupported_protocol_version);
  CHECK(err(run("GET", {{"EIO", "abc"}, {"transport", "polling"}})) == error_code::unsupported_protocol_version);
  CHECK(err(run("GET", {{"EIO", "3"}, {"transport", "polling"}})) == error_code::unsupported_protocol_version);
  CHECK(err(run("POST", {{"EIO", "4"}, {"transport", "polling"}})) == error_code::bad_handshake_method);
  CHECK(err(run("PUT", {{"EIO", "4"}, {"transport", "polling"}})) == error_code::bad_handshake_method);
  CHECK(err(run("GET", {{"EIO", "4"}, {"transport", "polling"}, {"sid", "nope"}})) == error_code::unknown_sid);
  // Polling on a session that has upgraded, and a WebSocket transport without the upgrade.
  CHECK(err(run("GET", {{"EIO", "4"}, {"transport", "polling"}, {"sid", "ws-sid"}})) == error_code::bad_request);
  CHECK(err(run("GET", {{"EIO", "4"}, {"transport", "websocket"}})) == error_code::bad_request);
  CHECK(err(run("GET", {{"EIO", "4"}, {"transport", "polling"}}, true)) == error_code::bad_request);
  CHECK(err(run("DELETE", {{"EIO", "4"}, {"transport", "polling"}, {"sid", "poll-sid"}})) == error_code::bad_request);
}

TEST_CASE("eio error bodies are the reference server's", "[eio][request]") {
  CHECK(error_body(error_code::unknown_transport) == R"({"code":0,"message":"Transport unknown"})");
  CHECK(error_body(error_code::unknown_sid) == R"({"code":1,"message":"Session ID unknown"})");
  CHECK(error_body(error_code::bad_handshake_method) == R"({"code":2,"message":"Bad handshake method"})");
  CHECK(error_body(error_code::bad_request) == R"({"code":3,"message":"Bad request"})");
  CHECK(error_body(error_code::unsupported_protocol_version) ==
        R"({"code":5,"message":"Unsupported protocol version"})");
  CHECK(http_status(error_code::forbidden) == 403);
  CHECK(http_status(error_code::unknown_sid) == 400);
}

TEST_CASE("eio session ids are 20 url-safe characters", "[eio][table]") {
  std::array<std::uint8_t, 15> b{};
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i * 17 + 251);
  const auto sid = make_sid(b);
  CHECK(sid.size() == 20);
  CHECK(sid.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
}

TEST_CASE("eio session table is bounded and never reuses a live sid", "[eio][table]") {
  int counter = 0;
  bool stuck = false;
  session_table<int> t(3, [&](std::array<std::uint8_t, 15>& b) {
    b.fill(0);
    b[0] = static_cast<std::uint8_t>(stuck ? 0 : ++counter);
  });
  std::set<std::string> sids;
  for (int i = 0; i < 3; ++i) {
    auto sid = t.new_sid();
    REQUIRE(sid);
    REQUIRE(t.insert(*sid, i));
    sids.insert(*sid);
  }
  CHECK(sids.size() == 3);
  CHECK(t.full());
  CHECK_FALSE(t.new_sid());  // full
  CHECK_FALSE(t.insert("x", 9));
  REQUIRE(t.find(*sids.begin()));
  CHECK(t.erase(*sids.begin()));
  CHECK_FALSE(t.find(*sids.begin()));
  CHECK_FALSE(t.erase("unknown"));

  // A random source that repeats a live id: refused after a few attempts.
  session_table<int> u(10, [&](std::array<std::uint8_t, 15>& b) { b.fill(7); });
  auto first = u.new_sid();
  REQUIRE(first);
  REQUIRE(u.insert(*first, 1));
  CHECK_FALSE(u.new_sid());
}

TEST_CASE("http targets split into a decoded path and query", "[http]") {
  std::string path;
  std::map<std::string, std::string> q;
  parse_target("/engine.io/?EIO=4&transport=polling&t=a%20b+c&empty=&flag", path, q);
  CHECK(path == "/engine.io/");
  CHECK(q.at("EIO") == "4");
  CHECK(q.at("t") == "a b c");
  CHECK(q.at("empty").empty());
  CHECK(q.count("flag") == 1);
  parse_target("/a%2Fb%zz?x=%4", path, q);
  CHECK(path == "/a/b%zz");
  CHECK(q.at("x") == "%4");
}

TEST_CASE("http router picks the longest prefix and tells 405 from 404", "[http]") {
  router r;
  int hit = 0;
  r.add("GET", "/", [&](http_request&&, responder) { hit = 1; });
  r.add("", "/engine.io/", [&](http_request&&, responder) { hit = 2; });
  r.add("POST", "/api/", [&](http_request&&, responder) { hit = 3; });
  CHECK(r.match("GET", "/index.html")->prefix == "/");
  CHECK(r.match("PUT", "/engine.io/")->prefix == "/engine.io/");
  CHECK(r.match("POST", "/api/login")->prefix == "/api/");
  // GET /api/x: "/" matches by prefix, so the GET route answers.
  CHECK(r.match("GET", "/api/x")->prefix == "/");
  bool matched = false;
  CHECK(r.match("DELETE", "/x", &matched) == nullptr);
  CHECK(matched);
  router empty;
  CHECK(empty.match("GET", "/", &matched) == nullptr);
  CHECK_FALSE(matched);
}
