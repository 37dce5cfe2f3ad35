// The phases of a run: set up the connections, then either hold them (idle)
// or load the broker (warm-up, measurement, drain), then account.
#include "hearth/bench/engine.hpp"

#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "hearth/bench/proc.hpp"
#include "hearth/bench/stamp.hpp"
#include "hearth/bench/ws_client.hpp"

namespace hearth::bench {

namespace {

constexpr std::uint64_t setup_stall_ns = 10'000'000'000;  // no connection progress for 10 s: give up
constexpr std::size_t read_buffer_bytes = 256 * 1024;

std::uint64_t to_ns(double seconds) { return static_cast<std::uint64_t>(seconds * 1e9); }

// Idle mode holds thousands of sockets: lift the soft descriptor limit to the hard one.
void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

void resolve(const std::string& host, std::uint16_t port, sockaddr_storage& out, unsigned& len) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0 || !res) {
    throw std::runtime_error("cannot resolve " + host + ": " + gai_strerror(rc));
  }
  std::memcpy(&out, res->ai_addr, res->ai_addrlen);
  len = res->ai_addrlen;
  freeaddrinfo(res);
}

}  // namespace

engine::engine(const options& o) : opts_(o), addr_(std::make_unique<sockaddr_storage>()) {
  raise_fd_limit();
  resolve(o.host, o.port, *addr_, addr_len_);
  const bool e2e = opts_.run_mode == mode::e2e;
  if (e2e) {
    web_addr_ = std::make_unique<sockaddr_storage>();
    resolve(o.host, o.web_port, *web_addr_, web_addr_len_);
    // Every send time of the run, allocated up front (plus slack for a late stop).
    sent_ns_.reserve(static_cast<std::size_t>(opts_.rate * (opts_.warmup + opts_.duration + 1.0)) + 1024);
  }

  if (opts_.topic_prefix.empty()) opts_.topic_prefix = e2e ? "home" : "hearth-bench/" + std::to_string(getpid());
  filler_.assign(opts_.payload, 'x');
  max_packet_ = opts_.payload + opts_.topic_prefix.size() + 64;
  scratch_.resize(std::max(read_buffer_bytes, 2 * max_packet_));

  if (opts_.run_mode == mode::idle) {
    conns_.resize(opts_.connections);
    for (std::uint32_t i = 0; i < opts_.connections; ++i) conns_[i].index = i;
    return;
  }
  // Subscribers first: they are all subscribed before any message is produced anyway,
  // but opening them first keeps the broker's accept order the same for every broker.
  conns_.resize(opts_.subscribers + opts_.publishers);
  for (std::uint32_t i = 0; i < opts_.subscribers; ++i) {
    conns_[i].kind = role::subscriber;
    conns_[i].index = i;
    conns_[i].websocket = e2e;
    conns_[i].tx.reserve(64 * 1024);
  }
  pubs_.resize(opts_.publishers);
  for (std::uint32_t i = 0; i < opts_.publishers; ++i) {
    auto& c = conns_[opts_.subscribers + i];
    c.kind = role::publisher;
    c.index = i;
    c.tx.reserve(publish_batch_bytes + max_packet_ + 64);
    pubs_[i].topic = e2e ? opts_.topic_prefix + "/" + opts_.node + "/temperature"
                         : opts_.topic_prefix + "/" + std::to_string(i);
    pubs_[i].ids = id_pool(opts_.inflight);
  }
  trackers_.assign(std::size_t{opts_.subscribers} * opts_.publishers, sequence_tracker{});
}

engine::~engine() {
  for (auto& c : conns_) {
    if (c.fd >= 0) ::close(c.fd);
  }
}

void engine::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
}

void engine::loop_once(std::uint64_t deadline_ns) {
  flush_dirty();
  poller_.set_deadline(deadline_ns);
  for (const epoll_event& ev : poller_.wait()) {
    if (ev.data.u64 == poller::timer_key) continue;
    on_event(conns_[ev.data.u64], ev.events);
  }
  flush_dirty();
}

void engine::setup_connections() {
  // A bounded number of handshakes at a time, so that the broker's accept
  // backlog never overflows (a dropped SYN would cost a 1 s retransmit).
  constexpr std::uint32_t max_pending = 64;
  last_progress_ns_ = monotonic_ns();
  while (error_.empty() && ready_ + disconnects_ < conns_.size()) {
    while (pending_setup_ < max_pending && next_to_open_ < conns_.size()) open(conns_[next_to_open_++]);
    if (!error_.empty() || ready_ + disconnects_ >= conns_.size()) break;
    if (monotonic_ns() - last_progress_ns_ > setup_stall_ns) {
      fail("timed out setting up connections (" + std::to_string(ready_) + " of " +
           std::to_string(conns_.size()) + " ready)");
      break;
    }
    loop_once(last_progress_ns_ + setup_stall_ns + 1);
  }
  if (error_.empty() && ready_ == 0) fail("no connection could be set up");
}

void engine::set_phase(phase p) {
  phase_ = p;
  for (auto& c : conns_) {
    if (c.kind == role::publisher) update_interest(c);
  }
}

