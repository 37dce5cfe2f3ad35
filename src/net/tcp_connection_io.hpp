// stream_connection<Stream>, continued (included by tcp_connection_impl.hpp):
// the parts that touch the stream (reading, writing in reactor or proactor
// mode), the deadline, and ending the connection.
#pragma once

namespace hearth {

// ---- reading: reactor mode (plain TCP) ---------------------------------------

template <class Stream>
void stream_connection<Stream>::do_wait_readable() {
  if constexpr (reactor) {
    wait_pending_ = true;
    update_interest();
  }
}

template <class Stream>
void stream_connection<Stream>::update_interest() {
  if constexpr (reactor) {
    if (state_ == state::closed) return;
    const std::uint8_t want = (wait_pending_ ? fd_poller::read : 0) | (waiting_writable_ ? fd_poller::write : 0);
    if (want == async_.interest) return;
    async_.interest = want;
    ctx_.poller().set(stream_.fd(), *this, want);
  }
}

template <class Stream>
void stream_connection<Stream>::on_ready(std::uint32_t events) {
  if constexpr (reactor) {
    const auto keep = self();  // finish() drops the connection's own reference
    const bool failed = events & (EPOLLERR | EPOLLHUP);
    if (waiting_writable_ && (events & EPOLLOUT || failed)) on_writable({});
    if (state_ != state::closed && wait_pending_ && (events & EPOLLIN || failed)) on_readable({});
    if (state_ == state::closed) return;
    if (failed && !wait_pending_ && !waiting_writable_) {
      // Not reading (paused, closing) and the socket is dead: level-triggered
      // errors would come back at once, so end it now.
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(stream_.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
      return fail(err ? boost::system::error_code(err, boost::system::system_category())
                      : boost::system::error_code(net::error::connection_reset),
                  "socket");
    }
    // Readiness that is not wanted any more (reading stopped) is switched
    // off here, so that it does not come back.
    update_interest();
  } else {
    (void)events;
  }
}

template <class Stream>
void stream_connection<Stream>::on_readable(const boost::system::error_code& ec) {
  if constexpr (reactor) {
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
      const std::size_t n = stream_.read_some(buf.data(), buf.size(), rec);
      if (rec == net::error::would_block || rec == net::error::try_again) break;
      if (rec) return fail(rec, "read");  // eof included: the peer is gone
      received(n);
      if (!consume(std::string_view(buf.data(), n))) return;
      if (paused_) return read_while_paused();  // the rest is held; resume_reading() goes on
      total += n;
      // A short read drained the socket; a full one may have left more, which
      // is read now unless this turn's budget is spent (then epoll says so).
      if (n < buf.size() || total >= ctx_.limits().read_budget) break;
    }
    do_wait_readable();
  }
}

template <class Stream>
void stream_connection<Stream>::read_while_paused() {
  if constexpr (reactor) {
    const std::span<char> buf = ctx_.read_buffer();
    for (;;) {
      const std::size_t held = held_bytes();
      if (held >= paused_hold_limit) return;  // TCP now pushes back on the client
      boost::system::error_code rec;
      const std::size_t want = std::min(buf.size(), paused_hold_limit - held);
      const std::size_t n = stream_.read_some(buf.data(), want, rec);
      if (rec == net::error::would_block || rec == net::error::try_again) break;
      if (rec) return fail(rec, "read");
      received(n);
      if (!hold_read(std::string_view(buf.data(), n))) return;
      if (!paused_) return;  // resumed: on_resumed(), posted, dispatches the rest in order
    }
    do_wait_readable();
  }
}

// ---- reading: proactor mode (TLS, WebSocket) -----------------------------------

template <class Stream>
void stream_connection<Stream>::do_async_read() {
  if constexpr (!reactor) {
    // While paused, at most paused_hold_limit bytes are held; then the
    // stream pushes back on the client until resumed.
    std::size_t want = async_read_size;
    if (paused_) {
      if (held_bytes() >= paused_hold_limit) return;
      want = std::min(want, paused_hold_limit - held_bytes());
    }
    if (!async_.read) async_.read = std::make_unique<char[]>(async_read_size);
    wait_pending_ = true;
    stream_.async_read_some(net::buffer(async_.read.get(), want),
                            [self = self()](const boost::system::error_code& ec, std::size_t n) {
                              self->on_async_read(ec, n);
                            });
  }
}

template <class Stream>
void stream_connection<Stream>::on_async_read(const boost::system::error_code& ec, std::size_t n) {
  if constexpr (!reactor) {
    wait_pending_ = false;
    if (state_ != state::open) return;
    if (ec) return fail(ec, "read");
    received(n);
    const std::string_view in(async_.read.get(), n);
    // Paused, or resumed with on_resumed() not run yet: the bytes join the
    // held ones, in order.
    const bool holding = paused_ || resume_pending_;
    if (!(holding ? hold_read(in) : consume(in))) return;
    if (resume_pending_) return;  // on_resumed() reads on
    do_async_read();
  }
}

// ---- writing ---------------------------------------------------------------

template <class Stream>
void stream_connection<Stream>::do_write() {
  write_posted_ = false;
  if (state_ == state::closed || waiting_writable_ || writes_held()) return;
  if constexpr (reactor) {
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
      const std::size_t n = stream_.write_some(std::span<const net::const_buffer>(pieces.data(), count), ec);
      if (ec == net::error::would_block || ec == net::error::try_again) {
        waiting_writable_ = true;
        update_interest();  // on_ready() calls on_writable()
        return;
      }
      if (ec) return fail(ec, "write");
      ctx_.broker().stats().bytes_sent += n;
      out_->consume(n);
      written += n;
    }
    after_write();
    if (out_ && !out_->empty()) return post_write();  // budget spent: the others go first
  } else {
    after_write();
    if (out_ && !out_->empty()) {
      // One contiguous copy of the queue's front per write: the queue may
      // move its bytes while the write waits, and an encoder (TLS records,
      // WebSocket frames) writes one buffer at a time anyway.
      std::string& buf = async_.write;
      buf.clear();
      out_->gather(ctx_.limits().write_budget, [&](std::string_view s) { buf.append(s); });
      out_->consume(buf.size());
      waiting_writable_ = true;
      net::async_write(stream_, net::buffer(buf),
                       [self = self()](const boost::system::error_code& ec, std::size_t n) {
                         self->on_async_written(ec, n);
                       });
      return;
    }
    std::string().swap(async_.write);  // an idle connection keeps no write memory
  }
  out_.reset();  // an idle connection keeps no write memory
  if (state_ == state::closing) finish(close_reason_);
}

