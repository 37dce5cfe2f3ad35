// The config file and the command line: every key, the precedence of the
// command line, and one clear message naming the key or option for each
// kind of bad input.
#include <catch2/catch.hpp>

#include <sstream>

#include <string>
#include <vector>

#include "hearth/core/cli.hpp"
#include "hearth/core/config.hpp"

using namespace hearth::core;
using Catch::Matchers::Contains;

namespace {

cli_options parse(std::vector<const char*> args) { return parse_command_line(args); }

config from_toml(std::string_view text) { return build_config(cli_options{}, text, "test.toml"); }

}  // namespace

TEST_CASE("config: defaults are the documented ones", "[config]") {
  const config c = from_toml("");
  CHECK(c.data_dir == "/var/lib/hearth");
  CHECK(c.level == log_level::info);
  CHECK_FALSE(c.allow_anonymous);
  CHECK(c.acl_file.empty());
  CHECK(c.mqtt.listen == listen_address{"127.0.0.1", 1883});
  CHECK(c.mqtt.max_packet_size == 1048576);
  CHECK(c.mqtt.connect_timeout == std::chrono::seconds(10));
  CHECK(c.mqtt.max_inflight == 32);
  CHECK(c.mqtt.max_queued_messages == 1000);
  CHECK(c.mqtt.max_queued_bytes == 16777216);
  CHECK(c.mqtt.max_incoming_qos2 == 20);
  CHECK(c.mqtt.write_queue_soft_bytes == 1048576);
  CHECK(c.mqtt.write_queue_hard_bytes == 16777216);
  CHECK(c.mqtt.sys_interval == std::chrono::seconds(10));
  CHECK(c.busy_poll == std::chrono::microseconds(0));
}

TEST_CASE("config: busy_poll_us", "[config]") {
  CHECK(from_toml("busy_poll_us = 50").busy_poll == std::chrono::microseconds(50));
  CHECK_THROWS_WITH(from_toml("busy_poll_us = -1"), Contains("busy_poll_us"));
  CHECK_THROWS_WITH(from_toml("busy_poll_us = \"fast\""), Contains("busy_poll_us"));
}

TEST_CASE("config: every key is read", "[config]") {
  const config c = from_toml(R"(
data_dir = "/srv/hearth"
log_level = "debug"
allow_anonymous = true
acl_file = "/etc/hearth/acl"
password_file = ""
[mqtt]
listen = "0.0.0.0:0"
max_packet_size = 4096
connect_timeout = 3
max_inflight = 5
max_queued_messages = 7
max_queued_bytes = 8000
max_incoming_qos2 = 9
write_queue_soft_bytes = 5000
write_queue_hard_bytes = 10000
sys_interval = 0
)");
  CHECK(c.data_dir == "/srv/hearth");
  CHECK(c.level == log_level::debug);
  CHECK(c.allow_anonymous);
  CHECK(c.acl_file == "/etc/hearth/acl");
  CHECK(c.mqtt.listen == listen_address{"0.0.0.0", 0});
  CHECK(c.mqtt.max_packet_size == 4096);
  CHECK(c.mqtt.connect_timeout == std::chrono::seconds(3));
  CHECK(c.mqtt.max_inflight == 5);
  CHECK(c.mqtt.max_queued_messages == 7);
  CHECK(c.mqtt.max_queued_bytes == 8000);
  CHECK(c.mqtt.max_incoming_qos2 == 9);
  CHECK(c.mqtt.write_queue_soft_bytes == 5000);
  CHECK(c.mqtt.write_queue_hard_bytes == 10000);
  CHECK(c.mqtt.sys_interval == std::chrono::seconds(0));
}

