// What every MQTT connection of one io_context shares (the Beast chat
// example's shared_state): the broker, the logger, the limits, one read
// buffer, and the registry of live connections for shutdown.
//
// The read buffer is the reason idle connections are cheap: a connection
// waits for readability without a buffer, reads into this one, and keeps
// only the bytes of an incomplete packet. That is safe because everything
// runs on one thread and a read's bytes are consumed before the handler
// returns.
//
// The registry holds non-owning pointers: a connection owns itself until it
// ends (stream_connection::finish), and leaves the registry then.
//
// Deadlines (TLS handshake, CONNECT, keepalive, flushing on close) live on
// one timing wheel of one-second slots instead of a timer per connection:
// the owner calls advance_deadlines() once a second (app's tick), and an idle
// connection costs an intrusive list node instead of a timer, its queue
// entry and a pending wait.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "hearth/core/log.hpp"
#include "hearth/mqtt/broker.hpp"
#include "hearth/mqtt/outbound_queue.hpp"
#include "hearth/net/deadline_wheel.hpp"
#include "hearth/net/fd_poller.hpp"

namespace hearth {

class connection_base;

struct connection_limits {
  std::size_t max_packet_size = 1048576;                    // remaining length, checked before allocating
  std::chrono::steady_clock::duration connect_timeout = std::chrono::seconds(10);
  std::chrono::steady_clock::duration handshake_timeout = std::chrono::seconds(10);  // TLS, before connect_timeout
  std::chrono::steady_clock::duration flush_timeout = std::chrono::seconds(5);  // writing what is queued on close
  mqtt::outbound_limits write_queue;
  std::size_t write_budget = 256 * 1024;  // bytes per write, so one busy client cannot hog the loop
  std::size_t read_budget = 256 * 1024;   // bytes read per turn, for the same reason
};

class transport_context {
public:
  static constexpr std::size_t read_buffer_size = 64 * 1024;

  transport_context(mqtt::broker& broker, core::logger& log, connection_limits limits);
  transport_context(const transport_context&) = delete;
  transport_context& operator=(const transport_context&) = delete;

  mqtt::broker& broker() noexcept { return broker_; }
  core::logger& log() noexcept { return log_; }
  const connection_limits& limits() const noexcept { return limits_; }
  // SIGHUP: applies to connections accepted from now on.
  void set_limits(const connection_limits& l) { limits_ = l; }

  // Where plain TCP connections wait for readiness (set once, before the
  // first connection).
  void set_poller(fd_poller& p) noexcept { poller_ = &p; }
  fd_poller& poller() noexcept { return *poller_; }

  // Scratch space valid until the caller's handler returns.
  std::span<char> read_buffer() noexcept { return {read_buffer_.get(), read_buffer_size}; }
  std::string& header_scratch() noexcept { return header_scratch_; }

  void add(connection_base& c);
  void remove(connection_base& c) noexcept;
  std::size_t size() const noexcept { return connections_.size(); }


  // Ends every connection now, reporting each to the broker (shutdown).
  void close_all(std::error_code why);

  // `c`'s deadline is `due` (it is told through on_deadline() at most about
  // two seconds later); replaces the one it had. Deadlines are whole seconds
  // on the wheel, rounded up, so none fires early.
  void schedule_deadline(deadline_wheel::entry& e, std::chrono::steady_clock::time_point due);
  void cancel_deadline(deadline_wheel::entry& e) noexcept { deadlines_.cancel(e); }
  // Whether `e`'s scheduled deadline is at or before `due` (rounded as above).
  static bool due_by(const deadline_wheel::entry& e, std::chrono::steady_clock::time_point due) noexcept {
    return e.scheduled() && e.due() <= wheel_second(due);
  }
  // Fires the deadlines that have passed at `now`; call about once a second.
  void advance_deadlines(std::chrono::steady_clock::time_point now);

private:
  static std::int64_t wheel_second(std::chrono::steady_clock::time_point t) noexcept {
    return std::chrono::ceil<std::chrono::seconds>(t.time_since_epoch()).count();
  }

  mqtt::broker& broker_;
  core::logger& log_;
  connection_limits limits_;
  std::unique_ptr<char[]> read_buffer_;
  std::string header_scratch_;
  std::vector<connection_base*> connections_;  // each knows its index
  deadline_wheel deadlines_{64};
  fd_poller* poller_ = nullptr;
};

}  // namespace hearth
