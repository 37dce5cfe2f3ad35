#include "hearth/agent/connection.hpp"

#include <deque>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

namespace hearth::agent {
namespace {

using ssl_stream = net::ssl::stream<tcp_socket>;

class tcp_tls_connection final : public connection, public std::enable_shared_from_this<tcp_tls_connection> {
public:
  tcp_tls_connection(net::io_context& ioc, const central_config& c, std::shared_ptr<net::ssl::context> tls,
                     connection_handler& h, std::chrono::seconds timeout)
      : ioc_(ioc),
        cfg_(c),
        tls_ctx_(tls ? std::move(tls) : std::make_shared<net::ssl::context>(net::ssl::context::tls_client)),
        use_tls_(c.tls),
        stream_(tcp_socket(ioc.get_executor()), *tls_ctx_),
        resolver_(ioc.get_executor()),
        timer_(ioc.get_executor()),
        handler_(h),
        timeout_(timeout) {}

  void start() override {
    auto self = shared_from_this();
    timer_.expires_after(timeout_);
    timer_.async_wait([self](std::error_code ec) {
      if (!ec && !self->up_) self->fail(std::make_error_code(std::errc::timed_out));
    });
    resolver_.async_resolve(cfg_.host, std::to_string(cfg_.port),
                            [self](std::error_code ec, const tcp::resolver::results_type& r) { self->on_resolve(ec, r); });
  }

  void write(std::string bytes) override {
    if (closed_ || bytes.empty()) return;
    queue_.push_back(std::move(bytes));
    if (!writing_) do_write();
  }

  void close(bool flush) override {
    if (closed_) return;
    closed_ = true;  // no callbacks from here on
    if (flush && writing_) {
      close_after_write_ = true;
      return;
    }
    if (flush && up_) return half_close();
    shutdown();
  }

  bool finished() const override { return closed_ && !stream_.next_layer().is_open(); }

private:
  void on_resolve(std::error_code ec, const tcp::resolver::results_type& results) {
    if (ec) return fail(ec);
    auto self = shared_from_this();
    net::async_connect(stream_.next_layer(), results,
                       [self](std::error_code ec, const tcp::endpoint&) { self->on_connect(ec); });
  }

  void on_connect(std::error_code ec) {
    if (ec) return fail(ec);
    boost::system::error_code ignored;
    stream_.next_layer().set_option(tcp::no_delay(true), ignored);
    if (!use_tls_) return on_ready();
    // SNI, and the certificate must name the host we asked for.
    SSL_set_tlsext_host_name(stream_.native_handle(), cfg_.host.c_str());
    stream_.set_verify_callback(net::ssl::host_name_verification(cfg_.host));
    auto self = shared_from_this();
    stream_.async_handshake(net::ssl::stream_base::client, [self](std::error_code ec) {
      if (ec) return self->fail(ec);
      self->on_ready();
    });
  }

  void on_ready() {
    if (closed_) return;
    up_ = true;
    timer_.cancel();
    handler_.on_connection_up();
    do_read();
  }

  void do_read() {
    auto self = shared_from_this();
    auto on_read = [self](std::error_code ec, std::size_t n) {
      if (ec) {
        if (self->closed_) return self->shutdown();  // the peer's FIN after ours
        return self->fail(ec);
      }
      // After close() the reads go on, discarded, until the peer closes:
      // closing a socket with unread input sends RST, and an RST makes the
      // peer drop what we wrote last (the final states and DISCONNECT).
      if (!self->closed_) self->handler_.on_connection_bytes(std::string_view(self->buf_.data(), n));
      self->do_read();
    };
    if (use_tls_) stream_.async_read_some(net::buffer(buf_), on_read);
    else stream_.next_layer().async_read_some(net::buffer(buf_), on_read);
  }

  void do_write() {
    writing_ = true;
    auto self = shared_from_this();
    auto on_write = [self](std::error_code ec, std::size_t) {
      self->writing_ = false;
      self->queue_.pop_front();
      if (ec) return self->fail(ec);
      if (!self->queue_.empty()) return self->do_write();
      if (self->close_after_write_) self->half_close();
    };
    if (use_tls_) net::async_write(stream_, net::buffer(queue_.front()), on_write);
    else net::async_write(stream_.next_layer(), net::buffer(queue_.front()), on_write);
  }

  void fail(std::error_code ec) {
    const bool notify = !closed_;
    closed_ = true;
    shutdown();
    if (notify) handler_.on_connection_down(ec);
  }

  // Sends FIN and waits (bounded) for the peer to close its side.
  void half_close() {
    boost::system::error_code ignored;
    stream_.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
    auto self = shared_from_this();
    timer_.expires_after(std::chrono::seconds(2));
    timer_.async_wait([self](std::error_code ec) {
      if (!ec) self->shutdown();
    });
  }

  void shutdown() {
    boost::system::error_code ignored;
    timer_.cancel();
    resolver_.cancel();
    stream_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.next_layer().close(ignored);
  }

  net::io_context& ioc_;
  central_config cfg_;
  std::shared_ptr<net::ssl::context> tls_ctx_;
  bool use_tls_;
  ssl_stream stream_;
  net::ip::basic_resolver<tcp, executor> resolver_;
  steady_timer timer_;
  connection_handler& handler_;
  std::chrono::seconds timeout_;
  std::array<char, 16384> buf_{};
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool closed_ = false;
  bool close_after_write_ = false;
  bool up_ = false;
};

}  // namespace

std::shared_ptr<net::ssl::context> make_tls_context(const central_config& c) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
  ctx->set_verify_mode(net::ssl::verify_peer);
  if (c.ca_file.empty()) ctx->set_default_verify_paths();
  else ctx->load_verify_file(c.ca_file);
  if (!c.cert_file.empty()) {
    ctx->use_certificate_chain_file(c.cert_file);
    ctx->use_private_key_file(c.key_file, net::ssl::context::pem);
  }
  return ctx;
}

std::shared_ptr<connection> make_connection(net::io_context& ioc, const central_config& c,
                                            std::shared_ptr<net::ssl::context> tls, connection_handler& h,
                                            std::chrono::seconds connect_timeout) {
  return std::make_shared<tcp_tls_connection>(ioc, c, std::move(tls), h, connect_timeout);
}

}  // namespace hearth::agent
