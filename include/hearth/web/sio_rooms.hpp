// Room membership of one Socket.IO namespace: which sockets are in which
// rooms, both ways, so that joining, leaving, a disconnect (leave all) and a
// broadcast's recipient list each cost a few map lookups.
//
// Sockets and rooms are plain strings (socket ids and room names); a room
// exists while it has members. Every socket also sits in the room named by
// its own id (the server joins it on connect), which is how "emit to one
// socket" and "broadcast except this socket" reuse the room machinery.
// Ordered containers keep broadcast order deterministic for tests.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::web::sio {

class room_table {
 public:
  using member_set = std::set<std::string, std::less<>>;

  // Returns false if the socket was already in the room.
  bool join(std::string_view sid, std::string_view room);
  // Returns false if the socket was not in the room.
  bool leave(std::string_view sid, std::string_view room);
  // Removes the socket from every room; returns the rooms it was in.
  std::vector<std::string> leave_all(std::string_view sid);

  bool contains(std::string_view sid, std::string_view room) const;
  // Members of a room, or nullptr if nobody is in it.
  const member_set* members(std::string_view room) const;
  // Rooms of a socket, or nullptr if it is in none.
  const member_set* rooms_of(std::string_view sid) const;

  // Sockets in any of `rooms` (each once), minus the sockets in any of the
  // `except` rooms: the recipients of a broadcast.
  std::vector<std::string> select(const std::vector<std::string>& rooms,
                                  const std::vector<std::string>& except) const;

  std::size_t room_count() const noexcept { return rooms_.size(); }
  std::size_t socket_count() const noexcept { return sockets_.size(); }

 private:
  std::map<std::string, member_set, std::less<>> rooms_;    // room -> sids
  std::map<std::string, member_set, std::less<>> sockets_;  // sid -> rooms
};

}  // namespace hearth::web::sio
