// hearthd's HTTP/1.1 server (Boost.Beast, on the one io_context): plain and
// TLS listeners serving one router, keep-alive, limits on every request,
// security headers on every response, WebSocket upgrades handed to ws
// routes. Beast stays inside src/web; this header needs only Asio types.
//
// Limits: a request's header must fit max_header_bytes (431 past it) and
// arrive, with its body, before request_timeout; a connection idle longer
// than idle_timeout between requests is closed; a body over its route's
// limit gets 413; at most max_connections at once (others are closed at
// accept). A long-poll holds its connection without a deadline: its handler
// answers in time (Engine.IO's heartbeat bounds it), and a client that goes
// away is noticed at once (the handler's on_abandon runs).
//
// Every response carries X-Content-Type-Options, Referrer-Policy, a strict
// Content-Security-Policy and X-Frame-Options unless its handler set them,
// and Strict-Transport-Security over TLS.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hearth/core/log.hpp"
#include "hearth/net/net.hpp"
#include "hearth/web/http.hpp"

namespace boost::asio::ssl {
class context;
}

namespace hearth::web {

struct http_limits {
  std::size_t max_header_bytes = 16384;
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds idle_timeout{30000};
  std::size_t max_connections = 1024;
  std::size_t ws_max_queued_bytes = 4 * 1048576;  // per WebSocket, unsent
  std::size_t ws_max_queued_frames = 4096;
};

struct listener_options {
  std::string name = "http";  // "http" or "https", for the log line
  std::shared_ptr<net::ssl::context> tls;  // null: plain HTTP
  // Plain HTTP only: answer every request with a redirect to HTTPS on
  // this port (0 = serve the routes).
  std::uint16_t redirect_to_https_port = 0;
};

namespace detail {
struct server_state;
class listener;
}

class http_server {
public:
  http_server(net::io_context& ioc, core::logger& log, router& routes, http_limits limits);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Binds, starts accepting and logs "listening <name> <address>". Returns
  // the bound endpoint (port 0 resolved). Throws on bind failure.
  tcp::endpoint listen(const tcp::endpoint& ep, listener_options opts);

  // Replaces the TLS context of every TLS listener, for connections accepted
  // from now on (certificate reload on SIGHUP).
  void set_tls_context(std::shared_ptr<net::ssl::context> tls);

  // Stops accepting and closes every connection (WebSockets with 1001).
  void stop();

  std::size_t connections() const noexcept;

private:
  std::shared_ptr<detail::server_state> state_;
  std::vector<std::shared_ptr<detail::listener>> listeners_;
};

}  // namespace hearth::web
