// The [storage] and [bridge] sections of hearthd.toml.
#include <catch2/catch.hpp>

#include "hearth/app/routes.hpp"
#include "hearth/core/config.hpp"

using namespace hearth;

namespace {
core::config parse(std::string_view text) {
  core::config cfg;
  core::apply_toml(cfg, text, "hearthd.toml");
  return cfg;
}
}  // namespace

TEST_CASE("config: [storage] and [bridge] keys", "[bridge][config]") {
  auto cfg = parse(R"(
[storage]
raw_retention_hours = 48
max_bytes = 104857600
flush_interval_ms = 250
batch_rows = 100
max_pending = 1000
quick_check = true

[bridge]
prefix = "casa"
command_timeout = 5
max_payload = 1024

[[bridge.routes]]
topic = "casa/+/smoke"
events = ["reading", "alarm"]
unit = "ppm"
alarm_threshold = 300

[[bridge.routes]]
topic = "casa/+/+"
events = ["reading"]
)");
  CHECK(cfg.storage.raw_retention == std::chrono::hours(48));
  CHECK(cfg.storage.max_bytes == 104857600);
  CHECK(cfg.storage.flush_interval == std::chrono::milliseconds(250));
  CHECK(cfg.storage.batch_rows == 100);
  CHECK(cfg.storage.max_pending == 1000);
  CHECK(cfg.storage.quick_check);
  CHECK(cfg.bridge.prefix == "casa");
  CHECK(cfg.bridge.command_timeout == std::chrono::seconds(5));
  CHECK(cfg.bridge.max_payload == 1024);
  REQUIRE(cfg.bridge.routes.size() == 2);
  CHECK(cfg.bridge.routes[0].unit == "ppm");
  CHECK(cfg.bridge.routes[0].alarm_threshold == 300);
  auto table = home::routing_table::from_config(cfg.bridge);
  CHECK(table.find("casa/attic/smoke")->r->events.size() == 2);
  CHECK(table.find("casa/attic/humidity"));
  // Without routes, the defaults under the prefix.
  CHECK(home::routing_table::from_config(parse("[bridge]\nprefix = \"casa\"\n").bridge).find("casa/x/status"));
}

TEST_CASE("config: bad [storage] and [bridge] values name the key", "[bridge][config][malformed]") {
  const auto error = [](std::string_view text) {
    try {
      parse(text);
    } catch (const core::config_error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  CHECK_THAT(error("[storage]\nraw_retention_hours = 0\n"), Catch::Contains("storage.raw_retention_hours"));
  CHECK_THAT(error("[storage]\nmax_bytes = 1000\n"), Catch::Contains("at least 1048576"));
  CHECK_THAT(error("[storage]\nflush_interval_ms = \"1s\"\n"), Catch::Contains("expected an integer"));
  CHECK_THAT(error("[storage]\nsize = 1\n"), Catch::Contains("storage.size: unknown key"));
  CHECK_THAT(error("storage = 1\n"), Catch::Contains("expected a table"));
  CHECK_THAT(error("[bridge]\nprefix = \"home/\"\n"), Catch::Contains("bridge.prefix"));
  CHECK_THAT(error("[bridge]\nprefix = \"+\"\n"), Catch::Contains("without wildcards"));
  CHECK_THAT(error("[bridge]\ncommand_timeout = 0\n"), Catch::Contains("bridge.command_timeout"));
  CHECK_THAT(error("[bridge]\nroutes = 1\n"), Catch::Contains("expected an array of tables"));
  CHECK_THAT(error("[[bridge.routes]]\ntopic = \"a/+\"\n"), Catch::Contains("needs both topic and events"));
  CHECK_THAT(error("[[bridge.routes]]\ntopic = \"a/+\"\nevents = []\n"), Catch::Contains("at least one event"));
  CHECK_THAT(error("[[bridge.routes]]\ntopic = \"a/+\"\nevents = [1]\n"), Catch::Contains("expected a string"));
  CHECK_THAT(error("[[bridge.routes]]\ntopic = \"a/+\"\nevents = [\"reading\"]\ncolour = 1\n"),
             Catch::Contains("bridge.routes[0].colour: unknown key"));
  CHECK_THAT(error("[[bridge.routes]]\ntopic = \"a/+\"\nevents = [\"reading\"]\nalarm_threshold = \"hi\"\n"),
             Catch::Contains("expected a number"));
}
