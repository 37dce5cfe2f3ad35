// [persistence] and mqtt.max_memory_bytes (issue 3).
#include <catch2/catch.hpp>

#include "hearth/core/config.hpp"

using namespace hearth::core;

TEST_CASE("config: [persistence] and the memory budget", "[config]") {
  config c;
  CHECK(c.persistence.enabled);
  CHECK(c.persistence.ack_after_commit);
  CHECK(c.persistence.sync_full);
  CHECK(c.mqtt.max_memory_bytes == 64u << 20);
  apply_toml(c, "[persistence]\nenabled = false\nack = \"immediate\"\nsynchronous = \"normal\"\n"
                "[mqtt]\nmax_memory_bytes = 0\n", "t.toml");
  CHECK_FALSE(c.persistence.enabled);
  CHECK_FALSE(c.persistence.ack_after_commit);
  CHECK_FALSE(c.persistence.sync_full);
  CHECK(c.mqtt.max_memory_bytes == 0);
}

TEST_CASE("config: bad [persistence] values name the key", "[config][malformed]") {
  config c;
  CHECK_THROWS_WITH(apply_toml(c, "[persistence]\nack = \"later\"\n", "t.toml"),
                    Catch::Contains("t.toml:2: persistence.ack: expected \"after_commit\" or \"immediate\""));
  CHECK_THROWS_WITH(apply_toml(c, "[persistence]\nsynchronous = \"off\"\n", "t.toml"),
                    Catch::Contains("persistence.synchronous"));
  CHECK_THROWS_WITH(apply_toml(c, "[persistence]\nfsync = true\n", "t.toml"),
                    Catch::Contains("persistence.fsync: unknown key"));
  CHECK_THROWS_WITH(apply_toml(c, "[mqtt]\nmax_memory_bytes = -1\n", "t.toml"),
                    Catch::Contains("mqtt.max_memory_bytes"));
}
