// Listeners of the HTTP server: accept, count, TLS or not, then hand the
// connection to an http_session.
#include "hearth/web/http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/ssl/context.hpp>

#include <sstream>

#include "beast_glue.hpp"

namespace hearth::web {

namespace detail {

std::string endpoint_text(const tcp::endpoint& ep) {
  std::ostringstream s;
  s << ep;
  return s.str();
}

class listener : public closable, public std::enable_shared_from_this<listener> {
public:
  listener(std::shared_ptr<server_state> state, const tcp::endpoint& ep, listener_options opts)
      : state_(std::move(state)), acceptor_(state_->ioc), opts_(std::move(opts)) {
    acceptor_.open(ep.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    if (ep.address().is_v6()) acceptor_.set_option(net::ip::v6_only(true));
    acceptor_.bind(ep);
    acceptor_.listen(net::socket_base::max_listen_connections);
    state_->live.insert(this);
  }
  ~listener() override { state_->live.erase(this); }

  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  bool is_tls() const { return opts_.tls != nullptr; }
  void set_tls(std::shared_ptr<net::ssl::context> tls) { opts_.tls = std::move(tls); }

  void accept() {
    acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& ec, net::ip::tcp::socket s) {
      if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
      if (!ec) self->on_accept(std::move(s));
      self->accept();
    });
  }

  void shutdown() override {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

private:
  void on_accept(net::ip::tcp::socket s) {
    boost::system::error_code ec;
    const auto peer = s.remote_endpoint(ec);
    if (ec) return;
    // Sessions plus the listeners themselves are in `live`.
    if (state_->live.size() >= state_->limits.max_connections + 8) {
      state_->log.warn() << opts_.name << ": too many connections, refusing " << peer;
      return;  // the socket closes as it goes out of scope
    }
    s.set_option(net::ip::tcp::no_delay(true), ec);
    std::string remote = endpoint_text(peer);
    if (opts_.tls) {
      run_http_session(tls_stream(plain_stream(std::move(s)), *opts_.tls), state_, opts_, std::move(remote), opts_.tls);
    } else {
      run_http_session(plain_stream(std::move(s)), state_, opts_, std::move(remote), nullptr);
    }
  }

  std::shared_ptr<server_state> state_;
  net::ip::tcp::acceptor acceptor_;
  listener_options opts_;
};

}  // namespace detail

http_server::http_server(net::io_context& ioc, core::logger& log, router& routes, http_limits limits)
    : state_(std::make_shared<detail::server_state>(ioc, log, routes, limits)) {}

http_server::~http_server() { stop(); }

tcp::endpoint http_server::listen(const tcp::endpoint& ep, listener_options opts) {
  const std::string name = opts.name;
  auto l = std::make_shared<detail::listener>(state_, ep, std::move(opts));
  l->accept();
  listeners_.push_back(l);
  const tcp::endpoint bound = l->local_endpoint();
  state_->log.info() << "listening " << name << " " << detail::endpoint_text(bound);
  return bound;
}

void http_server::set_tls_context(std::shared_ptr<net::ssl::context> tls) {
  for (auto& l : listeners_) {
    if (l->is_tls()) l->set_tls(tls);
  }
}

void http_server::stop() {
  if (state_->stopping) return;
  state_->stopping = true;
  // shutdown() may remove entries (a listener or session ending at once).
  std::vector<detail::closable*> all(state_->live.begin(), state_->live.end());
  for (auto* c : all) {
    if (state_->live.contains(c)) c->shutdown();
  }
  listeners_.clear();
}

std::size_t http_server::connections() const noexcept {
  return state_->live.size() >= listeners_.size() ? state_->live.size() - listeners_.size() : 0;
}

}  // namespace hearth::web
