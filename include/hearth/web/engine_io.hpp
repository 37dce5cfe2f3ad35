// The seam between the Engine.IO transport and what runs on top of it.
//
// The Engine.IO server (HTTP long-polling, WebSocket, the upgrade between
// them, heartbeats, maxPayload) owns the connections and implements
// eio::connection. What rides on it (the Socket.IO layer, or the raw echo of
// hearth-sio-testserver) implements eio::handler and sees only whole
// messages, never transports. Both sides run on the one event loop; no call
// crosses threads.
//
// Lifetime: a connection is valid from on_open until on_close returns. The
// handler must not call back into the connection from on_close.
#pragma once

#include <cstddef>
#include <vector>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace hearth::web::eio {

// One Engine.IO "message" packet (type 4): text, or binary (sent as a binary
// WebSocket frame, or base64 with a `b` prefix on polling).
struct message {
  bool binary = false;
  std::string data;
};

// What the handshake request said, for authentication (session cookie,
// `Authorization`) and logging.
struct request_info {
  std::string remote;                          // "127.0.0.1:53122"
  std::string path;                            // "/socket.io/"
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // names lower-cased
  bool secure = false;                         // arrived over TLS
};

class connection {
 public:
  virtual ~connection() = default;
  virtual const std::string& id() const = 0;  // the sid
  virtual const request_info& request() const = 0;
  // Queues a message. Returns false when it was not queued: the connection is
  // closing, or its bounded write queue is full (the connection is then
  // closed: a client that does not read costs bounded memory).
  virtual bool send(message m) = 0;
  // Messages of one Socket.IO packet (a text header and its binary
  // attachments) must not be split by the bound: send them together.
  virtual bool send_all(std::vector<message> ms) = 0;
  // The same packet for many connections (a Socket.IO broadcast, encoded
  // once). The default copies; a transport may keep the shared buffer
  // instead. Same queueing rules as send_all.
  virtual bool send_shared(const std::shared_ptr<const std::vector<message>>& ms) { return send_all(*ms); }
  // Sends a close packet and ends the session; on_close follows (posted).
  virtual void close() = 0;
  // Bytes queued and not yet written (for tests and $SYS-like counters).
  virtual std::size_t queued_bytes() const = 0;
};

class handler {
 public:
  virtual ~handler() = default;
  virtual void on_open(connection& c) = 0;
  virtual void on_message(connection& c, message&& m) = 0;
  // reason: "transport close", "ping timeout", "forced close", "transport error", ...
  virtual void on_close(connection& c, std::string_view reason) = 0;
};

}  // namespace hearth::web::eio
