// Devices, rooms and the import of the original pairing.conf.
#include <catch2/catch.hpp>

#include "hearth/store/devices.hpp"
#include "hearth/store/pairing_conf.hpp"
#include "store_support.hpp"

using namespace hearth;

TEST_CASE("devices: pairing.conf in the original format", "[devices]") {
  auto conf = store::parse_pairing_conf(
      "# sensors of the house\n"
      "[sensorspairing]\n"
      "28-0000071a2b3c = living\n"
      "28-0000071A4D5E=kitchen\r\n"
      "  ; indented comment\n"
      "28-00000aaaaaaa : Bedroom 2\n"
      "\n"
      "[other]\n"
      "whatever = x\n"
      "[DEFAULT]\n"
      "28-00000bbbbbbb = cellar\n"
      "28-0000071a2b3c = ignored, the section wins\n");
  REQUIRE(conf.ok());
  REQUIRE(conf.entries.size() == 4);
  CHECK(conf.entries[0].sensor == "28-0000071a2b3c");
  CHECK(conf.entries[0].room == "living");
  CHECK(conf.entries[1].sensor == "28-0000071a4d5e");  // lowercased like configparser
  CHECK(conf.entries[1].room == "kitchen");
  CHECK(conf.entries[2].room == "Bedroom 2");
  CHECK(conf.entries[3].sensor == "28-00000bbbbbbb");  // from [DEFAULT]
  CHECK(store::parse_pairing_conf("\xEF\xBB\xBF[sensorspairing]\na = 100%% dry\n").entries.at(0).room == "100% dry");
}

TEST_CASE("devices: malformed pairing.conf files are refused with the line", "[devices][malformed]") {
  const auto first_error = [](std::string_view text) {
    auto conf = store::parse_pairing_conf(text);
    CHECK(conf.entries.empty());
    return conf.errors.empty() ? std::string("(no error)") : conf.errors.front();
  };
  CHECK(first_error("") == "no [sensorspairing] section");
  CHECK(first_error("[sensors]\na = b\n") == "no [sensorspairing] section");
  CHECK(first_error("a = b\n[sensorspairing]\n") == "line 1: an entry before any [section] header");
  CHECK(first_error("[sensorspairing\n") == "line 1: a section header must end with ']'");
  CHECK(first_error("[sensorspairing]\n28-01 living\n") == "line 2: expected 'sensor-id = room'");
  CHECK(first_error("[sensorspairing]\n28-01 =\n") == "line 2: no room for 28-01");
  CHECK(first_error("[sensorspairing]\n28-01 = a\n28-01 = b\n") == "line 3: '28-01' appears twice in the same section");
  CHECK(first_error("[sensorspairing]\n[sensorspairing]\n") == "line 2: section [sensorspairing] appears twice");
  CHECK_THAT(first_error("[sensorspairing]\nbad/id = a\n"), Catch::StartsWith("line 2: 'bad/id' is not a sensor id"));
  CHECK_THAT(first_error("[sensorspairing]\na = %(home)s\n"), Catch::StartsWith("line 2: '%' interpolation"));
  CHECK_THAT(first_error("[sensorspairing]\na = b\n  continued\n"), Catch::StartsWith("line 3: an indented line"));
  CHECK_THAT(first_error("[sensorspairing]\na = \x01x\n"), Catch::Contains("not a usable room name"));
  CHECK_THAT(first_error("[sensorspairing]\na = \xC3\x28\n"), Catch::Contains("not a usable room name"));
  CHECK_THAT(first_error("[sensorspairing]\na = " + std::string(65, 'r') + "\n"), Catch::Contains("not a usable"));
  CHECK_THAT(first_error(std::string(store::max_pairing_conf_bytes + 1, '#')), Catch::Contains("over"));
  // All errors are reported, not only the first.
  CHECK(store::parse_pairing_conf("[sensorspairing]\na\nb\n").errors.size() == 2);
}

TEST_CASE("devices: new devices appear when they first publish", "[devices]") {
  test::house::memory_db m;
  store::devices d(m.db);
  CHECK(d.seen("kitchen", "temperature", "28-01", 1000));
  CHECK_FALSE(d.seen("kitchen", "temperature", "28-01", 2000));
  CHECK(d.seen("kitchen", "relay", "light", 1000));
  CHECK(d.known("kitchen", "relay", "light"));
  CHECK(d.list_devices(true).size() == 2);
  REQUIRE(d.list_nodes(true).size() == 1);
  CHECK(d.list_nodes()[0].first_seen == 1000);
  CHECK(d.room_of("kitchen", "temperature", "28-01").empty());

  // Persisted: a new instance over the same database knows them.
  store::devices again(m.db);
  CHECK(again.known("kitchen", "temperature", "28-01"));
  CHECK_FALSE(again.seen("kitchen", "temperature", "28-01", 3000));
}

