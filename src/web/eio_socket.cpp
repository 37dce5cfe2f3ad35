// One Engine.IO session's I/O around the eio::session state machine.
#include "eio_socket.hpp"

#include <boost/asio/post.hpp>

namespace hearth::web::detail {

namespace {
const char* open_marker = "0";
}

eio_state::eio_state(net::io_context& i, core::logger& l, eio::handler& h, eio_settings s)
    : ioc(i), log(l), handler(h), settings(std::move(s)), table(settings.max_sessions, random_sid_bytes) {}

eio_socket::eio_socket(std::shared_ptr<eio_state> state, std::string sid, eio::transport t, eio::request_info info)
    : state_(std::move(state)),
      session_(std::move(sid), t, state_->settings.session, eio::clock::now()),
      info_(std::move(info)),
      timer_(state_->ioc),
      hold_timer_(state_->ioc) {}

void eio_socket::opened(ws_link* ws) {
  ws_ = ws;
  if (ws_) ws_->send(open_marker + session_.open_data(), false);
  arm_timer();
  state_->handler.on_open(*this);
}

bool eio_socket::send(eio::message m) {
  std::vector<eio::message> one;
  one.push_back(std::move(m));
  return send_all(std::move(one));
}

bool eio_socket::send_all(std::vector<eio::message> ms) {
  if (finalized_ || handler_told_ || session_.closing()) return false;
  if (!session_.enqueue(std::move(ms))) {
    state_->log.info() << "engine.io " << info_.remote << ": write queue full, closing the session";
    terminate(eio::close_reason::queue_full);
    return false;
  }
  flush();
  return true;
}

void eio_socket::close() {
  if (finalized_ || handler_told_) return;
  session_.begin_close(eio::clock::now());
  notify_closed(eio::close_reason::forced_close);
  arm_timer();
  flush();
}

void eio_socket::poll(const responder& r, http_response&& base) {
  if (poll_) {  // two polls at once: a broken client, end the session
    terminate(eio::close_reason::transport_error);
    http_response bad = std::move(base);
    bad.status = eio::http_status(eio::error_code::bad_request);
    bad.set("Content-Type", "application/json");
    bad.body = eio::error_body(eio::error_code::bad_request);
    r(std::move(bad));
    return;
  }
  if (expired() || (session_.presumed_gone(eio::clock::now()) && (terminate(eio::close_reason::ping_timeout), true))) {
    http_response gone = std::move(base);
    gone.status = eio::http_status(eio::error_code::unknown_sid);
    gone.set("Content-Type", "application/json");
    gone.body = eio::error_body(eio::error_code::unknown_sid);
    r(std::move(gone));
    return;
  }
  poll_ = r;
  poll_base_ = std::move(base);
  if (session_.probing() && !session_.has_output()) {
    poll_held_ = true;
    hold_timer_.expires_after(std::chrono::milliseconds(50));
    hold_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (auto self = weak.lock(); self && !ec) self->release_held_poll(false);
    });
  }
  r.on_abandon([weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self || !self->poll_) return;
    self->poll_.reset();
    self->terminate(eio::close_reason::transport_close);  // the client went away mid-poll
  });
  flush();
}

http_response eio_socket::post(std::string_view body, http_response&& base) {
  http_response r = std::move(base);
  if (expired()) {
    r.status = eio::http_status(eio::error_code::unknown_sid);
    r.set("Content-Type", "application/json");
    r.body = eio::error_body(eio::error_code::unknown_sid);
    return r;
  }
  std::vector<eio::packet> packets;
  const auto err = eio::decode_payload(body, packets);
  if (err != eio::payload_error::none) {
    state_->log.debug() << "engine.io " << info_.remote << ": bad payload: " << eio::to_string(err);
    terminate(eio::close_reason::parse_error);
    r.status = 400;
    r.set("Content-Type", "application/json");
    r.body = eio::error_body(eio::error_code::bad_request);
    return r;
  }
  auto self = shared_from_this();  // a handler may end the session meanwhile
  for (auto& p : packets) {
    if (finalized_) break;
    process(std::move(p), eio::source::transport);
  }
  r.set("Content-Type", "text/plain; charset=UTF-8");
  r.body = "ok";
  return r;
}

void eio_socket::attach_probe(ws_link& l) {
  if (finalized_ || !session_.attach_probe()) {
    l.close(1000);
    return;
  }
  probe_ = &l;
}

void eio_socket::on_frame(ws_link& l, std::string&& data, bool binary) {
  if (finalized_) return;
  const auto from = &l == probe_ ? eio::source::probe : eio::source::transport;
  if (from == eio::source::transport && &l != ws_) return;
  std::optional<eio::packet> p;
  if (binary) {
    p = eio::packet{eio::packet_type::message, true, std::move(data)};
  } else {
    p = eio::decode_text_packet(data);
  }
  if (!p) {
    if (from == eio::source::probe) {
      probe_ = nullptr;
      session_.detach_probe();
      l.close(1000);
      return;
    }
    state_->log.debug() << "engine.io " << info_.remote << ": bad packet on the WebSocket";
    return terminate(eio::close_reason::parse_error);
  }
  process(std::move(*p), from);
}

