#include "hearth/net/mqtt_listener.hpp"

#include <stdexcept>

#include "hearth/net/tcp_connection.hpp"
#include "hearth/net/tls_server.hpp"
#include "hearth/net/transport_context.hpp"

namespace hearth {

namespace {

std::string to_string(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" + std::to_string(ep.port());
}

// Errors that say the process or system is short of resources, not that
// the listener is broken: keep accepting after a pause.
bool is_resource_shortage(const boost::system::error_code& ec) {
  return ec == net::error::no_descriptors || ec == net::error::no_buffer_space || ec == net::error::no_memory ||
         ec == boost::system::errc::too_many_files_open_in_system;
}

}  // namespace

mqtt_listener::mqtt_listener(net::io_context& ioc, transport_context& ctx, tcp::endpoint endpoint,
                             const tls_server* tls)
    : ioc_(ioc),
      ctx_(ctx),
      tls_(tls),
      endpoint_(endpoint),
      acceptor_(ioc.get_executor()),
      backoff_(ioc.get_executor()) {}

void mqtt_listener::run() {
  boost::system::error_code ec;
  auto check = [&](const char* what) {
    if (ec)
      throw std::runtime_error(std::string(scheme()) + " listener " + to_string(endpoint_) + ": " + what + ": " +
                               ec.message());
  };
  acceptor_.open(endpoint_.protocol(), ec);
  check("open");
  acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  check("set SO_REUSEADDR");
  acceptor_.bind(endpoint_, ec);
  check("bind");
  acceptor_.listen(net::socket_base::max_listen_connections, ec);
  check("listen");
  bound_ = acceptor_.local_endpoint(ec);
  check("local address");
  ctx_.log().info() << "listening " << scheme() << " " << to_string(bound_);
  do_accept();
}

void mqtt_listener::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  backoff_.cancel();
}

void mqtt_listener::do_accept() {
  acceptor_.async_accept(ioc_.get_executor(),
                         [self = shared_from_this()](const boost::system::error_code& ec, tcp_socket socket) {
                           self->on_accept(ec, std::move(socket));
                         });
}

void mqtt_listener::on_accept(const boost::system::error_code& ec, tcp_socket socket) {
  if (stopped_ || ec == net::error::operation_aborted) return;
  if (ec) {
    if (is_resource_shortage(ec)) {
      ctx_.log().warn() << "mqtt listener " << to_string(bound_) << ": accept: " << ec.message() << " ("
                        << ctx_.size() << " connections open); pausing " << accept_backoff.count() << " ms";
      backoff_.expires_after(accept_backoff);
      backoff_.async_wait([self = shared_from_this()](const boost::system::error_code& e) { self->on_backoff(e); });
      return;
    }
    // A connection that was reset before it was accepted, and the like.
    ctx_.log().debug() << "mqtt listener " << to_string(bound_) << ": accept: " << ec.message();
  } else if (tls_) {
    tls_->start(std::move(socket), ctx_);
  } else {
    // Off Asio's reactor: the connection waits on the transport's poller.
    boost::system::error_code rec;
    const int fd = socket.release(rec);
    if (rec) {
      ctx_.log().warn() << "mqtt listener " << to_string(bound_) << ": " << rec.message();
    } else {
      std::make_shared<tcp_connection>(raw_tcp(fd), ctx_)->run();
    }
  }
  do_accept();
}

void mqtt_listener::on_backoff(const boost::system::error_code& ec) {
  if (stopped_ || ec == net::error::operation_aborted) return;
  do_accept();
}

}  // namespace hearth
