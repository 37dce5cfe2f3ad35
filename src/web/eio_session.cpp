// The Engine.IO session state machine (see the header for the protocol).
#include "hearth/web/eio_session.hpp"

#include <algorithm>

namespace hearth::web::eio {

const char* to_string(close_reason r) noexcept {
  switch (r) {
    case close_reason::transport_close: return "transport close";
    case close_reason::transport_error: return "transport error";
    case close_reason::parse_error: return "parse error";
    case close_reason::ping_timeout: return "ping timeout";
    case close_reason::forced_close: return "forced close";
    case close_reason::queue_full: return "write queue full";
    case close_reason::server_shutdown: return "server shutting down";
  }
  return "transport error";
}

session::session(std::string sid, transport t, const session_settings& s, clock::time_point now)
    : sid_(std::move(sid)), transport_(t), settings_(s), ping_due_(now + s.ping_interval) {}

std::string session::open_data() const {
  std::string out = R"({"sid":")" + sid_ + R"(","upgrades":)";
  out += transport_ == transport::polling ? R"(["websocket"])" : "[]";
  out += R"(,"pingInterval":)" + std::to_string(settings_.ping_interval.count());
  out += R"(,"pingTimeout":)" + std::to_string(settings_.ping_timeout.count());
  out += R"(,"maxPayload":)" + std::to_string(settings_.max_payload) + "}";
  return out;
}

session::result session::on_packet(packet&& p, source from, clock::time_point now) {
  result r;
  if (closing_) return r;  // what arrives after a server close is dropped
  if (from == source::probe) {
    if (p.type == packet_type::ping && p.data == "probe" && probe_attached_) {
      probe_answered_ = true;
      r.probe_pong = true;
    } else if (p.type == packet_type::upgrade && probe_attached_) {
      transport_ = transport::websocket;
      probe_attached_ = probe_answered_ = false;
      r.upgraded = true;
    } else {
      probe_attached_ = probe_answered_ = false;
      r.abort_probe = true;
    }
    return r;
  }
  switch (p.type) {
    case packet_type::message:
      r.deliver = message{p.binary, std::move(p.data)};
      break;
    case packet_type::pong:
      if (awaiting_pong_) {
        awaiting_pong_ = false;
        ping_due_ = now + settings_.ping_interval;
      }
      break;
    case packet_type::close:
      r.close = close_reason::transport_close;
      break;
    case packet_type::ping:  // v4 heartbeats go from the server to the client only
      r.close = close_reason::transport_error;
      break;
    case packet_type::open:
    case packet_type::upgrade:
    case packet_type::noop:
      break;  // meaningless from a client on its transport; ignored as the reference server does
  }
  return r;
}

bool session::attach_probe() {
  if (transport_ != transport::polling || probe_attached_ || closing_) return false;
  probe_attached_ = true;
  probe_answered_ = false;
  return true;
}

bool session::enqueue(std::vector<message>&& ms) {
  if (closing_) return false;
  std::size_t bytes = 0;
  for (const auto& m : ms) bytes += payload_size(m.binary, m.data.size());
  if (queued_messages_ + ms.size() > settings_.max_queued_messages ||
      queued_bytes_ + bytes > settings_.max_queued_bytes)
    return false;
  for (auto& m : ms) queue_.push_back(packet{packet_type::message, m.binary, std::move(m.data)});
  queued_messages_ += ms.size();
  queued_bytes_ += bytes;
  return true;
}

void session::push_control(packet_type t) { queue_.push_back(packet{t, false, {}}); }

std::optional<std::string> session::poll_answer() {
  if (finished_) return std::nullopt;
  if (queue_.empty() && !closing_) {
    if (probe_answered_ || transport_ != transport::polling) return std::string(1, static_cast<char>(packet_type::noop));
    return std::nullopt;
  }
  std::string out;
  for (const auto& p : queue_) append_to_payload(out, p);
  queue_.clear();
  ping_undelivered_ = false;
  queued_bytes_ = queued_messages_ = 0;
  if (closing_) {
    append_to_payload(out, packet{packet_type::close, false, {}});
    finished_ = true;
  }
  return out;
}

std::vector<packet> session::take_packets() {
  std::vector<packet> out(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
  queue_.clear();
  ping_undelivered_ = false;
  queued_bytes_ = queued_messages_ = 0;
  if (closing_ && !finished_) {
    out.push_back(packet{packet_type::close, false, {}});
    finished_ = true;
  }
  return out;
}

void session::begin_close(clock::time_point now) {
  if (closing_) return;
  closing_ = true;
  close_deadline_ = now + settings_.close_grace;
}

session::timer_result session::on_timer(clock::time_point now) {
  timer_result r;
  if (closing_) {
    if (now >= close_deadline_) r.close = close_reason::forced_close;
    return r;
  }
  if (awaiting_pong_) {
    if (now >= pong_deadline_) r.close = close_reason::ping_timeout;
  } else if (now >= ping_due_) {
    push_control(packet_type::ping);
    ping_undelivered_ = true;
    awaiting_pong_ = true;
    pong_deadline_ = now + settings_.ping_timeout;
    r.ping_queued = true;
  }
  return r;
}

bool session::presumed_gone(clock::time_point now) const noexcept {
  return !closing_ && awaiting_pong_ && ping_undelivered_ && now + settings_.ping_timeout / 10 >= pong_deadline_;
}

clock::time_point session::next_deadline() const noexcept {
  if (closing_) return close_deadline_;
  return awaiting_pong_ ? pong_deadline_ : ping_due_;
}

}  // namespace hearth::web::eio