TEST_CASE("config: bad files name the key and the line", "[config][malformed]") {
  CHECK_THROWS_WITH(from_toml("colour = 1"), Contains("test.toml:1: colour: unknown key"));
  CHECK_THROWS_WITH(from_toml("\n[mqtt]\nlisten_on = \"x\""), Contains("test.toml:3: mqtt.listen_on: unknown key"));
  CHECK_THROWS_WITH(from_toml("[web]\nport = 1"), Contains("web.port: unknown key"));
  CHECK_THROWS_WITH(from_toml("[kitchen]\nport = 1"), Contains("kitchen: unknown key"));
  CHECK_THROWS_WITH(from_toml("mqtt = 5"), Contains("mqtt: expected a table"));
  CHECK_THROWS_WITH(from_toml("allow_anonymous = \"yes\""),
                    Contains("allow_anonymous: expected true or false, got a string"));
  CHECK_THROWS_WITH(from_toml("data_dir = 3"), Contains("data_dir: expected a string, got an integer"));
  CHECK_THROWS_WITH(from_toml("data_dir = \"\""), Contains("data_dir: must not be empty"));
  CHECK_THROWS_WITH(from_toml("log_level = \"loud\""), Contains("log_level: expected one of debug"));
  CHECK_THROWS_WITH(from_toml("[mqtt]\nmax_inflight = \"32\""),
                    Contains("mqtt.max_inflight: expected an integer, got a string"));
  CHECK_THROWS_WITH(from_toml("[mqtt]\nmax_inflight = 1.5"),
                    Contains("mqtt.max_inflight: expected an integer, got a floating-point number"));
  CHECK_THROWS_WITH(from_toml("[mqtt]\nmax_queued_bytes = -1"),
                    Contains("mqtt.max_queued_bytes: must not be negative (got -1)"));
  CHECK_THROWS_WITH(from_toml("[mqtt]\nwrite_queue_soft_bytes = -5"),
                    Contains("mqtt.write_queue_soft_bytes: must not be negative"));
  CHECK_THROWS_WITH(from_toml("[mqtt]\nmax_inflight = 0"),
                    Contains("mqtt.max_inflight: must be between 1 and 65535 (got 0)"));
  CHECK_THROWS_WITH(from_toml("[mqtt]\nmax_packet_size = 268435456"),
                    Contains("mqtt.max_packet_size: must be between 1 and 268435455"));
  CHECK_THROWS_WITH(from_toml("[mqtt]\nconnect_timeout = 0"), Contains("mqtt.connect_timeout: must be between 1"));
  CHECK_THROWS_WITH(from_toml("[mqtt]\nlisten = \"127.0.0.1:70000\""),
                    Contains("mqtt.listen: port 70000 is out of range (0-65535)"));
  CHECK_THROWS_WITH(from_toml("[mqtt]\nlisten = \"localhost:1883\""),
                    Contains("mqtt.listen: 'localhost' is not a numeric IPv4 address"));
  CHECK_THROWS_WITH(from_toml("[tls]\nfrobnicate = 1"), Contains("tls.frobnicate: unknown key"));
  // A syntax error carries the position from the TOML parser.
  CHECK_THROWS_WITH(from_toml("data_dir = \n"), Contains("test.toml:1:"));
  CHECK_THROWS_AS(from_toml("[mqtt\n"), config_error);
}

TEST_CASE("config: limits must agree with each other", "[config][malformed]") {
  CHECK_THROWS_WITH(from_toml("[mqtt]\nwrite_queue_soft_bytes = 2000\nwrite_queue_hard_bytes = 1000"),
                    Contains("mqtt.write_queue_hard_bytes (1000) must not be below mqtt.write_queue_soft_bytes"));
  CHECK_THROWS_WITH(from_toml("[mqtt]\nmax_packet_size = 20000000"),
                    Contains("mqtt.write_queue_hard_bytes (16777216) must be at least mqtt.max_packet_size + 5"));
  CHECK_NOTHROW(from_toml("[mqtt]\nmax_packet_size = 20000000\nwrite_queue_hard_bytes = 20000005"));
}

