// Socket handling of the bench engine: non-blocking connect, big reads into
// one shared buffer, coalesced writes, and epoll interest kept minimal.
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "hearth/bench/engine.hpp"
#include "hearth/bench/proc.hpp"
#include "hearth/mqtt/codec.hpp"

namespace hearth::bench {

void engine::open(connection& c) {
  ++pending_setup_;
  c.fd = ::socket(addr_->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    drop(c, std::strerror(errno));
    return;
  }
  // We coalesce ourselves; Nagle would only add delay to acks and paced publishes.
  int one = 1;
  setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c.st = state::connecting;
  c.mask = EPOLLIN | EPOLLOUT;
  poller_.add(c.fd, c.mask, static_cast<std::uint64_t>(&c - conns_.data()));
  const sockaddr_storage* to = c.websocket ? web_addr_.get() : addr_.get();
  if (::connect(c.fd, reinterpret_cast<const sockaddr*>(to), c.websocket ? web_addr_len_ : addr_len_) == 0) {
    on_connected(c);
  } else if (errno != EINPROGRESS) {
    drop(c, std::strerror(errno));
  }
}

void engine::on_connected(connection& c) {
  if (c.websocket) return ws_start(c);
  c.st = state::awaiting_connack;
  mqtt::connect_packet p;
  p.protocol_name = "MQTT";
  p.protocol_level = 4;
  p.clean_session = !(c.kind == role::subscriber && opts_.persistent_subscribers);
  p.keepalive = 0;  // the bench sends nothing while idle; a run is not a liveness test
  const char tag = c.kind == role::publisher ? 'p' : c.kind == role::subscriber ? 's' : 'i';
  p.client_id = "hb" + std::to_string(getpid()) + tag + std::to_string(c.index);
  if (!opts_.username.empty()) p.username = opts_.username;
  if (!opts_.password.empty()) p.password = opts_.password;
  mqtt::encode(p, c.tx);
  mark_dirty(c);
}

void engine::on_event(connection& c, std::uint32_t events) {
  if (c.st == state::closed) return;
  if (c.st == state::connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      drop(c, std::strerror(err));
    } else if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
      on_connected(c);
    }
    return;
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
    read_from(c);
    if (c.st == state::closed) return;
  }
  if (events & EPOLLOUT) flush(c);
}

void engine::read_from(connection& c) {
  if (c.websocket) return ws_read(c);
  const std::size_t keep = c.tail.size();
  if (keep) std::memcpy(scratch_.data(), c.tail.data(), keep);
  const ssize_t n = ::read(c.fd, scratch_.data() + keep, scratch_.size() - keep);
  if (n == 0) {
    drop(c, "closed by the broker");
    return;
  }
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR) drop(c, std::strerror(errno));
    return;
  }
  const std::uint64_t now = monotonic_ns();  // every packet of one read arrived together
  const std::string_view in(scratch_.data(), keep + static_cast<std::size_t>(n));
  std::size_t off = 0;
  while (off < in.size()) {
    const auto res = mqtt::decode(in.substr(off), max_packet_, packet_);
    if (res.status == mqtt::decode_status::need_more) break;
    if (res.status == mqtt::decode_status::error) {
      ++protocol_errors_;
      drop(c, ("undecodable bytes from the broker: " + res.error.message()).c_str());
      return;
    }
    handle(c, packet_, now);
    if (c.st == state::closed) return;
    off += res.consumed;
  }
  c.tail.assign(in.data() + off, in.size() - off);
}

void engine::flush(connection& c) {
  // A full-speed publisher tops its buffer up right before the write, so acks
  // that reopen its window are answered with new messages in the same turn
  // (no EPOLLOUT round trip, no epoll_ctl churn).
  if (c.tx_off == c.tx.size() && wants_to_produce(c)) produce(c, UINT64_MAX);
  while (c.tx_off < c.tx.size()) {
    const ssize_t n = ::send(c.fd, c.tx.data() + c.tx_off, c.tx.size() - c.tx_off, MSG_NOSIGNAL);
    if (n > 0) {
      c.tx_off += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      break;
    } else {
      drop(c, std::strerror(errno));
      return;
    }
  }
  if (c.tx_off == c.tx.size()) {
    c.tx.clear();
    c.tx_off = 0;
  }
  update_interest(c);
}

void engine::mark_dirty(connection& c) {
  if (c.dirty) return;
  c.dirty = true;
  dirty_.push_back(&c);
}

void engine::flush_dirty() {
  // Index loop: a flush never adds to dirty_, but stay safe if that changes.
  for (std::size_t i = 0; i < dirty_.size(); ++i) {
    connection& c = *dirty_[i];
    c.dirty = false;
    if (c.st != state::closed && c.st != state::connecting) flush(c);
  }
  dirty_.clear();
}

void engine::update_interest(connection& c) {
  if (c.fd < 0 || c.st == state::closed) return;
  std::uint32_t want = EPOLLIN;
  if (c.st == state::connecting || c.tx_off < c.tx.size() || wants_to_produce(c)) want |= EPOLLOUT;
  if (want == c.mask) return;
  c.mask = want;
  poller_.modify(c.fd, want, static_cast<std::uint64_t>(&c - conns_.data()));
}

void engine::drop(connection& c, const char* why) {
  if (c.st == state::closed) return;
  const bool was_ready = c.st == state::ready;
  if (c.fd >= 0) ::close(c.fd);
  c.fd = -1;
  c.st = state::closed;
  c.tx.clear();
  c.tx_off = 0;
  ++disconnects_;
  if (was_ready) {
    --ready_;
  } else {
    --pending_setup_;
  }
  if (disconnects_ <= 5) {
    std::fprintf(stderr, "hearth-bench: connection %zu lost: %s\n", static_cast<std::size_t>(&c - conns_.data()), why);
  }
  // Load modes need every connection to start; a broker that disconnects a
  // client later is a result (counted), not a failure of the run.
  if (phase_ == phase::setup && opts_.run_mode != mode::idle) fail(std::string("connection failed: ") + why);
}

}  // namespace hearth::bench
