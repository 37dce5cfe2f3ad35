#include "hearth/net/tcp_connection.hpp"

#include <array>
#include <span>
#include <utility>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>

#include "hearth/mqtt/errors.hpp"
#include "hearth/net/transport_context.hpp"

namespace hearth {

namespace {

using clock = std::chrono::steady_clock;

std::string format_peer(const tcp_socket& s) {
  boost::system::error_code ec;
  const tcp::endpoint ep = s.remote_endpoint(ec);
  if (ec) return "unknown";
  const auto addr = ep.address();
  return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" + std::to_string(ep.port());
}

}  // namespace

tcp_connection::tcp_connection(tcp_socket socket, transport_context& ctx)
    : ctx_(ctx),
      socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      keepalive_(clock::now(), ctx.limits().connect_timeout),
      peer_(format_peer(socket_)) {}

tcp_connection::~tcp_connection() {
  // Handlers holding this object have all run, so finish() has too, unless
  // the io_context was destroyed with the connection still open (shutdown
  // without close_all): then the broker is gone as well and must not be told.
  if (registry_index_ != no_index) ctx_.remove(*this);
}

void tcp_connection::run() {
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);  // MQTT packets are small and latency matters
  socket_.non_blocking(true, ec);
  if (ec) {
    ctx_.log().warn() << "mqtt " << peer_ << ": cannot make the socket non-blocking: " << ec.message();
    return;  // the socket closes with this object; the broker never knew it
  }
  ctx_.add(*this);
  client_ = ctx_.broker().on_open(*this);
  arm_timer();
  do_wait_readable();
}

// ---- reading ---------------------------------------------------------------

void tcp_connection::do_wait_readable() {
  wait_pending_ = true;
  socket_.async_wait(tcp_socket::wait_read,
                     net::bind_allocator(handler_allocator<char, wait_op_size>(wait_memory_),
                                         [self = shared_from_this()](const boost::system::error_code& ec) {
                                           self->on_readable(ec);
                                         }));
}

void tcp_connection::on_readable(const boost::system::error_code& ec) {
  wait_pending_ = false;
  if (state_ != state::open) return;  // closing (reading stopped) or closed
  if (ec) return fail(ec, "wait");
  if (paused_) return read_while_paused();
  // Held bytes may hold several packets; on_resumed() dispatches them and
  // then waits again, so nothing is read before it.
  if (resume_pending_) return;
  const std::span<char> buf = ctx_.read_buffer();
  std::size_t total = 0;
  for (;;) {
    boost::system::error_code rec;
    const std::size_t n = socket_.read_some(net::buffer(buf.data(), buf.size()), rec);
    if (rec == net::error::would_block || rec == net::error::try_again) break;
    if (rec) return fail(rec, "read");  // eof included: the peer is gone
    ctx_.broker().stats().bytes_received += n;
    keepalive_.on_received(clock::now());
    if (!consume(std::string_view(buf.data(), n))) return;
    if (paused_) return read_while_paused();  // the rest is held; resume_reading() goes on
    total += n;
    // A short read drained the socket; a full one may have left more, which
    // is read now unless this turn's budget is spent (then epoll says so).
    if (n < buf.size() || total >= ctx_.limits().read_budget) break;
  }
  do_wait_readable();
}

bool tcp_connection::consume(std::string_view in) {
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

void tcp_connection::hold(std::string_view rest) {
  if (!rest.empty()) partial_ = std::make_unique<std::string>(rest);
}

// ---- backpressure ----------------------------------------------------------

bool tcp_connection::backlogged() const {
  const bool over = out_ && out_->bytes() >= ctx_.limits().write_queue.soft_bytes;
  if (over) backlog_seen_ = true;
  return over;
}

void tcp_connection::pause_reading() {
  if (paused_ || state_ != state::open) return;
  paused_ = true;
  ctx_.keep_alive_while_paused(shared_from_this());
  ctx_.log().debug() << "mqtt " << peer_ << ": reading paused";
}

void tcp_connection::resume_reading() {
  if (!paused_) return;
  paused_ = false;
  resume_pending_ = true;
  // Called from inside the broker: dispatching what is held must wait. The
  // posted handler owns the connection from here.
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->on_resumed(); });
  ctx_.release_paused(*this);
}

