// The Engine.IO routes: request classification, the handshake, polling and
// the WebSocket transport and probe, over eio_socket.
#include "hearth/web/eio_server.hpp"

#include <openssl/rand.h>

#include <stdexcept>

#include "eio_socket.hpp"

namespace hearth::web {

namespace detail {

void random_sid_bytes(std::array<std::uint8_t, 15>& out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) throw std::runtime_error("RAND_bytes failed");
}

namespace {

// Runs a WebSocket for an eio_socket: as its transport from the handshake,
// or as the probe of an upgrade.
class ws_transport : public ws_endpoint {
public:
  ws_transport(std::shared_ptr<eio_state> state, eio::request_info info)
      : state_(std::move(state)), info_(std::move(info)) {}
  explicit ws_transport(std::shared_ptr<eio_socket> probe_of) : socket_(std::move(probe_of)), probe_(true) {}

  void on_open(ws_link& l) override {
    if (probe_) return socket_->attach_probe(l);
    if (state_->settings.ws_open_delay.count() > 0) {
      link_ = &l;
      delay_ = std::make_unique<net::steady_timer>(state_->ioc, state_->settings.ws_open_delay);
      delay_->async_wait([this](const boost::system::error_code& ec) {
        if (!ec && link_) open_session(*link_);
      });
      return;
    }
    open_session(l);
  }
  void on_frame(ws_link& l, std::string&& data, bool binary) override {
    if (socket_) socket_->on_frame(l, std::move(data), binary);
  }
  void on_close(ws_link& l) override {
    link_ = nullptr;
    if (delay_) delay_->cancel();
    if (socket_) socket_->on_ws_closed(l);
    socket_.reset();
  }

private:
  void open_session(ws_link& l) {
    auto sid = state_->table.new_sid();
    if (!sid) {
      state_->log.warn() << "engine.io: too many sessions, refusing " << l.remote();
      return l.close(1013);  // try again later
    }
    socket_ = std::make_shared<eio_socket>(state_, *sid, eio::transport::websocket, std::move(info_));
    state_->table.insert(*sid, socket_);
    socket_->opened(&l);
  }

  std::shared_ptr<eio_state> state_;
  eio::request_info info_;
  std::shared_ptr<eio_socket> socket_;
  bool probe_ = false;
  ws_link* link_ = nullptr;  // during ws_open_delay
  std::unique_ptr<net::steady_timer> delay_;
};

eio::request_info info_of(const http_request& req) {
  return eio::request_info{req.remote, req.path, req.query, req.headers, req.secure};
}

http_response error_response(eio::error_code e, http_response&& base) {
  http_response r = std::move(base);
  r.status = eio::http_status(e);
  r.set("Content-Type", "application/json");
  r.body = eio::error_body(e);
  return r;
}

// CORS headers for an answer to `req`.
http_response cors_base(const eio_settings& s, const http_request& req) {
  http_response r;
  const std::string origin = req.header("origin");
  if (s.cors_origin.empty() || origin.empty()) return r;
  if (s.cors_origin == "*") {
    r.set("Access-Control-Allow-Origin", "*");
  } else if (origin == s.cors_origin) {
    r.set("Access-Control-Allow-Origin", origin);
    r.set("Access-Control-Allow-Credentials", "true");
    r.set("Vary", "Origin");
  }
  return r;
}

eio::session_lookup lookup_in(eio_state& st) {
  return [&st](std::string_view sid) -> std::optional<eio::transport> {
    auto* s = st.table.find(sid);
    if (!s) return std::nullopt;
    return (*s)->session().current();
  };
}

void on_http(const std::shared_ptr<eio_state>& st, http_request&& req, const responder& respond) {
  http_response base = cors_base(st->settings, req);
  if (req.method == "OPTIONS" && !st->settings.cors_origin.empty()) {  // CORS preflight
    base.status = 204;
    base.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    base.set("Access-Control-Allow-Headers", "content-type");
    base.set("Access-Control-Max-Age", "86400");
    return respond(std::move(base));
  }
  const auto c = eio::classify(req.method, req.query, false, lookup_in(*st));
  if (const auto* e = std::get_if<eio::error_code>(&c)) {
    st->log.debug() << "engine.io " << req.remote << ": " << req.method << " " << req.target << ": "
                    << eio::error_message(*e);
    return respond(error_response(*e, std::move(base)));
  }
  const auto& t = std::get<eio::request_target>(c);
  if (t.kind == eio::request_kind::handshake) {
    auto sid = st->table.new_sid();
    if (!sid) {
      base.status = 503;
      base.body = "too many sessions\n";
      return respond(std::move(base));
    }
    auto s = std::make_shared<eio_socket>(st, *sid, eio::transport::polling, info_of(req));
    st->table.insert(*sid, s);
    base.set("Content-Type", "text/plain; charset=UTF-8");
    base.body = "0" + s->session().open_data();
    respond(std::move(base));
    s->opened(nullptr);
    return;
  }
  std::shared_ptr<eio_socket> s = *st->table.find(t.sid);
  if (t.kind == eio::request_kind::poll) return s->poll(respond, std::move(base));
  respond(s->post(req.body, std::move(base)));
}

std::variant<http_response, ws_accept> on_upgrade(const std::shared_ptr<eio_state>& st, const http_request& req) {
  const auto c = eio::classify(req.method, req.query, true, lookup_in(*st));
  if (const auto* e = std::get_if<eio::error_code>(&c)) {
    st->log.debug() << "engine.io " << req.remote << ": WebSocket " << req.target << ": " << eio::error_message(*e);
    return error_response(*e, http_response{});
  }
  const auto& t = std::get<eio::request_target>(c);
  ws_accept a;
  a.max_frame = st->settings.session.max_payload;
  if (t.kind == eio::request_kind::upgrade) {
    // Accepted even when the session cannot take it (already upgraded):
    // the probe is then closed at once, as the reference server does.
    a.endpoint = std::make_shared<ws_transport>(*st->table.find(t.sid));
  } else {
    a.endpoint = std::make_shared<ws_transport>(st, info_of(req));
  }
  return a;
}

}  // namespace

}  // namespace detail

eio_server::eio_server(net::io_context& ioc, core::logger& log, eio::handler& h, eio_settings s)
    : state_(std::make_shared<detail::eio_state>(ioc, log, h, std::move(s))) {}

eio_server::~eio_server() { close_all(); }

void eio_server::mount(router& r) {
  const std::size_t max_body = state_->settings.session.max_payload;
  r.add("", state_->settings.path,
        [st = state_](http_request&& req, responder respond) { detail::on_http(st, std::move(req), respond); },
        max_body);
  r.add_websocket(state_->settings.path,
                  [st = state_](const http_request& req) { return detail::on_upgrade(st, req); });
}

void eio_server::close_all() {
  std::vector<std::shared_ptr<detail::eio_socket>> all;
  state_->table.for_each([&](const std::string&, auto& s) { all.push_back(s); });
  for (auto& s : all) s->terminate(eio::close_reason::server_shutdown);
}

std::size_t eio_server::sessions() const noexcept { return state_->table.size(); }

}  // namespace hearth::web