TEST_CASE("devices: rooms CRUD and room resolution", "[devices]") {
  test::house::memory_db m;
  store::devices d(m.db);
  d.seen("n1", "temperature", "28-01", 1);
  d.seen("n1", "humidity", "dht", 1);
  auto kitchen = d.create_room("Kitchen");
  REQUIRE(kitchen);
  auto hall = d.create_room("Hall");
  REQUIRE(hall);
  CHECK(d.create_room("kitchen").error == "a room named 'kitchen' exists already");  // case-insensitive
  CHECK_FALSE(d.create_room(""));
  CHECK_FALSE(d.create_room(std::string(65, 'x')));
  CHECK(d.rooms().size() == 2);

  // The node's room applies to its devices unless a device has its own.
  REQUIRE(d.update_node("n1", "Kitchen Pi", hall.id));
  CHECK(d.room_of("n1", "humidity", "dht") == "Hall");
  REQUIRE(d.update_device("n1", "temperature", "28-01", "Fridge", kitchen.id));
  CHECK(d.room_of("n1", "temperature", "28-01") == "Kitchen");
  CHECK(d.list_devices(true).size() == 1);  // the named one is no longer new
  CHECK(d.list_nodes(true).empty());
  CHECK(d.update_device("n1", "temperature", "nope", "x", std::nullopt).error == "no such device");
  CHECK(d.update_device("n1", "temperature", "28-01", "x", 999).error == "no such room");

  REQUIRE(d.rename_room(kitchen.id, "Cuisine"));
  CHECK(d.room_of("n1", "temperature", "28-01") == "Cuisine");
  CHECK_FALSE(d.rename_room(kitchen.id, "hall"));
  REQUIRE(d.delete_room(kitchen.id));
  CHECK(d.room_of("n1", "temperature", "28-01") == "Hall");  // back to the node's room
  CHECK(d.delete_room(kitchen.id).error == "no such room");
  REQUIRE(d.forget_device("n1", "humidity", "dht"));
  CHECK_FALSE(d.known("n1", "humidity", "dht"));
}

TEST_CASE("devices: importing pairing.conf pairs sensor ids with rooms", "[devices]") {
  test::house::memory_db m;
  store::devices d(m.db);
  REQUIRE(d.create_room("Living"));
  d.seen("n1", "temperature", "28-0000071a2b3c", 1);
  store::import_summary sum;
  auto r = d.import_pairing(store::parse_pairing_conf("[sensorspairing]\n"
                                                      "28-0000071a2b3c = living\n"
                                                      "28-0000071a4d5e = kitchen\n"
                                                      "28-0000071a6f70 = Kitchen\n"),
                            &sum);
  REQUIRE(r);
  CHECK(sum.entries == 3);
  CHECK(sum.rooms_created == 1);  // "living" matched "Living"; "Kitchen" matched "kitchen"
  CHECK(d.rooms().size() == 2);
  CHECK(d.room_of("n1", "temperature", "28-0000071a2b3c") == "Living");
  // A sensor not seen yet is paired as soon as it shows up, on any node.
  CHECK(d.room_of("n7", "temperature", "28-0000071a4d5e") == "kitchen");  // named as first written
  // Re-importing moves a sensor.
  REQUIRE(d.import_pairing(store::parse_pairing_conf("[sensorspairing]\n28-0000071a4d5e = Living\n")));
  CHECK(d.room_of("n7", "temperature", "28-0000071a4d5e") == "Living");
}

TEST_CASE("devices: a malformed pairing.conf changes nothing", "[devices][malformed]") {
  test::house::memory_db m;
  store::devices d(m.db);
  auto r = d.import_pairing(store::parse_pairing_conf("[sensorspairing]\n28-01 = a\n28-02\n"));
  CHECK_THAT(r.error, Catch::StartsWith("pairing.conf not imported: line 3: expected 'sensor-id = room'"));
  CHECK(d.rooms().empty());
  CHECK(d.room_of("n", "temperature", "28-01").empty());
}

TEST_CASE("devices: the number of devices is bounded", "[devices]") {
  test::house::memory_db m;
  store::devices d(m.db, 3);
  CHECK(d.seen("n", "t", "a", 1));
  CHECK(d.seen("n", "t", "b", 1));
  CHECK(d.seen("n", "t", "c", 1));
  CHECK_FALSE(d.seen("n", "t", "d", 1));
  CHECK(d.refused() == 1);
  CHECK(d.list_devices().size() == 3);
}