void eio_socket::on_ws_closed(ws_link& l) {
  if (&l == probe_) {
    probe_ = nullptr;
    session_.detach_probe();
    flush();  // a held poll goes on as a plain poll
  } else if (&l == ws_) {
    ws_ = nullptr;
    terminate(eio::close_reason::transport_close);
  }
}

void eio_socket::process(eio::packet&& p, eio::source from) {
  auto r = session_.on_packet(std::move(p), from, eio::clock::now());
  if (r.probe_pong && probe_) send_ws(*probe_, eio::packet{eio::packet_type::pong, false, "probe"});
  if (r.upgraded) {
    ws_ = probe_;
    probe_ = nullptr;
    if (poll_held_) release_held_poll(true);
  }
  if (r.abort_probe && probe_) {
    auto* l = probe_;
    probe_ = nullptr;
    l->close(1000);
  }
  if (r.deliver && !handler_told_) state_->handler.on_message(*this, std::move(*r.deliver));
  if (r.close) return terminate(*r.close);
  flush();
}

void eio_socket::flush() {
  if (finalized_) return;
  auto self = shared_from_this();  // finalize() may drop the table's reference
  if (poll_held_ && session_.probing() && !session_.has_output()) {
    // held: see hold_timer_
  } else if (poll_) {
    poll_held_ = false;
    std::optional<std::string> answer;
    if (session_.current() == eio::transport::websocket) {
      answer = "6";  // a poll left over from before the upgrade
    } else {
      answer = session_.poll_answer();
    }
    if (answer) answer_poll(std::move(*answer));
  }
  if (session_.current() == eio::transport::websocket && ws_) {
    for (const auto& p : session_.take_packets()) send_ws(*ws_, p);
  }
  if (session_.finished()) {
    if (ws_) ws_->close(1000);
    finalize();
  }
}

bool eio_socket::expired() {
  if (finalized_ || session_.closing()) return false;
  const auto r = session_.on_timer(eio::clock::now());
  if (r.close) {
    terminate(*r.close);
    return true;
  }
  if (r.ping_queued) arm_timer();
  return false;
}

void eio_socket::release_held_poll(bool upgraded) {
  if (!poll_held_) return;
  poll_held_ = false;
  hold_timer_.cancel();
  if (!poll_ || finalized_) return;
  if (upgraded) {
    responder r = std::move(*poll_);
    poll_.reset();
    http_response res = std::move(poll_base_);
    res.status = eio::http_status(eio::error_code::bad_request);
    res.set("Content-Type", "application/json");
    res.body = eio::error_body(eio::error_code::bad_request);
    r(std::move(res));
    return;
  }
  flush();
}

void eio_socket::answer_poll(std::string body) {
  responder r = std::move(*poll_);
  poll_.reset();
  http_response res = std::move(poll_base_);
  res.set("Content-Type", "text/plain; charset=UTF-8");
  res.body = std::move(body);
  r(std::move(res));
}

void eio_socket::send_ws(ws_link& l, const eio::packet& p) {
  if (p.binary) {
    l.send(p.data, true);
  } else {
    std::string text;
    eio::encode_text_packet(text, p);
    l.send(std::move(text), false);
  }
}

void eio_socket::terminate(eio::close_reason why) {
  if (finalized_) return;
  auto self = shared_from_this();  // finalize() may drop the table's reference
  if (poll_) answer_poll(why == eio::close_reason::transport_close ? "6" : "1");
  if (ws_) {
    // A server-side end tells the client why before the WebSocket closes.
    if (why != eio::close_reason::transport_close && why != eio::close_reason::parse_error)
      send_ws(*ws_, eio::packet{eio::packet_type::close, false, {}});
    ws_->close(1000);
    ws_ = nullptr;
  }
  if (probe_) {
    probe_->close(1000);
    probe_ = nullptr;
  }
  notify_closed(why);
  finalize();
}

void eio_socket::notify_closed(eio::close_reason why) {
  if (handler_told_) return;
  handler_told_ = true;
  net::post(state_->ioc, [self = shared_from_this(), why] { self->state_->handler.on_close(*self, eio::to_string(why)); });
}

void eio_socket::finalize() {
  if (finalized_) return;
  finalized_ = true;
  timer_.cancel();
  hold_timer_.cancel();
  ws_ = nullptr;
  probe_ = nullptr;
  state_->table.erase(session_.sid());  // may drop the last owner but one: `self` in callers
}

void eio_socket::arm_timer() {
  if (finalized_) return;
  timer_.expires_at(session_.next_deadline());
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->finalized_) return;
    auto r = self->session_.on_timer(eio::clock::now());
    if (r.close) {
      if (self->session_.closing()) {
        self->finalize();  // the grace for a server close ran out
      } else {
        self->terminate(*r.close);
      }
      return;
    }
    if (r.ping_queued) self->flush();
    self->arm_timer();
  });
}

}  // namespace hearth::web::detail
