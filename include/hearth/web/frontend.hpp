// hearthd's web side as one object: the router, the HTTP(S) server with its
// --https and --http listeners, the embedded UI files, the TLS certificate
// (configured, or self-signed in the data directory) and the Engine.IO
// endpoints that the Socket.IO server (or any eio::handler) mounts on.
// app builds one when --https or --http is given, mounts what it serves on
// routes(), then calls listen().
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/signal_set.hpp>

#include "hearth/core/config.hpp"
#include "hearth/core/log.hpp"
#include "hearth/net/net.hpp"
#include "hearth/web/engine_io.hpp"
#include "hearth/web/http.hpp"

namespace hearth::web {

class http_server;
class eio_server;

class frontend {
public:
  // Loads (or makes) the certificate when `cfg.https` is set. Throws
  // core::config_error for unusable certificate files.
  frontend(net::io_context& ioc, core::logger& log, const core::config& cfg);
  ~frontend();
  frontend(const frontend&) = delete;
  frontend& operator=(const frontend&) = delete;

  router& routes() noexcept { return routes_; }

  // Runs `h` over Engine.IO at `path` ("/socket.io/" for Socket.IO), with
  // the [web] heartbeat, maxPayload and CORS settings.
  void mount_engine_io(eio::handler& h, std::string path = "/socket.io/");

  // Binds the listeners (logs "listening https ADDR:PORT" and/or
  // "listening http ADDR:PORT"). Throws on bind failure.
  void listen();
  std::optional<tcp::endpoint> https_endpoint() const { return https_ep_; }
  std::optional<tcp::endpoint> http_endpoint() const { return http_ep_; }

  // The certificate files again, for new connections; on error the old
  // certificate stays and the error is logged. Runs on SIGHUP (a signal_set
  // of its own, beside app's).
  void reload_certificate();
  // Closes every Engine.IO session and connection; listeners stop.
  void stop();

private:
  void wait_hangup();

  net::io_context& ioc_;
  core::logger& log_;
  const core::config& cfg_;
  router routes_;
  std::unique_ptr<http_server> server_;
  std::vector<std::unique_ptr<eio_server>> engines_;
  std::string cert_file_;
  std::string key_file_;
  std::optional<tcp::endpoint> https_ep_;
  std::optional<tcp::endpoint> http_ep_;
  net::signal_set hangup_;
  bool stopped_ = false;
};

}  // namespace hearth::web
