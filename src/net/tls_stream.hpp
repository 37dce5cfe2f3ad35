// The TLS byte stream a stream_connection runs MQTT over (mqtts): an
// ssl::stream over a TCP socket, adapted to the contract at the top of
// tcp_connection.hpp. It keeps the server context it was made from alive,
// so a reload (SIGHUP) can replace the listener's context while older
// connections go on with theirs.
//
// Private to src/net: it pulls in Asio's SSL templates, which only
// tls_connection.cpp compiles.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "hearth/net/net.hpp"

namespace hearth {

class tls_stream {
public:
  using executor_type = executor;

  tls_stream(tcp_socket socket, std::shared_ptr<net::ssl::context> ctx)
      : ctx_(std::move(ctx)), stream_(std::move(socket), *ctx_) {}

  executor_type get_executor() noexcept { return stream_.get_executor(); }

  template <class Handler>
  void async_handshake(Handler&& h) {
    stream_.async_handshake(net::ssl::stream_base::server, std::forward<Handler>(h));
  }
  template <class Buffers, class Handler>
  void async_read_some(const Buffers& b, Handler&& h) {
    stream_.async_read_some(b, std::forward<Handler>(h));
  }
  template <class Buffers, class Handler>
  void async_write_some(const Buffers& b, Handler&& h) {
    stream_.async_write_some(b, std::forward<Handler>(h));
  }

  tcp::endpoint remote_endpoint(boost::system::error_code& ec) const {
    return stream_.next_layer().remote_endpoint(ec);
  }

  // Ends the connection at once, without a close_notify: MQTT says when it
  // is done (DISCONNECT), and a peer being dropped gets no courtesy.
  void close() {
    boost::system::error_code ignored;
    stream_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.next_layer().close(ignored);
  }

  // The CN of the client certificate, when one was verified; else empty.
  std::string certificate_name() const;

private:
  std::shared_ptr<net::ssl::context> ctx_;
  mutable net::ssl::stream<tcp_socket> stream_;  // native_handle() is not const
};

}  // namespace hearth