void tcp_connection::read_while_paused() {
  const std::span<char> buf = ctx_.read_buffer();
  for (;;) {
    const std::size_t held = partial_ ? partial_->size() : 0;
    if (held >= paused_hold_limit) return;  // TCP now pushes back on the client
    boost::system::error_code rec;
    const std::size_t want = std::min(buf.size(), paused_hold_limit - held);
    const std::size_t n = socket_.read_some(net::buffer(buf.data(), want), rec);
    if (rec == net::error::would_block || rec == net::error::try_again) break;
    if (rec) return fail(rec, "read");
    ctx_.broker().stats().bytes_received += n;
    keepalive_.on_received(clock::now());
    if (!partial_) partial_ = std::make_unique<std::string>();
    partial_->append(buf.data(), n);
    if (!dispatch_held_acks()) return;
    if (!paused_) return;  // resumed: on_resumed(), posted, dispatches the rest in order
  }
  do_wait_readable();
}

bool tcp_connection::dispatch_held_acks() {
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

void tcp_connection::on_resumed() {
  resume_pending_ = false;
  if (state_ != state::open) return;
  ctx_.log().debug() << "mqtt " << peer_ << ": reading resumed, " << (partial_ ? partial_->size() : 0)
                     << " bytes held" << (paused_ ? ", paused again" : "");
  if (paused_) {
    // Paused again before this ran: go on reading acknowledgements.
    if (!wait_pending_) do_wait_readable();
    return;
  }
  if (partial_) {
    // Dispatch what was held (whole packets and perhaps the start of one) as
    // if it had just been read; consume() holds the rest again if needed.
    const std::unique_ptr<std::string> held = std::move(partial_);
    if (!consume(*held)) return;
    if (paused_) return read_while_paused();
  }
  // The keepalive was suspended while paused: the client could not be heard.
  keepalive_.on_received(clock::now());
  if (!wait_pending_) do_wait_readable();
}

bool tcp_connection::dispatch(const mqtt::fixed_header& h, std::string_view body) {
  mqtt::packet p;
  if (const std::error_code ec = mqtt::decode_packet(h, body, p)) return refuse(ec);
  ctx_.broker().on_packet(*client_, p);
  return state_ == state::open;  // the broker may have closed it
}

bool tcp_connection::refuse(std::error_code why) {
  // The broker logs the reason and closes the link.
  ctx_.broker().on_protocol_error(*client_, why);
  partial_.reset();
  return false;
}

// ---- writing ---------------------------------------------------------------

mqtt::outbound_queue& tcp_connection::queue() {
  if (!out_) out_ = std::make_unique<mqtt::outbound_queue>(ctx_.limits().write_queue);
  return *out_;
}

void tcp_connection::send(std::string_view bytes) {
  if (state_ == state::closed || overflowed_) return;
  queue().push(bytes);
  queued();
}

bool tcp_connection::send_publish(const mqtt::message_ptr& m, std::uint8_t qos, bool retain, bool dup,
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

void tcp_connection::queued() {
  if (out_->overflowed()) {
    overflowed_ = true;
    ctx_.log().info() << "mqtt " << peer_ << ": write queue over " << out_->limits().hard_bytes
                      << " bytes (the client does not read), disconnecting";
    net::post(socket_.get_executor(),
              [self = shared_from_this()] { self->finish(mqtt::errc::write_queue_overflow); });
    return;
  }
  // Write at the end of this turn, so that everything queued by the packets
  // of one read goes out together.
  if (!waiting_writable_) post_write();
}

void tcp_connection::post_write() {
  if (write_posted_) return;
  write_posted_ = true;
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->do_write(); });
}

void tcp_connection::do_write() {
  write_posted_ = false;
  if (state_ == state::closed || waiting_writable_) return;
  // Gather writes straight from the queue until the socket is full or this
  // turn's budget is spent (redis' writeToClient), so one busy subscriber
  // cannot hold the loop, nor fall behind the clients that feed it.
  std::size_t written = 0;
  while (out_ && !out_->empty() && written < ctx_.limits().write_budget) {
    std::array<net::const_buffer, mqtt::outbound_queue::max_pieces> pieces;
    std::size_t count = 0;
    out_->gather(ctx_.limits().write_budget - written,
                 [&](std::string_view s) { pieces[count++] = net::const_buffer(s.data(), s.size()); });
    boost::system::error_code ec;
    const std::size_t n = socket_.write_some(std::span<const net::const_buffer>(pieces.data(), count), ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      waiting_writable_ = true;
      socket_.async_wait(tcp_socket::wait_write,
                         [self = shared_from_this()](const boost::system::error_code& e) { self->on_writable(e); });
      return;
    }
    if (ec) return fail(ec, "write");
    ctx_.broker().stats().bytes_sent += n;
    out_->consume(n);
    written += n;
  }
  if (backlog_seen_ && state_ == state::open && client_ &&
      (!out_ || out_->bytes() < ctx_.limits().write_queue.soft_bytes)) {
    backlog_seen_ = false;
    ctx_.broker().on_drained(*client_);  // may queue more: handled just below
  }
  if (out_ && !out_->empty()) return post_write();  // budget spent: the others go first
  out_.reset();  // an idle connection keeps no write memory
  if (state_ == state::closing) finish(close_reason_);
}

