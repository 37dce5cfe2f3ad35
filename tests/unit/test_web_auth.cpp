// Web sessions, login throttling, roles and API tokens (web/auth*.hpp).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "hearth/web/auth.hpp"
#include "hearth/web/auth_users.hpp"
#include "temp_dir.hpp"

using namespace hearth::web;
using namespace std::chrono_literals;

namespace {

using hearth::test::temp_dir;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("random ids are hex of the asked length and differ", "[web][auth]") {
  const auto a = random_hex(32), b = random_hex(32);
  CHECK(a.size() == 64);
  CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a != b);
  CHECK(secrets_equal(a, a));
  CHECK_FALSE(secrets_equal(a, b));
  CHECK_FALSE(secrets_equal(a, a.substr(1)));
  CHECK_FALSE(secrets_equal("", "x"));
}

TEST_CASE("sessions: create, find, idle expiry, logout, per user", "[web][auth]") {
  session_store s({std::chrono::seconds(60), 10});
  const auto t0 = auth_clock::time_point{} + 1000s;
  const auto id = s.create("alice", t0).id;
  const auto csrf = s.find(id, t0)->csrf;
  CHECK(csrf.size() == 64);
  CHECK(csrf != id);
  // Use restarts the idle time.
  REQUIRE(s.find(id, t0 + 50s));
  REQUIRE(s.find(id, t0 + 100s));
  CHECK(s.find(id, t0 + 100s)->user == "alice");
  // Idle past the limit: gone.
  CHECK(s.find(id, t0 + 161s) == nullptr);
  CHECK(s.size() == 0);
  CHECK(s.find("", t0) == nullptr);
  CHECK(s.find("forged", t0) == nullptr);

  const auto a = s.create("bob", t0).id;
  const auto b = s.create("bob", t0).id;
  const auto c = s.create("carol", t0).id;
  CHECK(s.remove(a));
  CHECK_FALSE(s.remove(a));
  CHECK(s.remove_user("bob") == 1);
  CHECK(s.find(b, t0) == nullptr);
  CHECK(s.find(c, t0) != nullptr);
}

TEST_CASE("sessions: the table is bounded, the least recently used makes room", "[web][auth]") {
  session_store s({std::chrono::seconds(3600), 3});
  const auto t0 = auth_clock::time_point{} + 1000s;
  const auto a = s.create("a", t0).id;
  const auto b = s.create("b", t0 + 1s).id;
  const auto c = s.create("c", t0 + 2s).id;
  REQUIRE(s.find(a, t0 + 3s));  // a is now the most recent
  const auto d = s.create("d", t0 + 4s).id;
  CHECK(s.size() == 3);
  CHECK(s.find(b, t0 + 5s) == nullptr);
  CHECK(s.find(a, t0 + 5s));
  CHECK(s.find(c, t0 + 5s));
  CHECK(s.find(d, t0 + 5s));
}

TEST_CASE("login limiter: growing delay per address, reset on success", "[web][auth]") {
  login_limiter l({0, 1000ms, 8000ms, 900s, 100});
  const auto t0 = auth_clock::time_point{} + 1000s;
  CHECK_FALSE(l.wait("10.0.0.1:5000", t0));
  CHECK(l.failed("10.0.0.1:5000", t0) == 1000ms);
  // Another port of the same address waits too; another address does not.
  REQUIRE(l.wait("10.0.0.1:6000", t0 + 500ms));
  CHECK(*l.wait("10.0.0.1:6000", t0 + 500ms) == 500ms);
  CHECK_FALSE(l.wait("10.0.0.2:5000", t0));
  CHECK_FALSE(l.wait("10.0.0.1:5000", t0 + 1000ms));
  CHECK(l.failed("10.0.0.1:1", t0 + 1s) == 2000ms);
  CHECK(l.failed("10.0.0.1:1", t0 + 4s) == 4000ms);
  CHECK(l.failed("10.0.0.1:1", t0 + 9s) == 8000ms);
  CHECK(l.failed("10.0.0.1:1", t0 + 20s) == 8000ms);  // capped
  l.succeeded("10.0.0.1:2");
  CHECK_FALSE(l.wait("10.0.0.1:5000", t0 + 21s));
  CHECK(l.failed("10.0.0.1:1", t0 + 22s) == 1000ms);
  // Forgotten after forget_after without failures.
  CHECK(l.failed("10.0.0.1:1", t0 + 2000s) == 1000ms);
}

TEST_CASE("login limiter: IPv6 addresses and a bounded table", "[web][auth]") {
  CHECK(login_limiter::address_of("[::1]:443") == "[::1]");
  CHECK(login_limiter::address_of("192.0.2.1:1") == "192.0.2.1");
  CHECK(login_limiter::address_of("::1") == "::1");
  login_limiter l({0, 1000ms, 8000ms, 900s, 3});
  const auto t0 = auth_clock::time_point{} + 1000s;
  for (int i = 0; i < 10; ++i) l.failed("10.0.0." + std::to_string(i) + ":1", t0 + std::chrono::seconds(i));
  CHECK(l.size() == 3);
  CHECK(l.wait("10.0.0.9:1", t0 + 9s));
  CHECK_FALSE(l.wait("10.0.0.0:1", t0 + 9s));
}

