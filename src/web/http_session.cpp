// One HTTP/1.1 connection (plain or TLS): reads requests under limits and
// deadlines, dispatches them through the router, writes the answers in
// order, and hands a WebSocket upgrade to run_websocket.
//
// While a handler owes an answer (a long-poll), the next request is already
// being read: its failure means the client went away (the handler's
// on_abandon runs), and a pipelined request waits its turn.
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <limits>
#include <optional>

#include "beast_glue.hpp"

namespace hearth::web::detail {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <class Stream>
class http_session : public closable, public std::enable_shared_from_this<http_session<Stream>> {
public:
  http_session(Stream&& s, std::shared_ptr<server_state> state, listener_options opts, std::string remote,
               std::shared_ptr<net::ssl::context> tls)
      : stream_(std::move(s)),
        state_(std::move(state)),
        opts_(std::move(opts)),
        remote_(std::move(remote)),
        tls_(std::move(tls)),
        timer_(stream_.get_executor()) {
    state_->live.insert(this);
  }
  ~http_session() override { state_->live.erase(this); }

  void start() {
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      arm(state_->limits.request_timeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](const boost::system::error_code& ec) {
                                if (ec) {
                                  self->state_->log.debug() << "http " << self->remote_ << ": TLS handshake: " << ec.message();
                                  return self->close();
                                }
                                self->read_header();
                              });
    } else {
      read_header();
    }
  }

  void shutdown() override { close(); }

  // A responder's answer.
  void respond(http_response&& r) {
    if (closed_ || !busy_) return;
    detail::add_security_headers(r, secure());
    auto msg = std::make_shared<http::response<http::string_body>>();
    msg->version(11);
    msg->result(r.status);
    for (auto& [n, v] : r.headers) msg->set(n, v);
    msg->body() = std::move(r.body);
    msg->keep_alive(keep_alive_ && !state_->stopping);
    msg->prepare_payload();
    writing_ = true;
    http::async_write(stream_, *msg,
                      [self = this->shared_from_this(), msg](const boost::system::error_code& ec, std::size_t) {
                        self->on_write(ec, msg->keep_alive());
                      });
  }

  struct sink : responder::sink {
    std::weak_ptr<http_session> session;
    bool done = false;
    std::function<void()> abandon;
    void respond(http_response&& r) override {
      if (done) return;
      done = true;
      if (auto s = session.lock()) s->respond(std::move(r));
    }
    void on_abandon(std::function<void()> f) override { abandon = std::move(f); }
    bool answered() const override { return done; }
    ~sink() override {
      if (!done) respond(http_response::text(500, "no answer\n"));
    }
  };

