// The member definitions of stream_connection<Stream> (tcp_connection.hpp).
// Included only by the .cpp files that instantiate it for one stream
// (tcp_connection.cpp, tls_connection.cpp, the WebSocket adapter's), so its
// templates and the stream's are compiled there and nowhere else.
#pragma once

#include <algorithm>
#include <array>
#include <span>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "hearth/mqtt/errors.hpp"
#include "hearth/net/tcp_connection.hpp"
#include "hearth/net/transport_context.hpp"

namespace hearth {

namespace detail {

struct handshake_probe {
  void operator()(const boost::system::error_code&) const {}
};

template <class S>
concept handshaking_stream = requires(S& s) { s.async_handshake(handshake_probe{}); };

template <class S>
concept identifying_stream = requires(const S& s) {
  { s.certificate_name() } -> std::convertible_to<std::string>;
};

template <class S>
std::string format_peer(const S& s) {
  boost::system::error_code ec;
  const tcp::endpoint ep = s.remote_endpoint(ec);
  if (ec) return "unknown";
  const auto addr = ep.address();
  return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" + std::to_string(ep.port());
}

}  // namespace detail

template <class Stream>
stream_connection<Stream>::stream_connection(Stream stream, transport_context& ctx)
    : ctx_(ctx),
      stream_(std::move(stream)),
      keepalive_(std::chrono::steady_clock::now(), ctx.limits().connect_timeout),
      peer_(detail::format_peer(stream_)) {}

template <class Stream>
stream_connection<Stream>::~stream_connection() {
  // Handlers holding this object have all run, so finish() has too, unless
  // the io_context was destroyed with the connection still open (shutdown
  // without close_all): then the broker is gone as well and must not be told.
  if (registry_index() != no_index) ctx_.remove(*this);
}

template <class Stream>
executor stream_connection<Stream>::exec() {
  if constexpr (reactor) {
    return ctx_.poller().get_executor();
  } else {
    return stream_.get_executor();
  }
}

template <class Stream>
void stream_connection<Stream>::run() {
  if constexpr (reactor) {
    boost::system::error_code ec;
    stream_.prepare(ec);
    if (ec) {
      ctx_.log().warn() << "mqtt " << peer_ << ": cannot make the socket non-blocking: " << ec.message();
      return;  // the socket closes with this object; the broker never knew it
    }
    try {
      ctx_.poller().add(stream_.fd(), *this, fd_poller::none);
    } catch (const std::system_error& e) {
      ctx_.log().warn() << "mqtt " << peer_ << ": " << e.what();
      return;
    }
  }
  owner_ = self();
  ctx_.add(*this);
  if constexpr (detail::handshaking_stream<Stream>) {
    // The handshake has a deadline of its own; the connect deadline starts
    // after it, so a slow handshake cannot eat the time for CONNECT.
    state_ = state::handshake;
    ctx_.schedule_deadline(*this, std::chrono::steady_clock::now() + ctx_.limits().handshake_timeout);
    stream_.async_handshake([self = self()](const boost::system::error_code& ec) { self->on_handshake(ec); });
  } else {
    start_mqtt();
  }
}

template <class Stream>
void stream_connection<Stream>::on_handshake(const boost::system::error_code& ec) {
  if (state_ != state::handshake) return;  // timed out or aborted
  if (ec) {
    ctx_.log().info() << "mqtt " << peer_ << ": TLS handshake failed: " << ec.message();
    return finish(std::error_code(ec));
  }
  if constexpr (!reactor && detail::identifying_stream<Stream>) async_.certificate_name = stream_.certificate_name();
  keepalive_ = mqtt::keepalive(std::chrono::steady_clock::now(), ctx_.limits().connect_timeout);
  start_mqtt();
}

template <class Stream>
void stream_connection<Stream>::start_mqtt() {
  state_ = state::open;
  client_ = ctx_.broker().on_open(*this);
  arm_timer();
  start_reading();
}

template <class Stream>
std::string_view stream_connection<Stream>::certificate_name() const {
  if constexpr (reactor) {
    return {};
  } else {
    return async_.certificate_name;
  }
}

// ---- reading ---------------------------------------------------------------

template <class Stream>
void stream_connection<Stream>::start_reading() {
  if constexpr (reactor) {
    do_wait_readable();
  } else {
    do_async_read();
  }
}

template <class Stream>
void stream_connection<Stream>::received(std::size_t n) {
  ctx_.broker().stats().bytes_received += n;
  keepalive_.on_received(std::chrono::steady_clock::now());
}

template <class Stream>
bool stream_connection<Stream>::consume(std::string_view in) {
  const std::size_t max = ctx_.limits().max_packet_size;
  // MQTT 3.1 clients set flags 3.1.1 reserves. The broker records the level
  // when it accepts CONNECT, which may be the packet just before this one.
  auto level = [this] { return client_->protocol_level; };
  if (partial_) {
    // Complete the packet begun by an earlier read: its header first (at most
    // five bytes, so byte by byte), then exactly the rest of its body.
    std::string& part = *partial_;
    mqtt::header_result hr = mqtt::decode_fixed_header(part, max, level());
    while (hr.status == mqtt::decode_status::need_more && !in.empty()) {
      part.push_back(in.front());
      in.remove_prefix(1);
      hr = mqtt::decode_fixed_header(part, max, level());
    }
    if (hr.status == mqtt::decode_status::error) return refuse(hr.error);
    if (hr.status == mqtt::decode_status::need_more) return true;
    const std::size_t total = hr.header.total_length();
    const std::size_t take = std::min(total - part.size(), in.size());
    part.reserve(total);  // the size was checked against the limit above
    part.append(in.substr(0, take));
    in.remove_prefix(take);
    if (part.size() < total) return true;
    const bool go_on = dispatch(hr.header, std::string_view(part).substr(hr.header.header_length));
    partial_.reset();  // idle connections keep no read memory
    if (!go_on) return false;
    if (paused_) return hold(in), true;
  }
  while (!in.empty()) {
    const mqtt::header_result hr = mqtt::decode_fixed_header(in, max, level());
    if (hr.status == mqtt::decode_status::error) return refuse(hr.error);
    if (hr.status == mqtt::decode_status::need_more || in.size() < hr.header.total_length()) {
      partial_ = std::make_unique<std::string>();
      if (hr.status == mqtt::decode_status::ok) partial_->reserve(hr.header.total_length());
      partial_->assign(in);
      return true;
    }
    if (!dispatch(hr.header, in.substr(hr.header.header_length, hr.header.remaining_length))) return false;
    in.remove_prefix(hr.header.total_length());
    if (paused_) return hold(in), true;
  }
  return true;
}

template <class Stream>
void stream_connection<Stream>::hold(std::string_view rest) {
  if (!rest.empty()) partial_ = std::make_unique<std::string>(rest);
}

template <class Stream>
bool stream_connection<Stream>::hold_read(std::string_view in) {
  if (!partial_) partial_ = std::make_unique<std::string>();
  partial_->append(in);
  return !paused_ || dispatch_held_acks();
}

template <class Stream>
bool stream_connection<Stream>::dispatch(const mqtt::fixed_header& h, std::string_view body) {
  mqtt::packet p;
  if (const std::error_code ec = mqtt::decode_packet(h, body, p)) return refuse(ec);
  ctx_.broker().on_packet(*client_, p);
  return state_ == state::open;  // the broker may have closed it
}

template <class Stream>
bool stream_connection<Stream>::refuse(std::error_code why) {
  // The broker logs the reason and closes the link.
  ctx_.broker().on_protocol_error(*client_, why);
  partial_.reset();
  return false;
}

// ---- backpressure ----------------------------------------------------------

template <class Stream>
bool stream_connection<Stream>::over_soft_limit() const {
  bool writing = out_ != nullptr;
  std::size_t unsent = out_ ? out_->bytes() : 0;
  if constexpr (!reactor) {
    writing = writing || !async_.write.empty();
    unsent += async_.write.size();  // the write in flight
  }
  return writing && unsent >= ctx_.limits().write_queue.soft_bytes;
}

template <class Stream>
bool stream_connection<Stream>::backlogged() const {
  const bool over = over_soft_limit();
  if (over) backlog_seen_ = true;
  return over;
}

template <class Stream>
void stream_connection<Stream>::pause_reading() {
  if (paused_ || state_ != state::open) return;
  paused_ = true;
  ctx_.log().debug() << "mqtt " << peer_ << ": reading paused";
}

template <class Stream>
void stream_connection<Stream>::resume_reading() {
  if (!paused_) return;
  paused_ = false;
  resume_pending_ = true;
  // Called from inside the broker: dispatching what is held must wait.
  net::post(exec(), [self = self()] { self->on_resumed(); });
}

template <class Stream>
bool stream_connection<Stream>::dispatch_held_acks() {
  std::string& held = *partial_;
  const std::size_t max = ctx_.limits().max_packet_size;
  std::size_t pos = 0;
  while (pos < held.size()) {
    const std::string_view rest = std::string_view(held).substr(pos);
    const mqtt::header_result hr = mqtt::decode_fixed_header(rest, max, client_->protocol_level);
    if (hr.status == mqtt::decode_status::error) return refuse(hr.error);
    if (hr.status == mqtt::decode_status::need_more || rest.size() < hr.header.total_length()) break;
    const auto type = hr.header.type;
    const bool ack = type == mqtt::packet_type::puback || type == mqtt::packet_type::pubrec ||
                     type == mqtt::packet_type::pubcomp || type == mqtt::packet_type::pingreq;
    if (!ack) {
      pos += hr.header.total_length();  // held, in order, until resumed
      continue;
    }
    mqtt::packet p;
    if (const std::error_code ec = mqtt::decode_packet(hr.header, rest.substr(hr.header.header_length, hr.header.remaining_length), p))
      return refuse(ec);
    held.erase(pos, hr.header.total_length());  // an ack refers to nothing in the buffer
    ctx_.broker().on_packet(*client_, p);
    if (state_ != state::open) return false;
    if (!paused_) break;
  }
  if (partial_ && partial_->empty()) partial_.reset();
  return true;
}

template <class Stream>
void stream_connection<Stream>::on_resumed() {
  resume_pending_ = false;
  if (state_ != state::open) return;
  ctx_.log().debug() << "mqtt " << peer_ << ": reading resumed, " << held_bytes() << " bytes held"
                     << (paused_ ? ", paused again" : "");
  if (paused_) {
    // Paused again before this ran: go on reading acknowledgements.
    if (!wait_pending_) start_reading();
    return;
  }
  if (partial_) {
    // Dispatch what was held (whole packets and perhaps the start of one) as
    // if it had just been read; consume() holds the rest again if needed.
    const std::unique_ptr<std::string> held = std::move(partial_);
    if (!consume(*held)) return;
    if (paused_) {
      if constexpr (reactor) return read_while_paused();
    }
  }
  // The keepalive was suspended while paused: the client could not be heard.
  keepalive_.on_received(std::chrono::steady_clock::now());
  if (!wait_pending_) start_reading();
}

// ---- writing ---------------------------------------------------------------

template <class Stream>
mqtt::outbound_queue& stream_connection<Stream>::queue() {
  if (!out_) out_ = std::make_unique<mqtt::outbound_queue>(ctx_.limits().write_queue);
  return *out_;
}

template <class Stream>
void stream_connection<Stream>::send(std::string_view bytes) {
  if (state_ == state::closed || overflowed_) return;
  queue().push(bytes);
  queued();
}

template <class Stream>
bool stream_connection<Stream>::send_publish(const mqtt::message_ptr& m, std::uint8_t qos, bool retain, bool dup,
                                             std::uint16_t packet_id) {
  // Gone or about to be: QoS 0 is dropped, QoS 1/2 stays in the session.
  if (state_ == state::closed || overflowed_) return qos > 0;
  std::string& header = ctx_.header_scratch();
  header.clear();
  mqtt::encode_publish_header(dup, qos, retain, m->topic, packet_id, m->payload.size(), header);
  // Only live QoS 0 forwarding may be dropped: a delivery with the retain
  // flag is a retained message sent on subscribe, which MQTT-3.3.1-6 requires
  // (bounded by the hard limit like everything else).
  if (!queue().push_publish(header, m, qos == 0 && !retain)) return false;
  queued();
  return true;
}

template <class Stream>
void stream_connection<Stream>::queued() {
  if (out_->overflowed()) {
    overflowed_ = true;
    ctx_.log().info() << "mqtt " << peer_ << ": write queue over " << out_->limits().hard_bytes
                      << " bytes (the client does not read), disconnecting";
    net::post(exec(), [self = self()] { self->finish(mqtt::errc::write_queue_overflow); });
    return;
  }
  // Write at the end of this turn, so that everything queued by the packets
  // of one read goes out together.
  if (!waiting_writable_) post_write();
}

template <class Stream>
void stream_connection<Stream>::post_write() {
  if (write_posted_) return;
  write_posted_ = true;
  if constexpr (reactor) {
    if (ctx_.poller().defer_flush(self())) return;  // right after the poller's batch
  }
  net::post(exec(), [self = self()] { self->do_write(); });
}

template <class Stream>
bool stream_connection<Stream>::writes_held() const {
  return hold_ && std::chrono::steady_clock::now() < hold_->expiry();
}

template <class Stream>
void stream_connection<Stream>::delay_writes(std::chrono::milliseconds d) {
  if (state_ != state::open || d <= d.zero()) return;
  const auto until = std::chrono::steady_clock::now() + d;
  if (hold_ && hold_->expiry() >= until) return;
  if (!hold_) hold_ = std::make_unique<steady_timer>(exec());
  hold_->expires_at(until);  // cancels the earlier wait, if any
  hold_->async_wait([self = self()](const boost::system::error_code& ec) { self->on_hold_ended(ec); });
}

template <class Stream>
void stream_connection<Stream>::after_write() {
  if (backlog_seen_ && state_ == state::open && client_ && !over_soft_limit()) {
    backlog_seen_ = false;
    ctx_.broker().on_drained(*client_);  // may queue more: handled just below
  }
}

}  // namespace hearth

#include "tcp_connection_io.hpp"