void tcp_connection::on_writable(const boost::system::error_code& ec) {
  waiting_writable_ = false;
  if (ec) return fail(ec, "write");
  do_write();
}

// ---- deadlines -------------------------------------------------------------

void tcp_connection::on_connected(std::uint16_t keepalive_seconds) {
  keepalive_.on_connected(keepalive_seconds, clock::now());
  arm_timer();
}

void tcp_connection::arm_timer() {
  const auto deadline = keepalive_.next_deadline();
  if (!deadline) {
    if (timer_armed_) timer_.cancel();
    timer_armed_ = false;
    return;
  }
  // Received bytes only move the deadline later, so a wait that ends earlier
  // is kept: when it fires, on_timer() arms the timer again.
  if (timer_armed_ && timer_.expiry() <= *deadline) return;
  timer_.expires_at(*deadline);  // cancels the earlier wait, if any
  timer_armed_ = true;
  wait_timer();
}

void tcp_connection::wait_timer() {
  timer_.async_wait(net::bind_allocator(
      handler_allocator<char, timer_op_size>(timer_memory_),
      [self = shared_from_this()](const boost::system::error_code& ec) { self->on_timer(ec); }));
}

void tcp_connection::on_timer(const boost::system::error_code& ec) {
  if (ec == net::error::operation_aborted || state_ == state::closed) return;
  const auto now = clock::now();
  if (now < timer_.expiry()) return;  // a stale wait: the timer was re-armed since
  timer_armed_ = false;
  if (state_ == state::closing) {
    ctx_.log().info() << "mqtt " << peer_ << ": could not flush before closing, dropping "
                      << (out_ ? out_->bytes() : 0) << " bytes";
    return finish(close_reason_);
  }
  if (paused_) keepalive_.on_received(now);  // we are not listening, so silence is ours
  if (keepalive_.expired(now)) {
    ctx_.log().info() << "mqtt " << peer_ << ": " << keepalive_.reason().message() << ", closing";
    return finish(keepalive_.reason());
  }
  arm_timer();
}

// ---- ending ----------------------------------------------------------------

void tcp_connection::close(std::error_code why) {
  if (state_ != state::open) return;
  state_ = state::closing;
  close_reason_ = why;
  // partial_ is kept until finish(): close() runs inside the broker's
  // handling of a packet whose fields may still point into it.
  // From now on the timer bounds the flush instead of the keepalive.
  timer_.expires_after(ctx_.limits().flush_timeout);
  timer_armed_ = true;
  wait_timer();
  // Finishing is posted even with nothing to flush: close() runs inside a
  // broker call, and finish() calls the broker.
  if (!waiting_writable_) post_write();
}

void tcp_connection::abort(std::error_code why) { finish(why); }

void tcp_connection::fail(const boost::system::error_code& ec, const char* what) {
  if (ec == net::error::operation_aborted || state_ == state::closed) return;
  if (ec != net::error::eof && ec != net::error::connection_reset)
    ctx_.log().debug() << "mqtt " << peer_ << ": " << what << ": " << ec.message();
  // If the broker had already closed it, its reason stands.
  finish(state_ == state::closing ? close_reason_ : std::error_code(ec));
}

void tcp_connection::finish(std::error_code why) {
  if (state_ == state::closed) return;
  state_ = state::closed;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);  // pending operations end with operation_aborted
  timer_.cancel();
  timer_armed_ = false;
  out_.reset();
  partial_.reset();
  if (registry_index_ != no_index) ctx_.remove(*this);
  const auto self = shared_from_this();  // release_paused may drop the last reference
  ctx_.release_paused(*this);
  // on_close frees the client, and may call close() on this link: ignored now.
  if (mqtt::client* c = std::exchange(client_, nullptr)) ctx_.broker().on_close(*c, why);
}

}  // namespace hearth
