// The compact containers of per-connection state: heap_optional (rarely set
// fields of client and session) and packet_id_map (a session's inbound QoS 2
// ids). They replace standard types to save memory, so they must behave like
// them where the broker uses them, and really be smaller.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <unordered_map>

#include "hearth/core/heap_optional.hpp"
#include "hearth/mqtt/packet_id_map.hpp"

using hearth::core::heap_optional;
using hearth::mqtt::packet_id_map;

TEST_CASE("heap_optional: empty, set, copied, moved, compared", "[compact]") {
  static_assert(sizeof(heap_optional<std::string>) == sizeof(void*));
  heap_optional<std::string> a;
  CHECK_FALSE(a);
  CHECK_FALSE(a.has_value());
  a = std::optional<std::string>("a-rather-long-user-name-beyond-sso");
  REQUIRE(a);
  CHECK(*a == "a-rather-long-user-name-beyond-sso");
  CHECK(a->size() == 34);

  heap_optional<std::string> b = a;  // a deep copy
  REQUIRE(b);
  CHECK(&*b != &*a);
  CHECK(a == b);
  *b += "!";
  CHECK_FALSE(a == b);

  const std::optional<std::string> back = std::move(b);
  CHECK(back == "a-rather-long-user-name-beyond-sso!");

  a = std::nullopt;
  CHECK_FALSE(a);
  CHECK(a == heap_optional<std::string>());
  const std::optional<std::string> none = a;
  CHECK_FALSE(none);
}

TEST_CASE("packet_id_map: the std::map subset the broker uses", "[compact]") {
  static_assert(sizeof(packet_id_map<int>) == sizeof(void*));  // nothing allocated while empty
  packet_id_map<std::string> m;
  CHECK(m.empty());
  CHECK(m.emplace(7, "seven").second);
  CHECK(m.emplace(3, "three").second);
  CHECK(m.emplace(65535, "max").second);
  CHECK_FALSE(m.emplace(7, "again").second);  // like std::map: no overwrite
  CHECK(m.size() == 3);
  CHECK(m.find(7)->second == "seven");
  CHECK(m.count(3) == 1);
  CHECK(m.count(4) == 0);
  CHECK(m.find(4) == m.end());

  // Sorted by id, whatever the order of insertion.
  std::uint16_t last = 0;
  for (const auto& [id, v] : m) {
    CHECK(id > last);
    last = id;
  }

  m.find(3)->second = "replaced";
  CHECK(m.find(3)->second == "replaced");
  CHECK(m.erase(std::uint16_t{7}) == 1);
  CHECK(m.erase(std::uint16_t{7}) == 0);
  m.erase(m.find(3));
  CHECK(m.size() == 1);
  CHECK(m.begin()->first == 65535);
  m.clear();
  CHECK(m.empty());
}
