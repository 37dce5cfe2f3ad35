// Accepts MQTT clients on one ADDR:PORT and hands each to a tcp_connection,
// or, for an mqtts listener, to the tls_server (handshake, then MQTT).
//
// run() binds (SO_REUSEADDR, so a restart does not wait for TIME_WAIT) and
// logs the bound address in the one line scripts wait for:
// `listening mqtt 127.0.0.1:40123` (`listening mqtts ...` with TLS; the
// real port when asked for port 0).
// Running out of file descriptors (EMFILE/ENFILE) or buffers does not end
// the accept loop: it logs, waits briefly so as not to spin, and goes on.
#pragma once

#include <memory>

#include "hearth/net/net.hpp"

namespace hearth {

class transport_context;
class tls_server;

class mqtt_listener : public std::enable_shared_from_this<mqtt_listener> {
public:
  static constexpr auto accept_backoff = std::chrono::milliseconds(100);

  // With `tls` (which must outlive the listener), clients speak MQTT over TLS.
  mqtt_listener(net::io_context& ioc, transport_context& ctx, tcp::endpoint endpoint,
                const tls_server* tls = nullptr);

  // Binds and starts accepting. Throws std::runtime_error naming the
  // address and the reason when it cannot bind.
  void run();

  // Stops accepting; connections already accepted are not affected.
  void stop();

  tcp::endpoint local_endpoint() const { return bound_; }

private:
  const char* scheme() const noexcept { return tls_ ? "mqtts" : "mqtt"; }
  void do_accept();
  void on_accept(const boost::system::error_code& ec, tcp_socket socket);
  void on_backoff(const boost::system::error_code& ec);

  net::io_context& ioc_;
  transport_context& ctx_;
  const tls_server* tls_;
  tcp::endpoint endpoint_;
  tcp::endpoint bound_;
  tcp_acceptor acceptor_;
  steady_timer backoff_;
  bool stopped_ = false;
};

}  // namespace hearth
