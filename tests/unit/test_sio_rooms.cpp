// Room membership (sio_rooms.hpp): both directions stay consistent, empty
// rooms disappear, and a broadcast's recipients are each listed once.
#include <catch2/catch.hpp>

#include "hearth/web/sio_rooms.hpp"

using hearth::web::sio::room_table;
using strings = std::vector<std::string>;

TEST_CASE("sio rooms: join and leave", "[sio][rooms]") {
  room_table t;
  CHECK(t.join("s1", "kitchen"));
  CHECK_FALSE(t.join("s1", "kitchen"));
  CHECK(t.join("s2", "kitchen"));
  CHECK(t.join("s1", "s1"));
  CHECK(t.contains("s1", "kitchen"));
  CHECK(t.room_count() == 2);
  CHECK(t.socket_count() == 2);
  REQUIRE(t.members("kitchen"));
  CHECK(t.members("kitchen")->size() == 2);
  REQUIRE(t.rooms_of("s1"));
  CHECK(t.rooms_of("s1")->size() == 2);

  CHECK(t.leave("s1", "kitchen"));
  CHECK_FALSE(t.leave("s1", "kitchen"));
  CHECK_FALSE(t.leave("nobody", "kitchen"));
  CHECK_FALSE(t.contains("s1", "kitchen"));
  CHECK(t.members("kitchen")->size() == 1);

  CHECK(t.leave("s2", "kitchen"));
  CHECK(t.members("kitchen") == nullptr);  // an empty room is gone
  CHECK(t.rooms_of("s2") == nullptr);
  CHECK(t.room_count() == 1);
}

TEST_CASE("sio rooms: leave_all removes a socket everywhere", "[sio][rooms]") {
  room_table t;
  t.join("s1", "a");
  t.join("s1", "b");
  t.join("s2", "b");
  auto left = t.leave_all("s1");
  CHECK(left == strings{"a", "b"});
  CHECK(t.members("a") == nullptr);
  CHECK(t.members("b")->size() == 1);
  CHECK(t.rooms_of("s1") == nullptr);
  CHECK(t.leave_all("s1").empty());
  CHECK(t.socket_count() == 1);
}

TEST_CASE("sio rooms: broadcast recipients", "[sio][rooms]") {
  room_table t;
  for (const char* s : {"s1", "s2", "s3", "s4"}) t.join(s, s);
  t.join("s1", "a");
  t.join("s2", "a");
  t.join("s2", "b");
  t.join("s3", "b");
  t.join("s4", "muted");

  CHECK(t.select({"a"}, {}) == strings{"s1", "s2"});
  CHECK(t.select({"a", "b"}, {}) == strings{"s1", "s2", "s3"});  // s2 once
  CHECK(t.select({"a", "b"}, {"s2"}) == strings{"s1", "s3"});     // except one socket
  CHECK(t.select({"a", "b"}, {"b"}) == strings{"s1"});            // except a room
  CHECK(t.select({"s1", "s2", "s3", "s4"}, {"muted"}) == strings{"s1", "s2", "s3"});
  CHECK(t.select({"nope"}, {}).empty());
  CHECK(t.select({}, {}).empty());
}