private:
  bool secure() const { return std::is_same_v<Stream, tls_stream>; }
  auto& socket() { return beast::get_lowest_layer(stream_).socket(); }

  void arm(std::chrono::milliseconds d) {
    timer_.expires_after(d);
    timer_.async_wait([weak = this->weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        self->state_->log.debug() << "http " << self->remote_ << ": timed out";
        self->close();
      }
    });
  }

  void read_header() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_->limits.max_header_bytes));
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());  // the route's limit applies (read_body)
    if (!busy_) arm(state_->limits.idle_timeout);
    reading_ = true;
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  void on_header(const boost::system::error_code& ec) {
    reading_ = false;
    if (closed_) return;
    if (ec) {
      if (busy_) abandon();
      if (ec == http::error::header_limit) return fail(431, "request header too large\n");
      if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::operation_aborted ||
          ec == net::error::connection_reset)
        return close();
      return fail(400, "bad request\n");
    }
    if (busy_) {
      have_next_ = true;  // pipelined: wait for the answer before this one
      return;
    }
    read_body();
  }

  void read_body() {
    auto& h = parser_->get();
    std::string path;
    std::map<std::string, std::string> query;
    parse_target(std::string_view(h.target().data(), h.target().size()), path, query);
    const auto* route = state_->routes.match(std::string_view(h.method_string().data(), h.method_string().size()), path);
    const std::size_t limit = route ? route->max_body : router::default_max_body;
    // Beast checks Content-Length against the limit while parsing the header,
    // before the route (and its limit) is known: check it again here.
    if (const auto length = parser_->content_length(); length && *length > limit)
      return fail(413, "payload too large\n");
    parser_->body_limit(limit);
    arm(state_->limits.request_timeout);
    reading_ = true;
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                       self->reading_ = false;
                       if (self->closed_) return;
                       if (ec == http::error::body_limit) return self->fail(413, "payload too large\n");
                       if (ec) return self->close();
                       self->dispatch();
                     });
  }

  http_request to_request(const beast_request& m) {
    http_request r;
    r.method = std::string(m.method_string());
    r.target = std::string(m.target());
    parse_target(r.target, r.path, r.query);
    for (const auto& f : m) {
      std::string name = lower(std::string_view(f.name_string().data(), f.name_string().size()));
      auto [it, fresh] = r.headers.emplace(name, std::string(f.value()));
      if (!fresh) it->second += ", " + std::string(f.value());
    }
    r.body = m.body();
    r.remote = remote_;
    r.secure = secure();
    r.keep_alive = m.keep_alive();
    return r;
  }

  void dispatch() {
    timer_.cancel();
    beast_request m = parser_->release();
    keep_alive_ = m.keep_alive();
    http_request req = to_request(m);
    busy_ = true;

    if (opts_.redirect_to_https_port != 0) return redirect(req);
    if (boost::beast::websocket::is_upgrade(m)) {
      const ws_route* route = state_->routes.match_websocket(req.path);
      if (!route) return respond(http_response::text(404, "not found\n"));
      auto answer = (*route)(req);
      if (auto* refused = std::get_if<http_response>(&answer)) return respond(std::move(*refused));
      closed_ = true;  // the WebSocket owns the connection from here
      timer_.cancel();
      run_websocket(std::move(stream_), std::move(m), std::get<ws_accept>(std::move(answer)), state_, remote_);
      return;
    }
    bool path_matched = false;
    const auto* route = state_->routes.match(req.method, req.path, &path_matched);
    if (!route) {
      return respond(path_matched ? http_response::text(405, "method not allowed\n")
                                  : http_response::text(404, "not found\n"));
    }
    auto s = std::make_shared<sink>();
    s->session = this->weak_from_this();
    sink_ = s;
    route->handler(std::move(req), responder(std::move(s)));
    // Still owed: watch the connection meanwhile (see the file comment).
    if (busy_ && !writing_ && !reading_ && !closed_) read_header();
  }

  void redirect(const http_request& req) {
    std::string host = req.header("host");
    if (!host.empty() && host.front() == '[') {
      host = host.substr(0, host.find(']') + 1);
    } else {
      host = host.substr(0, host.find(':'));
    }
    const bool sane = !host.empty() && host.find_first_of("/\\@ \t\r\n") == std::string::npos;
    if (!sane) return respond(http_response::text(400, "bad host\n"));
    http_response r = http_response::text(301, "moved to https\n");
    r.set("Location", "https://" + host + ":" + std::to_string(opts_.redirect_to_https_port) + req.target);
    respond(std::move(r));
  }

  void on_write(const boost::system::error_code& ec, bool keep_alive) {
    writing_ = false;
    busy_ = false;
    sink_.reset();
    if (ec || !keep_alive) return close();
    if (have_next_) {
      have_next_ = false;
      return read_body();
    }
    if (reading_) {
      arm(state_->limits.idle_timeout);
    } else {
      read_header();
    }
  }

  void abandon() {
    if (auto s = sink_.lock()) {
      s->done = true;
      if (s->abandon) {
        auto f = std::move(s->abandon);
        f();
      }
    }
  }

  void fail(unsigned status, std::string text) {
    if (busy_ || writing_) return close();
    busy_ = true;
    keep_alive_ = false;
    respond(http_response::text(status, std::move(text)));
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    if (busy_) abandon();
    boost::system::error_code ignored;
    socket().shutdown(net::socket_base::shutdown_both, ignored);
    socket().close(ignored);
  }

  Stream stream_;
  std::shared_ptr<server_state> state_;
  listener_options opts_;
  std::string remote_;
  std::shared_ptr<net::ssl::context> tls_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::weak_ptr<sink> sink_;
  bool reading_ = false;
  bool writing_ = false;
  bool busy_ = false;       // an answer is owed
  bool have_next_ = false;  // a pipelined request's header has been read
  bool keep_alive_ = true;
  bool closed_ = false;
};

}  // namespace

void add_security_headers(http_response& r, bool secure) {
  auto has = [&](std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      if (beast::iequals(n, name)) return true;
    }
    return false;
  };
  auto add = [&](const char* name, const char* value) {
    if (!has(name)) r.headers.emplace_back(name, value);
  };
  add("X-Content-Type-Options", "nosniff");
  add("Referrer-Policy", "no-referrer");
  add("X-Frame-Options", "DENY");
  add("Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
      "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  if (secure) add("Strict-Transport-Security", "max-age=31536000");
}

template <class Stream>
void run_http_session(Stream&& s, const std::shared_ptr<server_state>& state, const listener_options& opts,
                      std::string remote, std::shared_ptr<net::ssl::context> tls) {
  std::make_shared<http_session<Stream>>(std::move(s), state, opts, std::move(remote), std::move(tls))->start();
}

template void run_http_session<plain_stream>(plain_stream&&, const std::shared_ptr<server_state>&,
                                             const listener_options&, std::string, std::shared_ptr<net::ssl::context>);
template void run_http_session<tls_stream>(tls_stream&&, const std::shared_ptr<server_state>&, const listener_options&,
                                           std::string, std::shared_ptr<net::ssl::context>);

}  // namespace hearth::web::detail