void engine::run_traffic(run_result& r) {
  const std::uint64_t t0 = monotonic_ns();
  produce_start_ns_ = t0;
  const std::uint64_t warm_end = t0 + to_ns(opts_.warmup);
  const std::uint64_t measure_end = warm_end + to_ns(opts_.duration);
  const std::uint64_t drain_ns = to_ns(opts_.drain);
  const bool paced = opts_.rate > 0;
  std::uint64_t start_ns = 0, sent0 = 0, delivered0 = 0;
  double cpu0 = 0;
  std::optional<double> broker0;

  set_phase(phase::warmup);
  while (error_.empty()) {
    const std::uint64_t now = monotonic_ns();
    if (phase_ == phase::warmup && now >= warm_end) {
      start_ns = now;
      sent0 = sent_total_;
      delivered0 = delivered_total_;
      cpu0 = own_cpu_seconds();
      if (opts_.broker_pid) broker0 = read_cpu_seconds(opts_.broker_pid);
      latency_.reset();
      set_phase(phase::measuring);
    }
    if (phase_ == phase::measuring && now >= measure_end) {
      r.measured_s = static_cast<double>(now - start_ns) / 1e9;
      r.sent = sent_total_ - sent0;
      r.delivered = delivered_total_ - delivered0;
      r.bench_cpu_s = own_cpu_seconds() - cpu0;
      if (broker0) {
        if (auto b = read_cpu_seconds(opts_.broker_pid)) r.broker_cpu_s = *b - *broker0;
      }
      r.latency_ns = latency_;
      last_progress_ns_ = now;
      set_phase(phase::draining);
    }
    if (phase_ == phase::draining && (drain_complete() || now - last_progress_ns_ >= drain_ns)) break;
    std::uint64_t deadline = phase_ == phase::warmup      ? warm_end
                             : phase_ == phase::measuring ? measure_end
                                                          : last_progress_ns_ + drain_ns;
    if (paced && phase_ != phase::draining) {
      pace(now);
      if (const std::uint64_t due = next_due_ns(); due != 0) deadline = std::min(deadline, due);
    }
    loop_once(std::max<std::uint64_t>(deadline, 1));
  }
  set_phase(phase::done);
}

bool engine::drain_complete() const {
  for (const auto& c : conns_) {
    if (c.st != state::ready) continue;
    if (c.tx_off < c.tx.size()) return false;
    if (c.kind == role::publisher && pubs_[c.index].ids.in_use() != 0) return false;
    if (c.kind == role::subscriber) {
      for (std::size_t p = 0; p < pubs_.size(); ++p) {
        if (trackers_[c.index * pubs_.size() + p].unique() < pubs_[p].next_seq) return false;
      }
    }
  }
  return true;
}

void engine::run_idle(run_result& r) {
  const std::uint64_t t0 = monotonic_ns();
  const std::uint64_t end = t0 + to_ns(opts_.duration);
  while (error_.empty() && monotonic_ns() < end) loop_once(end);
  r.measured_s = static_cast<double>(monotonic_ns() - t0) / 1e9;
  if (opts_.broker_pid) r.broker_rss_after_kib = read_rss_kib(opts_.broker_pid);
}

run_result engine::run() {
  run_result r;
  if (opts_.run_mode == mode::idle && opts_.broker_pid) r.broker_rss_before_kib = read_rss_kib(opts_.broker_pid);
  setup_connections();
  if (error_.empty()) {
    if (opts_.run_mode == mode::idle) {
      run_idle(r);
    } else {
      run_traffic(r);
    }
  }
  finish(r);
  r.opts = opts_;
  return r;
}

void engine::finish(run_result& r) {
  r.error = error_;
  r.sent_total = sent_total_;
  r.expected_total = sent_total_ * opts_.subscribers;
  for (std::size_t i = 0; i < trackers_.size(); ++i) {
    const auto& t = trackers_[i];
    r.received_total += t.received();
    r.duplicated += t.duplicates();
    r.out_of_order += t.out_of_order();
    r.lost += t.lost(pubs_[i % pubs_.size()].next_seq);
  }
  r.malformed = malformed_;
  r.protocol_errors = protocol_errors_;
  r.disconnects = disconnects_;
  r.connected = ready_;
  // Say goodbye properly so that the broker does not publish wills or log errors.
  static constexpr char disconnect_packet[2] = {static_cast<char>(0xe0), 0};
  for (auto& c : conns_) {
    if (c.fd < 0) continue;
    if (c.st == state::ready && c.websocket) {
      ws_send(c, ws::opcode::close, "\x03\xe8");  // 1000, normal closure
      ::send(c.fd, c.tx.data() + c.tx_off, c.tx.size() - c.tx_off, MSG_NOSIGNAL);
    } else if (c.st == state::ready) {
      ::send(c.fd, disconnect_packet, sizeof disconnect_packet, MSG_NOSIGNAL);
    }
    ::close(c.fd);
    c.fd = -1;
  }
}

}  // namespace hearth::bench
