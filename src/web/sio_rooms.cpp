#include "hearth/web/sio_rooms.hpp"

#include <algorithm>

namespace hearth::web::sio {
namespace {

// Inserts `value` into the set at `key`, creating the set on first use.
bool add(std::map<std::string, room_table::member_set, std::less<>>& m, std::string_view key,
         std::string_view value) {
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(std::string(key), room_table::member_set{}).first;
  return it->second.emplace(value).second;
}

// Erases `value` from the set at `key`, dropping the set when it empties.
bool remove(std::map<std::string, room_table::member_set, std::less<>>& m, std::string_view key,
            std::string_view value) {
  auto it = m.find(key);
  if (it == m.end()) return false;
  auto v = it->second.find(value);
  if (v == it->second.end()) return false;
  it->second.erase(v);
  if (it->second.empty()) m.erase(it);
  return true;
}

}  // namespace

bool room_table::join(std::string_view sid, std::string_view room) {
  if (!add(rooms_, room, sid)) return false;
  add(sockets_, sid, room);
  return true;
}

bool room_table::leave(std::string_view sid, std::string_view room) {
  if (!remove(rooms_, room, sid)) return false;
  remove(sockets_, sid, room);
  return true;
}

std::vector<std::string> room_table::leave_all(std::string_view sid) {
  std::vector<std::string> left;
  auto it = sockets_.find(sid);
  if (it == sockets_.end()) return left;
  left.assign(it->second.begin(), it->second.end());
  sockets_.erase(it);
  for (const auto& room : left) remove(rooms_, room, sid);
  return left;
}

bool room_table::contains(std::string_view sid, std::string_view room) const {
  const auto* m = members(room);
  return m && m->find(sid) != m->end();
}

const room_table::member_set* room_table::members(std::string_view room) const {
  auto it = rooms_.find(room);
  return it == rooms_.end() ? nullptr : &it->second;
}

const room_table::member_set* room_table::rooms_of(std::string_view sid) const {
  auto it = sockets_.find(sid);
  return it == sockets_.end() ? nullptr : &it->second;
}

std::vector<std::string> room_table::select(const std::vector<std::string>& rooms,
                                            const std::vector<std::string>& except) const {
  member_set excluded;
  for (const auto& r : except)
    if (const auto* m = members(r)) excluded.insert(m->begin(), m->end());
  member_set chosen;
  for (const auto& r : rooms)
    if (const auto* m = members(r))
      for (const auto& sid : *m)
        if (!excluded.contains(sid)) chosen.insert(sid);
  return {chosen.begin(), chosen.end()};
}

}  // namespace hearth::web::sio
