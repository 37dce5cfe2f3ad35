// HTTP requests and responses as plain values, the router that maps them to
// handlers, and the WebSocket endpoint interface: what the web features
// (Engine.IO, static files, the REST API, MQTT over WebSocket) are written
// against. No Beast here; src/web/http_session.cpp translates.
//
// A handler answers through a responder, at once or later (a long-poll keeps
// it until there is something to send). Exactly one answer counts; a
// responder dropped unanswered answers 500. If the client goes away first,
// the on_abandon callback runs and later answers are ignored.
//
// Routes match by method ("" = any) and path prefix, the longest prefix
// winning; a route carries its own body limit (413 past it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hearth::web {

struct http_request {
  std::string method;  // "GET"
  std::string target;  // "/engine.io/?EIO=4&transport=polling"
  std::string path;    // "/engine.io/", percent-decoded
  std::map<std::string, std::string> query;    // decoded; the last of repeated keys wins
  std::map<std::string, std::string> headers;  // names lower-cased; repeated ones joined by ", "
  std::string body;
  std::string remote;  // "127.0.0.1:53122"
  bool secure = false;
  bool keep_alive = true;

  std::string header(std::string_view name) const;  // "" when absent; `name` lower-case
};

struct http_response {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  http_response& set(std::string name, std::string value);
  static http_response text(unsigned status, std::string body, std::string content_type = "text/plain; charset=utf-8");
};

// The answering side of one request (shared: copies answer the same request).
class responder {
public:
  class sink {
  public:
    virtual ~sink() = default;
    virtual void respond(http_response&& r) = 0;
    virtual void on_abandon(std::function<void()> f) = 0;
    virtual bool answered() const = 0;
  };
  explicit responder(std::shared_ptr<sink> s) : sink_(std::move(s)) {}
  void operator()(http_response&& r) const { sink_->respond(std::move(r)); }
  bool answered() const { return sink_->answered(); }
  void on_abandon(std::function<void()> f) const { sink_->on_abandon(std::move(f)); }

private:
  std::shared_ptr<sink> sink_;
};

using http_handler = std::function<void(http_request&&, responder)>;

// The server side of one WebSocket, as endpoints see it.
class ws_link {
public:
  virtual ~ws_link() = default;
  // Queues one frame. False when closing or when the bounded queue is full
  // (the link then closes with 1008, policy violation).
  virtual bool send(std::string data, bool binary) = 0;
  // Sends a close frame after what is queued (1000 normal, 1009 too big...).
  virtual void close(std::uint16_t code = 1000) = 0;
  virtual std::size_t queued_bytes() const = 0;
  virtual const std::string& remote() const = 0;
};

class ws_endpoint {
public:
  virtual ~ws_endpoint() = default;
  virtual void on_open(ws_link& l) = 0;
  virtual void on_frame(ws_link& l, std::string&& data, bool binary) = 0;
  // The WebSocket ended (closed by either side, or failed); `l` must not be
  // used after this returns.
  virtual void on_close(ws_link& l) = 0;
};

// What a WebSocket route answers to an upgrade request: a plain HTTP
// response (refused), or an endpoint to run it.
struct ws_accept {
  std::shared_ptr<ws_endpoint> endpoint;
  std::string subprotocol;            // echoed in Sec-WebSocket-Protocol when not empty
  std::size_t max_frame = 1048576;    // a bigger message closes with 1009
};
using ws_route = std::function<std::variant<http_response, ws_accept>(const http_request&)>;

class router {
public:
  static constexpr std::size_t default_max_body = 1048576;

  struct route {
    std::string method;  // "" = any
    std::string prefix;
    http_handler handler;
    std::size_t max_body = default_max_body;
  };

  void add(std::string method, std::string prefix, http_handler h, std::size_t max_body = default_max_body);
  void add_websocket(std::string prefix, ws_route r);

  // The longest-prefix route for this path; among those, one for this method.
  // `path_matched` tells a 405 from a 404 when nullptr is returned.
  const route* match(std::string_view method, std::string_view path, bool* path_matched = nullptr) const;
  const ws_route* match_websocket(std::string_view path) const;

private:
  std::vector<route> routes_;
  std::vector<std::pair<std::string, ws_route>> ws_routes_;
};

// Splits a request target into its decoded path and query.
void parse_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query);
// Percent-decoding ('+' as a space when `plus_is_space`); invalid escapes
// are kept as they are.
std::string percent_decode(std::string_view s, bool plus_is_space);

}  // namespace hearth::web
