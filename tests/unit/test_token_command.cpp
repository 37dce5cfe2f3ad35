// `hearthd token NAME USER`: its command line (core/cli.hpp) and what it does
// (web/token_command.hpp), including a running hearthd's user_directory
// picking the new token up from disk.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "hearth/core/cli.hpp"
#include "hearth/web/auth_users.hpp"
#include "hearth/web/token_command.hpp"
#include "temp_dir.hpp"

using namespace hearth;
using Catch::Matchers::Contains;

namespace {

core::cli_options parse(std::vector<const char*> args) { return core::parse_command_line(args); }

using hearth::test::temp_dir;

// A FILE* whose text can be read back.
struct capture {
  std::FILE* f = std::tmpfile();
  ~capture() { std::fclose(f); }
  std::string text() const {
    std::rewind(f);
    std::string s;
    for (int c; (c = std::fgetc(f)) != EOF;) s.push_back(static_cast<char>(c));
    return s;
  }
};

struct result {
  int code;
  std::string out, err;
};

result run(const core::config& cfg, const std::string& name, const std::string& user) {
  capture out, err;
  const int code = web::run_token(cfg, name, user, out.f, err.f);
  return {code, out.text(), err.text()};
}

}  // namespace

TEST_CASE("command line: token NAME USER with the usual options", "[config][cli]") {
  const auto o = parse({"token", "grafana", "alice", "--data-dir", "/srv/hearth", "--password-file", "/etc/pw"});
  CHECK(o.what == core::cli_options::action::token);
  CHECK(o.token_name == "grafana");
  CHECK(o.token_user == "alice");
  CHECK(o.data_dir == "/srv/hearth");
  CHECK(o.password_file == "/etc/pw");
  CHECK(parse({"token", "a", "b"}).what == core::cli_options::action::token);
  CHECK_THROWS_WITH(parse({"token"}), Contains("usage: hearthd token NAME USER"));
  CHECK_THROWS_WITH(parse({"token", "a"}), Contains("usage: hearthd token NAME USER"));
  CHECK_THROWS_WITH(parse({"token", "--data-dir", "x", "a", "b"}), Contains("usage: hearthd token NAME USER"));
  CHECK_THROWS_WITH(parse({"token", "a", "b", "--help"}), Contains("usage: hearthd token NAME USER"));
  CHECK_THROWS_WITH(parse({"token", "a", "b", "c"}), Contains("unexpected argument"));
  CHECK_THROWS_WITH(parse({"token", "a", "b", "--bogus"}), Contains("unknown option"));
  CHECK_THAT(core::usage(), Contains("hearthd token NAME USER"));
}

TEST_CASE("hearthd token prints a token once that acts as the user", "[web][auth]") {
  temp_dir d;
  core::config cfg;
  cfg.data_dir = d.path();
  cfg.password_file = d.file("passwd");
  web::user_directory running(cfg.password_file, cfg.data_dir);  // as a hearthd started before
  REQUIRE(running.add("alice", "alice-password", web::role::member).empty());

  const auto r = run(cfg, "bench", "alice");
  REQUIRE(r.code == 0);
  REQUIRE(r.out.size() == 69);  // hth_ + 64 hex digits + newline
  const std::string tok = r.out.substr(0, 68);
  CHECK(tok.starts_with("hth_"));
  CHECK_THAT(r.err, Contains("bench") && Contains("alice"));
  CHECK(web::user_directory(cfg.password_file, cfg.data_dir).token_user(tok) == "alice");
  // The running directory knew nothing of it and re-reads the file.
  CHECK(running.token_user(tok) == "alice");
  CHECK(running.tokens().size() == 1);

  SECTION("a second token with the same name is refused") {
    const auto again = run(cfg, "bench", "alice");
    CHECK(again.code == 2);
    CHECK(again.out.empty());
    CHECK_THAT(again.err, Contains("exists"));
  }
  SECTION("an unknown user is refused, naming the password file") {
    const auto bad = run(cfg, "other", "bob");
    CHECK(bad.code == 2);
    CHECK(bad.out.empty());
    CHECK_THAT(bad.err, Contains("no such user: bob") && Contains(cfg.password_file));
  }
  SECTION("a bad name is refused") {
    const auto bad = run(cfg, "two words", "alice");
    CHECK(bad.code == 2);
    CHECK_THAT(bad.err, Contains("token name"));
  }
  SECTION("a token made by the running hearthd keeps the one from the command") {
    const auto t2 = running.create_token("ui", "alice");
    web::user_directory fresh(cfg.password_file, cfg.data_dir);
    CHECK(fresh.token_user(tok) == "alice");
    CHECK(fresh.token_user(t2) == "alice");
  }
}

TEST_CASE("hearthd token: no data directory, or the web-only users", "[web][auth]") {
  temp_dir d;
  core::config cfg;
  cfg.data_dir = d.file("missing");
  const auto r = run(cfg, "x", "admin");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Contains("no data directory"));
  CHECK_FALSE(std::filesystem::exists(cfg.data_dir));

  // Without --password-file the users are hearthd's own <data_dir>/web-passwd.
  cfg.data_dir = d.path();
  CHECK(web::web_password_path(cfg) == d.file("web-passwd"));
  web::user_directory users(web::web_password_path(cfg), cfg.data_dir);
  REQUIRE(users.add("admin", "admin-password", web::role::admin).empty());
  const auto ok = run(cfg, "x", "admin");
  CHECK(ok.code == 0);
  CHECK(users.token_user(ok.out.substr(0, 68)) == "admin");
}
