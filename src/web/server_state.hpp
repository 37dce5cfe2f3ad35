// What the connections of one http_server share (private to src/web): the
// router, limits, logger, and the registry of live connections for stop().
// The registry holds non-owning pointers; a connection lives as long as one
// of its asynchronous operations holds it and leaves the registry when it
// ends.
#pragma once

#include <functional>
#include <memory>
#include <unordered_set>

#include "hearth/web/http_server.hpp"

namespace hearth::web::detail {

class closable {
public:
  virtual ~closable() = default;
  virtual void shutdown() = 0;  // server stop: end at once
};

struct server_state {
  server_state(net::io_context& i, core::logger& l, router& r, http_limits lim)
      : ioc(i), log(l), routes(r), limits(lim) {}
  net::io_context& ioc;
  core::logger& log;
  router& routes;
  http_limits limits;
  std::unordered_set<closable*> live;
  bool stopping = false;
};

// Adds the security headers a response lacks (HSTS only when `secure`).
void add_security_headers(http_response& r, bool secure);

}  // namespace hearth::web::detail
