// A Socket.IO namespace ("/", "/custom", ...): its connect middleware, its
// handlers, its sockets and their rooms, and broadcasts to them.
//
// Made by server::of(); lives as long as the server. Handlers run on the
// event loop, one at a time; they may emit, join, leave and disconnect freely
// (also the socket they were called for).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hearth/web/sio_rooms.hpp"
#include "hearth/web/sio_socket.hpp"

namespace hearth::web::sio {

// Runs for each CONNECT before the socket exists for the application: look at
// socket.auth() and socket.request(), fill socket.data(), and return a
// refusal to turn the client away. Events emitted here are dropped.
using middleware = std::function<std::optional<refusal>(socket&)>;
using connection_handler = std::function<void(socket&)>;
using event_handler = std::function<void(socket&, event&)>;
// reason: "client namespace disconnect", "server namespace disconnect", or the
// Engine.IO close reason ("transport close", "ping timeout", ...).
using disconnect_handler = std::function<void(socket&, std::string_view reason)>;

// Who a broadcast goes to: nsp.to("a").to("b").except(id).emit(...).
// Without to(), everyone in the namespace. Encodes the packet once.
class broadcast_op {
 public:
  broadcast_op& to(std::string room);
  broadcast_op& except(std::string room);
  // Returns how many sockets the packet was queued for.
  std::size_t emit(std::string_view event, boost::json::array values = {},
                   std::vector<std::string> attachments = {});

 private:
  friend class nsp;
  explicit broadcast_op(nsp& space) : nsp_(space) {}
  nsp& nsp_;
  std::vector<std::string> rooms_;
  std::vector<std::string> except_;
};

class nsp {
 public:
  nsp(server& srv, std::string name) : server_(srv), name_(std::move(name)) {}
  nsp(const nsp&) = delete;
  nsp& operator=(const nsp&) = delete;

  const std::string& name() const noexcept { return name_; }

  void use(middleware m) { middlewares_.push_back(std::move(m)); }
  void on_connection(connection_handler h) { on_connection_ = std::move(h); }
  void on_disconnect(disconnect_handler h) { on_disconnect_ = std::move(h); }
  void on(std::string event, event_handler h) { handlers_[std::move(event)] = std::move(h); }

  std::size_t emit(std::string_view event, boost::json::array values = {},
                   std::vector<std::string> attachments = {});
  broadcast_op to(std::string room);
  broadcast_op except(std::string room);

  socket* find(std::string_view sid) const;
  std::size_t size() const noexcept { return sockets_.size(); }
  const room_table& rooms() const noexcept { return rooms_; }

 private:
  friend class server;
  friend class socket;
  friend class broadcast_op;

  std::size_t deliver(const std::vector<std::string>& sids, std::string_view event, boost::json::array values,
                      std::vector<std::string> attachments);

  server& server_;
  std::string name_;
  std::vector<middleware> middlewares_;
  connection_handler on_connection_;
  disconnect_handler on_disconnect_;
  std::map<std::string, event_handler, std::less<>> handlers_;
  std::map<std::string, std::shared_ptr<socket>, std::less<>> sockets_;
  room_table rooms_;
};

}  // namespace hearth::web::sio