TEST_CASE("listen addresses", "[config]") {
  std::string why;
  CHECK(parse_listen_address("127.0.0.1:1883", why) == listen_address{"127.0.0.1", 1883});
  CHECK(parse_listen_address("0.0.0.0:0", why) == listen_address{"0.0.0.0", 0});
  CHECK(parse_listen_address("[::1]:65535", why) == listen_address{"::1", 65535});
  CHECK(parse_listen_address("[::1]:1883", why)->to_string() == "[::1]:1883");
  CHECK(parse_listen_address("10.0.0.1:80", why)->to_string() == "10.0.0.1:80");

  auto refused = [](std::string_view text) {
    std::string why;
    CHECK_FALSE(parse_listen_address(text, why));
    return why;
  };
  CHECK_THAT(refused("127.0.0.1"), Contains("expected ADDR:PORT"));
  CHECK_THAT(refused("127.0.0.1:"), Contains("port '' is not a number"));
  CHECK_THAT(refused("127.0.0.1:http"), Contains("port 'http' is not a number"));
  CHECK_THAT(refused("127.0.0.1:-1"), Contains("is not a number"));
  CHECK_THAT(refused("127.0.0.1:65536"), Contains("port 65536 is out of range"));
  CHECK_THAT(refused("127.0.0.1:99999999999999999999"), Contains("out of range"));
  CHECK_THAT(refused(":1883"), Contains("missing address"));
  CHECK_THAT(refused("256.1.1.1:1883"), Contains("not a numeric IPv4 address"));
  CHECK_THAT(refused("::1:1883"), Contains("needs brackets"));
  CHECK_THAT(refused("[::1]"), Contains("expected [IPv6]:PORT"));
  CHECK_THAT(refused("[127.0.0.1]:1883"), Contains("not a numeric IPv6 address"));
}

TEST_CASE("command line: options and their values", "[config][cli]") {
  const cli_options o = parse({"-c", "/etc/hearth.toml", "--data-dir", "/tmp/d", "--mqtt=127.0.0.1:0",
                               "--acl-file", "acl", "--allow-anonymous", "--demo", "--log-level", "warning"});
  CHECK(o.what == cli_options::action::run);
  CHECK(o.config_file == "/etc/hearth.toml");
  CHECK(o.data_dir == "/tmp/d");
  CHECK(o.mqtt == listen_address{"127.0.0.1", 0});
  CHECK(o.acl_file == "acl");
  CHECK(o.allow_anonymous);
  CHECK(o.demo);
  CHECK(o.level == log_level::warning);
  CHECK(parse({"--help"}).what == cli_options::action::help);
  CHECK(parse({"-h"}).what == cli_options::action::help);
  CHECK(parse({"--version"}).what == cli_options::action::version);
  CHECK(parse({}).what == cli_options::action::run);
}

TEST_CASE("command line: bad arguments name the option", "[config][cli][malformed]") {
  CHECK_THROWS_WITH(parse({"--mqtt"}), "--mqtt: missing value");
  CHECK_THROWS_WITH(parse({"--mqtt", "127.0.0.1:65536"}), "--mqtt: port 65536 is out of range (0-65535)");
  CHECK_THROWS_WITH(parse({"--mqtt", "example.org:1883"}), Contains("--mqtt: 'example.org' is not a numeric"));
  CHECK_THROWS_WITH(parse({"--https", "1.2.3.4"}), Contains("--https: expected ADDR:PORT"));
  CHECK_THROWS_WITH(parse({"--log-level", "chatty"}), Contains("--log-level: expected one of"));
  CHECK_THROWS_WITH(parse({"--demo=yes"}), "--demo: takes no value");
  CHECK_THROWS_WITH(parse({"--frobnicate"}), Contains("--frobnicate: unknown option"));
  CHECK_THROWS_WITH(parse({"extra"}), Contains("extra: unexpected argument"));
  CHECK_THROWS_WITH(parse({"--data-dir", ""}), "--data-dir: must not be empty");
}

TEST_CASE("command line: listener and user options", "[config][cli]") {
  const cli_options o = parse({"--https", "127.0.0.1:0", "--http", "[::1]:8080", "--mqtts", "0.0.0.0:8883",
                               "--password-file", "pw"});
  CHECK(o.https == listen_address{"127.0.0.1", 0});
  CHECK(o.mqtts == listen_address{"0.0.0.0", 8883});
  CHECK(o.password_file == "pw");
  CHECK(o.http == listen_address{"::1", 8080});
  CHECK_THROWS_WITH(parse({"--https", "127.0.0.1"}), Contains("--https"));
}

