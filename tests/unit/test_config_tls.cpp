// [tls], --mqtts, --password-file, the passwd subcommand, and the secure
// defaults: a listener other machines can reach needs users.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hearth/core/cli.hpp"
#include "hearth/core/config.hpp"

using namespace hearth::core;
using Catch::Matchers::Contains;

namespace {

cli_options parse(std::vector<const char*> args) { return parse_command_line(args); }

config build(std::vector<const char*> args, std::string_view toml = "") {
  return build_config(parse(std::move(args)), toml, "test.toml");
}

constexpr std::string_view tls_files = "[tls]\ncert_file = \"c.pem\"\nkey_file = \"k.pem\"\n";

}  // namespace

TEST_CASE("config: every [tls] key is read", "[config][tls]") {
  const config c = build({}, R"(
[tls]
listen = "127.0.0.1:8883"
cert_file = "/etc/hearth/cert.pem"
key_file = "/etc/hearth/key.pem"
ca_file = "/etc/hearth/ca.pem"
require_certificate = true
use_identity_as_username = true
handshake_timeout = 4
)");
  REQUIRE(c.mqtts);
  CHECK(*c.mqtts == listen_address{"127.0.0.1", 8883});
  CHECK(c.tls.cert_file == "/etc/hearth/cert.pem");
  CHECK(c.tls.key_file == "/etc/hearth/key.pem");
  CHECK(c.tls.ca_file == "/etc/hearth/ca.pem");
  CHECK(c.tls.require_certificate);
  CHECK(c.tls.use_identity_as_username);
  CHECK(c.tls.handshake_timeout == std::chrono::seconds(4));
}

TEST_CASE("config: --mqtts and --password-file are used", "[config][tls]") {
  const config c = build({"--mqtts", "127.0.0.1:0", "--password-file", "/etc/hearth/passwd"}, tls_files);
  REQUIRE(c.mqtts);
  CHECK(c.mqtts->port == 0);
  CHECK(c.password_file == "/etc/hearth/passwd");
  CHECK(build({}, "password_file = \"pw\"").password_file == "pw");
}

TEST_CASE("config: TLS settings that cannot work are refused", "[config][tls][malformed]") {
  CHECK_THROWS_WITH(build({"--mqtts", "127.0.0.1:0"}), Contains("--mqtts 127.0.0.1:0: needs tls.cert_file and tls.key_file"));
  CHECK_THROWS_WITH(build({}, "[tls]\nrequire_certificate = true"), Contains("tls.require_certificate needs tls.ca_file"));
  CHECK_THROWS_WITH(build({}, "[tls]\nuse_identity_as_username = true"),
                    Contains("tls.use_identity_as_username needs tls.require_certificate"));
  CHECK_THROWS_WITH(build({}, "[tls]\nrequire_certificate = \"yes\""),
                    Contains("tls.require_certificate: expected true or false"));
  CHECK_THROWS_WITH(build({}, "[tls]\nhandshake_timeout = 0"), Contains("tls.handshake_timeout: must be between 1"));
  CHECK_THROWS_WITH(build({}, "[tls]\nlisten = \"localhost:8883\""), Contains("tls.listen: 'localhost' is not"));
  CHECK_THROWS_WITH(build({}, "tls = 1"), Contains("tls: expected a table"));
}

TEST_CASE("config: a listener beyond loopback needs users", "[config][tls]") {
  CHECK_THROWS_WITH(build({"--mqtt", "0.0.0.0:1883"}),
                    Contains("--mqtt 0.0.0.0:1883: listening beyond this machine without users; give --password-file"));
  CHECK_THROWS_WITH(build({"--mqtt", "[::]:1883"}), Contains("--mqtt [::]:1883: listening beyond this machine"));
  std::string files(tls_files);
  CHECK_THROWS_WITH(build({"--mqtts", "192.0.2.1:8883"}, files),
                    Contains("--mqtts 192.0.2.1:8883: listening beyond this machine without users"));
  // Users, client certificates (on mqtts) or an explicit --allow-anonymous.
  CHECK_NOTHROW(build({"--mqtt", "0.0.0.0:1883", "--password-file", "pw"}));
  CHECK_NOTHROW(build({"--mqtt", "0.0.0.0:1883", "--allow-anonymous"}));
  CHECK_NOTHROW(build({}, "allow_anonymous = true\n[mqtt]\nlisten = \"0.0.0.0:1883\""));
  CHECK_NOTHROW(build({"--mqtts", "0.0.0.0:8883"}, files + "ca_file = \"ca.pem\"\nrequire_certificate = true\n"));
  // Loopback needs nothing.
  CHECK_NOTHROW(build({"--mqtt", "127.0.0.2:1883"}));
  CHECK_NOTHROW(build({"--mqtt", "[::1]:1883", "--mqtts", "127.0.0.1:0"}, files));
  CHECK(is_loopback(listen_address{"127.0.0.1", 1}));
  CHECK(is_loopback(listen_address{"::1", 1}));
  CHECK_FALSE(is_loopback(listen_address{"0.0.0.0", 1}));
  CHECK_FALSE(is_loopback(listen_address{"::", 1}));
  CHECK_FALSE(is_loopback(listen_address{"128.0.0.1", 1}));
}

TEST_CASE("command line: hearthd passwd FILE USER", "[config][cli]") {
  const cli_options o = parse({"passwd", "/etc/hearth/passwd", "alice"});
  CHECK(o.what == cli_options::action::passwd);
  CHECK(o.passwd_file == "/etc/hearth/passwd");
  CHECK(o.passwd_user == "alice");
  // Never a password on the command line.
  CHECK_THROWS_WITH(parse({"passwd", "f", "alice", "secret"}), Contains("usage: hearthd passwd FILE USER"));
  CHECK_THROWS_WITH(parse({"passwd", "f"}), Contains("usage: hearthd passwd FILE USER"));
  CHECK_THROWS_WITH(parse({"--demo", "passwd"}), Contains("passwd: must come first"));
}