template <class Stream>
void stream_connection<Stream>::on_writable(const boost::system::error_code& ec) {
  waiting_writable_ = false;
  if (ec) return fail(ec, "write");
  do_write();
}

template <class Stream>
void stream_connection<Stream>::on_async_written(const boost::system::error_code& ec, std::size_t n) {
  waiting_writable_ = false;
  if (ec) return fail(ec, "write");
  ctx_.broker().stats().bytes_sent += n;
  if constexpr (!reactor) async_.write.clear();
  do_write();
}

// ---- deadlines -------------------------------------------------------------

template <class Stream>
void stream_connection<Stream>::on_connected(std::uint16_t keepalive_seconds) {
  keepalive_.on_connected(keepalive_seconds, std::chrono::steady_clock::now());
  arm_timer();
}

template <class Stream>
void stream_connection<Stream>::arm_timer() {
  const auto deadline = keepalive_.next_deadline();
  if (!deadline) return ctx_.cancel_deadline(*this);
  // Received bytes only move the deadline later, so an earlier one is kept:
  // when it passes, on_deadline() schedules the next.
  if (transport_context::due_by(*this, *deadline)) return;
  ctx_.schedule_deadline(*this, *deadline);
}

template <class Stream>
void stream_connection<Stream>::on_deadline() {
  if (state_ == state::closed) return;
  if (state_ == state::handshake) {
    ctx_.log().info() << "mqtt " << peer_ << ": no TLS handshake within "
                      << std::chrono::duration_cast<std::chrono::seconds>(ctx_.limits().handshake_timeout).count()
                      << " s, closing";
    return finish(mqtt::errc::connect_timeout);
  }
  if (state_ == state::closing) {
    ctx_.log().info() << "mqtt " << peer_ << ": could not flush before closing, dropping "
                      << (out_ ? out_->bytes() : 0) << " bytes";
    return finish(close_reason_);
  }
  const auto now = std::chrono::steady_clock::now();
  if (paused_) keepalive_.on_received(now);  // we are not listening, so silence is ours
  if (keepalive_.expired(now)) {
    ctx_.log().info() << "mqtt " << peer_ << ": " << keepalive_.reason().message() << ", closing";
    return finish(keepalive_.reason());
  }
  arm_timer();
}

template <class Stream>
void stream_connection<Stream>::on_hold_ended(const boost::system::error_code& ec) {
  if (ec == net::error::operation_aborted || state_ == state::closed || !hold_) return;
  if (std::chrono::steady_clock::now() < hold_->expiry()) return;  // extended since this wait began
  hold_.reset();
  if (!waiting_writable_) post_write();
}

// ---- ending ----------------------------------------------------------------

template <class Stream>
void stream_connection<Stream>::close(std::error_code why) {
  if (state_ != state::open) return;
  state_ = state::closing;
  close_reason_ = why;
  // partial_ is kept until finish(): close() runs inside the broker's
  // handling of a packet whose fields may still point into it.
  // From now on the deadline bounds the flush instead of the keepalive
  // (after the writes are held, if they are).
  const auto flush_from = writes_held() ? hold_->expiry() : std::chrono::steady_clock::now();
  ctx_.schedule_deadline(*this, flush_from + ctx_.limits().flush_timeout);
  // Finishing is posted even with nothing to flush: close() runs inside a
  // broker call, and finish() calls the broker.
  if (!waiting_writable_) post_write();
}

template <class Stream>
void stream_connection<Stream>::abort(std::error_code why) {
  finish(why);
}

template <class Stream>
void stream_connection<Stream>::fail(const boost::system::error_code& ec, const char* what) {
  if (ec == net::error::operation_aborted || state_ == state::closed) return;
  if (ec != net::error::eof && ec != net::error::connection_reset)
    ctx_.log().debug() << "mqtt " << peer_ << ": " << what << ": " << ec.message();
  // If the broker had already closed it, its reason stands.
  finish(state_ == state::closing ? close_reason_ : std::error_code(ec));
}

template <class Stream>
void stream_connection<Stream>::close_stream() {
  if constexpr (reactor) {
    ctx_.poller().remove(stream_.fd(), *this);
    stream_.close();
  } else {
    stream_.close();
  }
}

template <class Stream>
void stream_connection<Stream>::finish(std::error_code why) {
  if (state_ == state::closed) return;
  const auto keep = std::move(owner_);  // the last reference may be this one
  state_ = state::closed;
  close_stream();
  ctx_.cancel_deadline(*this);
  if (hold_) hold_->cancel();
  out_.reset();
  partial_.reset();
  if (registry_index() != no_index) ctx_.remove(*this);
  // on_close frees the client, and may call close() on this link: ignored now.
  if (mqtt::client* c = std::exchange(client_, nullptr)) ctx_.broker().on_close(*c, why);
}

}  // namespace hearth