TEST_CASE("users: roles beside the password file, first users are admins", "[web][auth]") {
  temp_dir d;
  const auto pw = d.file("passwd");
  {
    hearth::core::password_file f;
    f.set("alice", "alice-password");
    f.set("satellite", "sat-password");
    f.save(pw);
  }
  user_directory u(pw, d.path());
  // No roles file: everyone in the password file is an admin.
  CHECK(u.role_of("alice") == role::admin);
  CHECK(u.role_of("satellite") == role::admin);
  CHECK_FALSE(u.role_of("nobody"));
  CHECK(u.verify("alice", "alice-password"));
  CHECK_FALSE(u.verify("alice", "wrong"));

  int changes = 0;
  u.on_users_changed([&](auto users) { changes += users->contains("bob") ? 1 : 0; });
  CHECK(u.add("bob", "bob-password", role::member).empty());
  CHECK(changes == 1);
  CHECK(u.role_of("bob") == role::member);
  CHECK(u.role_of("alice") == role::admin);  // written down, not demoted
  CHECK(u.add("carol", "carol-password", role::admin).empty());
  CHECK(u.role_of("alice") == role::admin);

  // Bad input is refused with a reason.
  CHECK_FALSE(u.add("", "long-enough", role::member).empty());
  CHECK_FALSE(u.add("a:b", "long-enough", role::member).empty());
  CHECK_FALSE(u.add("dave", "short", role::member).empty());

  // It is all on disk: a new directory reads the same.
  user_directory again(pw, d.path());
  CHECK(again.role_of("bob") == role::member);
  CHECK(again.verify("bob", "bob-password"));
  CHECK(again.list().size() == 4);
  CHECK(slurp(d.file("web-roles")).find("bob:member") != std::string::npos);

  // A user added later with `hearthd passwd` is a member (admins exist).
  {
    auto f = hearth::core::password_file::load(pw);
    f.set("eve", "eve-password");
    f.save(pw);
  }
  user_directory third(pw, d.path());
  CHECK(third.role_of("eve") == role::member);

  CHECK(u.remove("bob").empty());
  CHECK_FALSE(u.role_of("bob"));
  CHECK(u.remove("bob") == "no such user");
}

TEST_CASE("users: the last admin cannot be deleted", "[web][auth]") {
  temp_dir d;
  const auto pw = d.file("passwd");
  user_directory u(pw, d.path());
  CHECK(u.list().empty());
  CHECK(u.add("root", "root-password", role::admin).empty());
  CHECK(u.add("m", "member-password", role::member).empty());
  CHECK(u.remove("root") == "the last admin cannot be deleted");
  CHECK(u.role_of("root") == role::admin);
}

TEST_CASE("API tokens are stored hashed and act as their user", "[web][auth]") {
  temp_dir d;
  const auto pw = d.file("passwd");
  user_directory u(pw, d.path());
  REQUIRE(u.add("script", "script-password", role::member).empty());
  REQUIRE(u.add("root", "root-password", role::admin).empty());
  const auto tok = u.create_token("backup-job", "script");
  CHECK(tok.starts_with("hth_"));
  CHECK(tok.size() == 68);
  CHECK(u.token_user(tok) == "script");
  CHECK_FALSE(u.token_user(tok.substr(0, 67) + "x"));
  CHECK_FALSE(u.token_user("hth_"));
  CHECK_FALSE(u.token_user(""));
  const auto file = slurp(d.file("api-tokens"));
  CHECK(file.find(tok) == std::string::npos);
  CHECK(file.find(tok.substr(4)) == std::string::npos);
  CHECK(file.find(sha256_hex(tok)) != std::string::npos);
  CHECK((std::filesystem::status(d.file("api-tokens")).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);

  CHECK_THROWS_AS(u.create_token("backup-job", "script"), std::invalid_argument);
  CHECK_THROWS_AS(u.create_token("bad name", "script"), std::invalid_argument);
  CHECK_THROWS_AS(u.create_token("x", "nobody"), std::invalid_argument);

  user_directory again(pw, d.path());
  CHECK(again.token_user(tok) == "script");
  // Deleting the user ends its tokens.
  CHECK(u.remove("script").empty());
  CHECK_FALSE(u.token_user(tok));
}

TEST_CASE("a malformed roles file is refused with its line", "[web][auth][malformed]") {
  temp_dir d;
  std::ofstream(d.file("web-roles")) << "# c\nalice:admin\nbob:owner\n";
  CHECK_THROWS_WITH(user_directory(d.file("passwd"), d.path()), Catch::Contains("line 3"));
}

TEST_CASE("login limiter: the first failures are free, then the wait grows", "[web][auth]") {
  login_limiter l({2, 1000ms, 8000ms, 900s, 100});
  const auto t0 = auth_clock::time_point{} + 1000s;
  CHECK(l.failed("10.0.0.1:1", t0) == 0ms);
  CHECK_FALSE(l.wait("10.0.0.1:1", t0));
  CHECK(l.failed("10.0.0.1:1", t0) == 0ms);
  CHECK(l.failed("10.0.0.1:1", t0) == 1000ms);
  CHECK(l.wait("10.0.0.1:1", t0));
  CHECK(l.failed("10.0.0.1:1", t0 + 1s) == 2000ms);
}
