// One client's membership of one Socket.IO namespace, and the values that
// event handlers receive.
//
// Sockets are created and owned by the server. A handler gets `socket&`, valid
// for the duration of the call; to reach a socket later keep its id and use
// nsp::find() or nsp::to(id), or keep a socket_ref. After a disconnect every
// operation on a socket is a no-op that returns false.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "hearth/web/engine_io.hpp"
#include "hearth/web/sio_scheduler.hpp"

namespace hearth::web::sio {

class server;
class nsp;
class socket;
class broadcast_op;

// Arguments of an event or an acknowledgement: JSON values, in which
// {"_placeholder":true,"num":N} (sio::placeholder(N)) stands for attachments[N].
struct args {
  boost::json::array values;
  std::vector<std::string> attachments;
};

enum class ack_status { ok, timeout, disconnected };

struct ack_reply {
  ack_status status = ack_status::ok;
  args data;  // empty unless status is ok
};
using ack_callback = std::function<void(ack_reply&&)>;

// Answers one client event that asked for an acknowledgement. Copies share
// one state: the first call sends the ACK, later calls do nothing.
class acknowledger {
 public:
  acknowledger() = default;  // for an event that asked for no acknowledgement
  bool requested() const noexcept { return state_ != nullptr; }
  // Returns false if no ack was requested, it was already sent, or the socket
  // is gone.
  bool operator()(boost::json::array values = {}, std::vector<std::string> attachments = {}) const;

 private:
  friend class server;
  struct state {
    std::weak_ptr<socket> target;
    std::uint64_t id = 0;
    bool sent = false;
  };
  std::shared_ptr<state> state_;
};

// A client event as a handler receives it.
struct event {
  std::string name;  // a numeric event name arrives as its decimal text
  args data;         // the arguments after the name
  acknowledger ack;
};

// What a connect middleware returns to refuse a client: it is sent as
// CONNECT_ERROR {"message": message[, "data": data]}.
struct refusal {
  std::string message;
  boost::json::value data = nullptr;
};

class socket : public std::enable_shared_from_this<socket> {
 public:
  const std::string& id() const noexcept { return id_; }
  const std::string& nsp_name() const noexcept;
  const eio::request_info& request() const noexcept { return request_; }
  const boost::json::value& auth() const noexcept { return auth_; }  // the CONNECT payload, or {}
  boost::json::object& data() noexcept { return data_; }              // free for the application
  bool connected() const noexcept { return connected_; }

  bool emit(std::string_view event, boost::json::array values = {}, std::vector<std::string> attachments = {});
  // Emits with an acknowledgement request. `cb` runs exactly once: with the
  // client's reply, on timeout, or when the socket disconnects first. Returns
  // false (and does not call cb) if the event could not be sent.
  bool emit_with_ack(std::string_view event, boost::json::array values, std::vector<std::string> attachments,
                     std::chrono::milliseconds timeout, ack_callback cb);

  void join(std::string_view room);
  void leave(std::string_view room);
  std::vector<std::string> rooms() const;
  // Everyone in this socket's namespace except this socket.
  broadcast_op broadcast();

  // Sends DISCONNECT for this namespace; with close_connection also ends the
  // Engine.IO session (and with it the client's other namespaces).
  void disconnect(bool close_connection = false);

  std::size_t pending_acks() const noexcept { return acks_.size(); }

  // Not for applications: sockets are made by the server.
  socket(server& srv, nsp& space, std::string id, const eio::request_info& request, boost::json::value auth);

 private:
  friend class server;
  friend class nsp;
  friend class acknowledger;
  struct pending_ack {
    scheduler::clock::time_point deadline;
    ack_callback cb;
  };

  bool send(std::vector<eio::message> ms);

  server& server_;
  nsp& nsp_;
  std::string id_;
  eio::request_info request_;
  boost::json::value auth_;
  boost::json::object data_;
  // The client's connection, for sending; cleared as soon as the session
  // starts closing. `key_` stays: it finds the client in the server's table.
  eio::connection* conn_ = nullptr;
  eio::connection* key_ = nullptr;
  bool connected_ = false;
  std::uint64_t next_ack_id_ = 1;  // any start works; 1 matches the newest official suite
  std::map<std::uint64_t, pending_ack> acks_;
};

// A non-owning handle for code that outlives a handler call.
using socket_ref = std::weak_ptr<socket>;

}  // namespace hearth::web::sio
