// hearth-agent's config file and command line: every error names its key.
#include <catch2/catch.hpp>

#include "hearth/agent/config.hpp"
#include "hearth/agent/simulate.hpp"

using namespace hearth::agent;
using hearth::core::config_error;

namespace {
agent_config parse(const std::string& text, std::vector<const char*> args = {}) {
  return build_agent_config(parse_agent_command_line(args), text, "agent.toml");
}
std::string error_of(const std::string& text, std::vector<const char*> args = {}) {
  try {
    parse(text, args);
  } catch (const config_error& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("agent config: a full file", "[agent][config]") {
  auto c = parse(R"(
node = "kitchen"
publish_interval = 2.5
state_dir = "/tmp/x"
[central]
address = "central.local:8883"
tls = true
ca_file = "/etc/hearth/ca.pem"
username = "kitchen"
password = "pw"
[[sensor]]
type = "ds18b20"
id = "28-0000071a2b3c"
[[sensor]]
type = "adc"
id = "soil"
kind = "moisture"
device = "ads1115"
channel = 1
dry_mv = 2800
wet_mv = 1200
[[sensor]]
type = "gpio"
id = "pir"
kind = "motion"
chip = "pinctrl-rp1"
line = 4
[[actuator]]
name = "valve"
chip = "pinctrl-rp1"
line = 27
active_low = true
max_on = 600
)");
  CHECK(c.node == "kitchen");
  CHECK(c.publish_interval == std::chrono::milliseconds(2500));
  CHECK(c.central.host == "central.local");
  CHECK(c.central.port == 8883);
  CHECK(c.central.tls);
  REQUIRE(c.sensors.size() == 3);
  CHECK(c.sensors[0].kind == "temperature");
  REQUIRE(c.sensors[1].cal);
  CHECK(c.sensors[1].cal->apply(2000) == Approx(50));
  CHECK(c.sensors[2].line.chip == "pinctrl-rp1");
  REQUIRE(c.actuators.size() == 1);
  CHECK(c.actuators[0].line.active_low);
  CHECK(c.actuators[0].max_on == std::chrono::seconds(600));
  CHECK_FALSE(c.actuators[0].safe_on);
}

TEST_CASE("agent config: the command line overrides the file", "[agent][config]") {
  auto c = parse("node = \"a\"\n", {"--node", "b", "--central=10.0.0.2:1884", "--sysfs-root", "/tmp/t"});
  CHECK(c.node == "b");
  CHECK(c.central.host == "10.0.0.2");
  CHECK(c.central.port == 1884);
  CHECK(c.sysfs_root == "/tmp/t");
}

TEST_CASE("agent config: bad files and arguments give one clear message", "[agent][config][malformed]") {
  CHECK(error_of("node = \"kitchen\"\ncolour = 1\n").find("agent.toml:2: colour: unknown key") != std::string::npos);
  CHECK(error_of("node = \"Kitchen\"\n").find("[a-z0-9_-]+") != std::string::npos);
  CHECK(error_of("").find("node: missing") != std::string::npos);
  CHECK(error_of("node = \"k\"\n[central]\naddress = \"nohost\"\n").find("central.address") != std::string::npos);
  CHECK(error_of("node = \"k\"\n[central]\naddress = \"h:99999\"\n").find("port") != std::string::npos);
  CHECK(error_of("node = \"k\"\n[[sensor]]\ntype = \"dht22\"\nid = \"x\"\n").find("sensor[0].type") != std::string::npos);
  CHECK(error_of("node = \"k\"\n[[sensor]]\ntype = \"adc\"\nid = \"x\"\nkind = \"moisture\"\n").find("device") !=
        std::string::npos);
  CHECK(error_of("node = \"k\"\n[[sensor]]\ntype = \"adc\"\nid = \"x\"\nkind = \"m\"\ndevice = \"a\"\ndry_mv = 1\n")
            .find("dry_mv and wet_mv go together") != std::string::npos);
  CHECK(error_of("node = \"k\"\n[[sensor]]\ntype = \"ds18b20\"\nid = \"a/b\"\n").find("id must match") !=
        std::string::npos);
  CHECK(error_of("node = \"k\"\n[[sensor]]\ntype = \"ds18b20\"\nid = \"x\"\n[[sensor]]\ntype = \"ds18b20\"\nid = \"x\"\n")
            .find("duplicate") != std::string::npos);
  CHECK(error_of("node = \"k\"\n[[actuator]]\nname = \"v\"\nchip = \"c\"\n").find("needs chip") != std::string::npos);
  CHECK(error_of("node = \"k\"\n[[actuator]]\nname = \"v\"\nchip = \"c\"\nline = 1\nsafe_state = \"open\"\n")
            .find("safe_state") != std::string::npos);
  CHECK(error_of("node = \"k\"\npublish_interval = 0\n").find("publish_interval") != std::string::npos);
  CHECK(error_of("node = \"k\"\n[central]\npassword = \"p\"\n").find("needs central.username") != std::string::npos);
  CHECK(error_of("node = [\n").find("agent.toml:") != std::string::npos);
  CHECK_THROWS_AS(parse_agent_command_line(std::vector<const char*>{"--bogus"}), config_error);
  CHECK_THROWS_AS(parse_agent_command_line(std::vector<const char*>{"--node"}), config_error);
  CHECK_THROWS_AS(parse_agent_command_line(std::vector<const char*>{"--simulate=yes"}), config_error);
  CHECK(error_of("node = \"k\"\n", {"--central", "x"}).find("--central") != std::string::npos);
}

TEST_CASE("agent config: a wrong type or range says what it got", "[agent][config][malformed]") {
  // The same wording as hearthd's config file (core/toml_reader.hpp).
  CHECK(error_of("node = 3\n") == "agent.toml:1: node: expected a string, got an integer");
  CHECK(error_of("node = \"k\"\nsupervisor = \"yes\"\n") == "agent.toml:2: supervisor: expected true or false, got a string");
  CHECK(error_of("node = \"k\"\npublish_interval = \"2s\"\n") ==
        "agent.toml:2: publish_interval: expected a number, got a string");
  CHECK(error_of("node = \"k\"\ncentral = 5\n") == "agent.toml:2: central: expected a table, got an integer");
  CHECK(error_of("node = \"k\"\nsensor = 1\n") == "agent.toml:2: sensor: expected [[sensor]] tables, got an integer");
  CHECK(error_of("node = \"k\"\n[central]\nkeepalive = 1\n") ==
        "agent.toml:3: central.keepalive: must be between 5 and 65535 (got 1)");
  CHECK(error_of("node = \"k\"\n[[actuator]]\nname = \"v\"\nchip = \"c\"\nline = -1\n") ==
        "agent.toml:5: actuator[0].line: must not be negative (got -1)");
}

TEST_CASE("agent config: --simulate without a file is a plausible room", "[agent][config]") {
  auto c = build_agent_config(parse_agent_command_line(std::vector<const char*>{"--simulate", "--node", "kitchen"}),
                              {}, "");
  CHECK(c.node == "kitchen");
  CHECK(c.simulate);
  CHECK_FALSE(c.sysfs_root.empty());  // never the real /sys
  int thermometers = 0;
  for (const auto& s : c.sensors) thermometers += s.type == sensor_type::ds18b20;
  CHECK(thermometers == 2);
  CHECK(c.actuators.size() == 3);
  // Two rooms have different thermometer ids.
  auto d = build_agent_config(parse_agent_command_line(std::vector<const char*>{"--simulate", "--node", "bedroom"}),
                              {}, "");
  CHECK(d.sensors[0].id != c.sensors[0].id);
}
