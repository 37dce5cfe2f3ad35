#include "hearth/store/devices.hpp"

#include <algorithm>

#include "hearth/store/readings.hpp"  // series_key

namespace hearth::store {

namespace {

std::optional<std::int64_t> optional_int(const statement& s, int col) {
  if (s.column_is_null(col)) return std::nullopt;
  return s.column_int(col);
}

// A default-constructed string_view has no data and would bind as NULL.
std::string_view text(std::string_view s) { return s.data() ? s : std::string_view(""); }

void bind_optional(statement& s, int index, std::optional<std::int64_t> v) {
  if (v) s.bind(index, *v);
  else s.bind_null(index);
}

}  // namespace

devices::devices(database& db, std::size_t max_devices) : db_(db), max_devices_(max_devices) { load(); }

// Everything is small (rooms, nodes, devices of one house): after a change
// made by the user the caches are simply rebuilt from the committed tables.
void devices::load() {
  devices_.clear();
  nodes_.clear();
  pairing_.clear();
  room_names_.clear();
  statement rooms(db_, "SELECT id, name FROM room");
  while (rooms.step()) room_names_.emplace(rooms.column_int(0), rooms.column_text(1));
  statement nodes(db_, "SELECT name, room FROM node");
  while (nodes.step()) nodes_.emplace(nodes.column_text(0), optional_int(nodes, 1));
  statement devs(db_, "SELECT node, kind, sensor, room FROM device");
  while (devs.step())
    devices_.emplace(series_key(devs.column_text(0), devs.column_text(1), devs.column_text(2)),
                     cached_device{optional_int(devs, 3)});
  statement pairs(db_, "SELECT sensor, room FROM pairing");
  while (pairs.step()) pairing_.emplace(pairs.column_text(0), pairs.column_int(1));
}

bool devices::seen(std::string_view node, std::string_view kind, std::string_view sensor, std::int64_t now) {
  std::string key = series_key(node, kind, sensor);
  if (devices_.contains(key)) return false;
  const bool new_node = !nodes_.contains(std::string(node));
  if (devices_.size() >= max_devices_ || (new_node && nodes_.size() >= max_devices_)) {
    ++refused_;
    return false;
  }
  transaction tx(db_);
  if (new_node) {
    statement n(db_, "INSERT OR IGNORE INTO node(name, first_seen) VALUES(?, ?)");
    n.bind(1, node).bind(2, now).run();
  }
  statement d(db_, "INSERT OR IGNORE INTO device(node, kind, sensor, first_seen) VALUES(?, ?, ?, ?)");
  d.bind(1, node).bind(2, kind).bind(3, sensor).bind(4, now).run();
  tx.commit();
  if (new_node) nodes_.emplace(std::string(node), std::nullopt);
  devices_.emplace(std::move(key), cached_device{});
  return true;
}

bool devices::known(std::string_view node, std::string_view kind, std::string_view sensor) const {
  return devices_.contains(series_key(node, kind, sensor));
}

std::string devices::room_of(std::string_view node, std::string_view kind, std::string_view sensor) const {
  const auto name_of = [&](std::int64_t id) {
    auto it = room_names_.find(id);
    return it == room_names_.end() ? std::string() : it->second;
  };
  if (auto d = devices_.find(series_key(node, kind, sensor)); d != devices_.end() && d->second.room)
    return name_of(*d->second.room);
  if (auto p = pairing_.find(std::string(sensor)); p != pairing_.end()) return name_of(p->second);
  if (auto n = nodes_.find(std::string(node)); n != nodes_.end() && n->second) return name_of(*n->second);
  return {};
}

std::vector<room_info> devices::rooms() const {
  std::vector<room_info> out;
  for (const auto& [id, name] : room_names_) out.push_back({id, name});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::optional<std::int64_t> devices::room_id_by_name(std::string_view name) const {
  statement s(db_, "SELECT id FROM room WHERE name = ?");  // COLLATE NOCASE from the column
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return s.column_int(0);
}

op_result devices::create_room(std::string_view name) {
  if (!is_valid_room_name(name)) return {"a room name is 1-64 printable characters"};
  if (room_id_by_name(name)) return {"a room named '" + std::string(name) + "' exists already"};
  if (room_names_.size() >= max_devices_) return {"too many rooms"};
  statement s(db_, "INSERT INTO room(name) VALUES(?)");
  s.bind(1, name).run();
  const std::int64_t id = db_.last_insert_rowid();
  load();
  return {"", id};
}

op_result devices::rename_room(std::int64_t id, std::string_view name) {
  if (!room_exists(id)) return {"no such room"};
  if (!is_valid_room_name(name)) return {"a room name is 1-64 printable characters"};
  if (auto other = room_id_by_name(name); other && *other != id)
    return {"a room named '" + std::string(name) + "' exists already"};
  statement s(db_, "UPDATE room SET name = ? WHERE id = ?");
  s.bind(1, name).bind(2, id).run();
  load();
  return {"", id};
}

op_result devices::delete_room(std::int64_t id) {
  if (!room_exists(id)) return {"no such room"};
  statement s(db_, "DELETE FROM room WHERE id = ?");  // ON DELETE SET NULL / CASCADE do the rest
  s.bind(1, id).run();
  load();
  return {"", id};
}

std::vector<device_info> devices::list_devices(bool only_new) const {
  std::vector<device_info> out;
  statement s(db_, std::string("SELECT node, kind, sensor, label, room, first_seen, confirmed FROM device") +
                       (only_new ? " WHERE confirmed = 0" : "") + " ORDER BY node, kind, sensor");
  while (s.step()) {
    device_info d{s.column_text(0), s.column_text(1), s.column_text(2), s.column_text(3), optional_int(s, 4), "",
                  s.column_int(5),  s.column_int(6) != 0};
    d.room_name = room_of(d.node, d.kind, d.sensor);
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<node_info> devices::list_nodes(bool only_new) const {
  std::vector<node_info> out;
  statement s(db_, std::string("SELECT name, label, room, first_seen, confirmed FROM node") +
                       (only_new ? " WHERE confirmed = 0" : "") + " ORDER BY name");
  while (s.step())
    out.push_back({s.column_text(0), s.column_text(1), optional_int(s, 2), s.column_int(3), s.column_int(4) != 0});
  return out;
}

op_result devices::update_device(std::string_view node, std::string_view kind, std::string_view sensor,
                                 std::string_view label, std::optional<std::int64_t> room) {
  if (!known(node, kind, sensor)) return {"no such device"};
  if (room && !room_exists(*room)) return {"no such room"};
  if (label.size() > max_room_name || (!label.empty() && !is_valid_room_name(label)))
    return {"a label is up to 64 printable characters"};
  statement s(db_, "UPDATE device SET label = ?, room = ?, confirmed = 1 WHERE node = ? AND kind = ? AND sensor = ?");
  s.bind(1, text(label));
  bind_optional(s, 2, room);
  s.bind(3, node).bind(4, kind).bind(5, sensor).run();
  load();
  return {};
}

op_result devices::update_node(std::string_view node, std::string_view label, std::optional<std::int64_t> room) {
  if (!nodes_.contains(std::string(node))) return {"no such node"};
  if (room && !room_exists(*room)) return {"no such room"};
  if (label.size() > max_room_name || (!label.empty() && !is_valid_room_name(label)))
    return {"a label is up to 64 printable characters"};
  statement s(db_, "UPDATE node SET label = ?, room = ?, confirmed = 1 WHERE name = ?");
  s.bind(1, text(label));
  bind_optional(s, 2, room);
  s.bind(3, node).run();
  load();
  return {};
}

op_result devices::forget_device(std::string_view node, std::string_view kind, std::string_view sensor) {
  if (!known(node, kind, sensor)) return {"no such device"};
  statement s(db_, "DELETE FROM device WHERE node = ? AND kind = ? AND sensor = ?");
  s.bind(1, node).bind(2, kind).bind(3, sensor).run();
  load();
  return {};
}

op_result devices::import_pairing(const pairing_conf& conf, import_summary* summary) {
  if (!conf.ok()) {
    std::string error = "pairing.conf not imported: ";
    for (std::size_t i = 0; i < conf.errors.size() && i < 5; ++i) error += (i ? "; " : "") + conf.errors[i];
    if (conf.errors.size() > 5) error += "; and " + std::to_string(conf.errors.size() - 5) + " more";
    return {error};
  }
  import_summary sum;
  {
    transaction tx(db_);
    statement find(db_, "SELECT id FROM room WHERE name = ?");
    statement add_room(db_, "INSERT INTO room(name) VALUES(?)");
    statement pair(db_, "INSERT INTO pairing(sensor, room) VALUES(?, ?) "
                        "ON CONFLICT(sensor) DO UPDATE SET room = excluded.room");
    for (const pairing_entry& e : conf.entries) {
      find.bind(1, std::string_view(e.room));
      std::int64_t room = 0;
      if (find.step()) {
        room = find.column_int(0);
      } else {
        add_room.bind(1, std::string_view(e.room)).run();
        room = db_.last_insert_rowid();
        ++sum.rooms_created;
      }
      find.reset();
      pair.bind(1, std::string_view(e.sensor)).bind(2, room).run();
      ++sum.entries;
    }
    tx.commit();
  }
  load();
  if (summary) *summary = sum;
  return {};
}

}  // namespace hearth::store