TEST_CASE("command line: overrides the config file", "[config][cli]") {
  const std::string file =
      "data_dir = \"/from/file\"\nlog_level = \"error\"\npassword_file = \"pw\"\n[mqtt]\nlisten = \"0.0.0.0:1883\"\n";
  const config from_file = build_config(parse({}), file, "f.toml");
  CHECK(from_file.data_dir == "/from/file");
  CHECK(from_file.mqtt.listen == listen_address{"0.0.0.0", 1883});
  CHECK(from_file.level == log_level::error);

  const config c = build_config(parse({"--data-dir", "/cli", "--mqtt", "127.0.0.1:0", "--log-level", "debug",
                                       "--allow-anonymous", "--acl-file", "a"}),
                                file, "f.toml");
  CHECK(c.data_dir == "/cli");
  CHECK(c.mqtt.listen == listen_address{"127.0.0.1", 0});
  CHECK(c.level == log_level::debug);
  CHECK(c.allow_anonymous);
  CHECK(c.acl_file == "a");
}

TEST_CASE("config: a missing file is named", "[config][malformed]") {
  CHECK_THROWS_WITH(load_config(parse({"-c", "/nonexistent/hearth.toml"})),
                    Contains("cannot read config file /nonexistent/hearth.toml"));
  CHECK_THROWS_WITH(load_config(parse({"-c", "/"})), Contains("is a directory"));
}

TEST_CASE("usage documents every option and key", "[config][cli]") {
  const std::string u = usage();
  for (const char* word : {"-c", "--data-dir", "--mqtt ", "--mqtts", "--https", "--http ", "--password-file",
                           "--acl-file", "--allow-anonymous", "--demo", "--log-level", "--help", "--version",
                           "data_dir", "log_level", "allow_anonymous", "acl_file", "password_file", "[mqtt]",
                           "listen", "max_packet_size", "connect_timeout", "max_inflight", "max_queued_messages",
                           "max_queued_bytes", "max_incoming_qos2", "write_queue_soft_bytes",
                           "write_queue_hard_bytes", "backpressure_timeout", "sys_interval", "busy_poll_us",
                           "max_memory_bytes", "[persistence]", "ack", "synchronous", "commit_interval_ms",
                           "[storage]", "raw_retention_hours", "max_bytes", "flush_interval_ms", "batch_rows",
                           "max_pending", "quick_check", "[bridge]", "prefix", "command_timeout", "max_payload",
                           "[[bridge.routes]]", "[tls]", "handshake_timeout", "[web]", "ping_timeout"}) {
    INFO(word);
    CHECK_THAT(u, Contains(word));
  }
}

TEST_CASE("usage: every key it lists is accepted with the default it shows", "[config][cli]") {
  // The listing is what users copy into their config files: each
  // `key = value` line, in its [section], must parse.
  std::istringstream in(usage());
  std::string line, section;
  bool keys = false;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.starts_with("Config file keys")) keys = true;
    if (!keys || line.size() < 3 || line.starts_with("Exit status")) continue;
    std::string text = line.substr(2, line.find('#') == std::string::npos ? std::string::npos : line.find('#') - 2);
    while (!text.empty() && text.back() == ' ') text.pop_back();
    if (text.starts_with("[")) {
      section = text;
      continue;
    }
    const auto eq = text.find(" = ");
    if (eq == std::string::npos || text.ends_with("\"\"")) continue;  // empty paths and addresses are not defaults to test
    INFO(section << " " << text);
    CHECK_NOTHROW(from_toml(section.empty() ? text : section + "\n" + text));
    ++checked;
  }
  CHECK(checked >= 40);  // the listing was read at all
}

TEST_CASE("command line: backup FILE with the usual options", "[config][cli]") {
  const cli_options o = parse({"backup", "/tmp/copy.db", "--data-dir", "/srv/hearth"});
  CHECK(o.what == cli_options::action::backup);
  CHECK(o.backup_file == "/tmp/copy.db");
  CHECK(o.data_dir == "/srv/hearth");
  CHECK_THROWS_WITH(parse({"backup"}), Contains("usage: hearthd backup FILE"));
  CHECK_THROWS_WITH(parse({"backup", "--data-dir", "x"}), Contains("usage: hearthd backup FILE"));
  CHECK_THROWS_WITH(parse({"backup", "f", "--help"}), Contains("usage: hearthd backup FILE"));
}
