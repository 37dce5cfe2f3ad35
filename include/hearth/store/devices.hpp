// Devices, nodes, rooms and the pairing, in the house database.
//
// A node (satellite) and its devices (sensors and relays) appear the first
// time they publish (seen()); they are "new" until the user names them or
// assigns them to a room. A device's room is, in this order: its own room,
// the room pairing.conf gave its sensor id, its node's room, or none.
//
// Lookups (room_of, known) come from memory, so the bridge can ask for every
// message; every change goes to SQLite first and to memory only once
// committed. The number of devices and nodes is bounded (a client publishing
// random sensor ids cannot grow the tables without end); past the bound new
// ones are counted, not stored.
//
// User-facing operations return an error text (empty on success) rather than
// throwing: a REST handler shows it as it is. SQLite failures throw
// sqlite_error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hearth/store/pairing_conf.hpp"
#include "hearth/store/sqlite.hpp"

namespace hearth::store {

struct room_info {
  std::int64_t id = 0;
  std::string name;
};

struct device_info {
  std::string node, kind, sensor;  // kind "relay" for relays, sensor = the relay's name
  std::string label;
  std::optional<std::int64_t> room;  // assigned to the device itself
  std::string room_name;             // resolved (device, pairing, node), "" if none
  std::int64_t first_seen = 0;
  bool confirmed = false;
};

struct node_info {
  std::string name, label;
  std::optional<std::int64_t> room;
  std::int64_t first_seen = 0;
  bool confirmed = false;
};

struct op_result {
  std::string error;  // empty: done
  std::int64_t id = 0;
  explicit operator bool() const noexcept { return error.empty(); }
};

struct import_summary {
  std::size_t entries = 0;
  std::size_t rooms_created = 0;
};

class devices {
public:
  explicit devices(database& db, std::size_t max_devices = 5000);

  // Records a device (and its node) the first time it publishes. Returns
  // true when it was new.
  bool seen(std::string_view node, std::string_view kind, std::string_view sensor, std::int64_t now_ms);
  bool known(std::string_view node, std::string_view kind, std::string_view sensor) const;
  std::string room_of(std::string_view node, std::string_view kind, std::string_view sensor) const;
  std::uint64_t refused() const noexcept { return refused_; }

  std::vector<room_info> rooms() const;
  op_result create_room(std::string_view name);
  op_result rename_room(std::int64_t id, std::string_view name);
  op_result delete_room(std::int64_t id);  // its devices and nodes become unassigned

  std::vector<device_info> list_devices(bool only_new = false) const;
  std::vector<node_info> list_nodes(bool only_new = false) const;
  // Names a device and puts it in a room (nullopt: none); it is no longer new.
  op_result update_device(std::string_view node, std::string_view kind, std::string_view sensor,
                          std::string_view label, std::optional<std::int64_t> room);
  op_result update_node(std::string_view node, std::string_view label, std::optional<std::int64_t> room);
  op_result forget_device(std::string_view node, std::string_view kind, std::string_view sensor);

  // Applies a parsed pairing.conf in one transaction: rooms are created by
  // name (case-insensitively matched), each sensor id paired with its room.
  // A file with errors is refused whole (the first errors in `error`).
  op_result import_pairing(const pairing_conf& conf, import_summary* summary = nullptr);

private:
  struct cached_device {
    std::optional<std::int64_t> room;
  };
  void load();
  std::optional<std::int64_t> room_id_by_name(std::string_view name) const;
  bool room_exists(std::int64_t id) const { return room_names_.contains(id); }

  database& db_;
  std::size_t max_devices_;
  std::unordered_map<std::string, cached_device> devices_;             // node \0 kind \0 sensor
  std::unordered_map<std::string, std::optional<std::int64_t>> nodes_;  // node -> room
  std::unordered_map<std::string, std::int64_t> pairing_;              // sensor id -> room
  std::unordered_map<std::int64_t, std::string> room_names_;
  std::uint64_t refused_ = 0;
};

}  // namespace hearth::store
