// The Engine.IO v4 server: mounts HTTP long-polling and WebSocket routes at
// one path of a router and runs an eio::handler (the Socket.IO layer, or
// the test server's echo) over the sessions. The protocol lives in the
// sans-I/O eio::session; this is the glue to HTTP requests, WebSockets and
// timers. Everything runs on the router's io_context.
//
// CORS: cors_origin "" sends no CORS headers (same origin only), "*" allows
// any origin, anything else allows that one origin (with credentials).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "hearth/core/log.hpp"
#include "hearth/net/net.hpp"
#include "hearth/web/engine_io.hpp"
#include "hearth/web/eio_session.hpp"
#include "hearth/web/http.hpp"

namespace hearth::web {

struct eio_settings {
  std::string path = "/engine.io/";
  eio::session_settings session;
  std::string cors_origin;
  std::size_t max_sessions = 10000;
  // Waits this long after the WebSocket handshake before sending the open
  // packet of a WebSocket-only session. 0 for real clients; the test server
  // uses a few ms, because the official suite's WebSocket helper drops a
  // message that arrives in the same read as the 101 response.
  std::chrono::milliseconds ws_open_delay{0};
};

namespace detail {
struct eio_state;
}

class eio_server {
public:
  eio_server(net::io_context& ioc, core::logger& log, eio::handler& h, eio_settings s);
  ~eio_server();
  eio_server(const eio_server&) = delete;
  eio_server& operator=(const eio_server&) = delete;

  // Adds the routes (any method, and the WebSocket upgrade) at settings.path.
  void mount(router& r);
  // Ends every session ("server shutting down").
  void close_all();
  std::size_t sessions() const noexcept;

private:
  std::shared_ptr<detail::eio_state> state_;
};

}  // namespace hearth::web
