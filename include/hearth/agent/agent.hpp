// hearth-agent's runtime: one io_context, one thread for the protocol and
// the GPIO lines, one worker thread for blocking sensor reads.
//
// It wires the pure parts together: client_session (MQTT), outbox (store
// and forward), failsafe (local rules), devices (hal/), and the connection
// (Asio, TCP or TLS). Readings are queued on disk when taken and removed
// when PUBACKed; relay states and alarms are retained and re-published on
// every connect; commands are executed and confirmed by the new state.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>

#include "hearth/agent/backoff.hpp"
#include "hearth/agent/client_session.hpp"
#include "hearth/agent/config.hpp"
#include "hearth/agent/connection.hpp"
#include "hearth/agent/devices.hpp"
#include "hearth/agent/failsafe.hpp"
#include "hearth/agent/outbox.hpp"
#include "hearth/agent/simulate.hpp"
#include "hearth/core/log.hpp"
#include "hearth/hal/clock.hpp"
#include "hearth/net/net.hpp"

namespace hearth::agent {

class agent final : public connection_handler {
public:
  // Opens the outbox and the hardware (outputs in their safe state). Throws
  // std::runtime_error / store::sqlite_error when that is impossible.
  agent(net::io_context& ioc, agent_config cfg, core::logger& log, simulation* sim);
  ~agent() override;

  // Runs until SIGINT/SIGTERM; returns the exit code (0).
  int run();

private:
  void on_connection_up() override;
  void on_connection_bytes(std::string_view bytes) override;
  void on_connection_down(std::error_code why) override;

  void connect();
  void schedule_reconnect();
  void handle_session_events();
  void pump();
  void flush();

  void on_message(const std::string& topic, const std::string& payload);
  void apply(const relay_change& c);
  void set_gas(const std::string& sensor, bool detected, double value);

  void arm_tick();
  void on_tick();
  void arm_sample();
  void on_samples(sample_batch b);
  void queue_reading(const std::string& kind, const sensor_values& values);
  void stop();
  void wait_for_close();

  std::string topic(const std::string& rest) const { return cfg_.prefix + "/" + cfg_.node + "/" + rest; }
  static std::int64_t unix_ms();

  net::io_context& ioc_;
  agent_config cfg_;
  core::logger& log_;
  simulation* sim_;
  hal::system_clock clock_;
  std::unique_ptr<hal::gpio_backend> gpio_;
  std::unique_ptr<outputs> outputs_;
  std::unique_ptr<inputs> inputs_;
  sampler sampler_;
  failsafe failsafe_;
  outbox outbox_;
  client_session session_;
  std::shared_ptr<net::ssl::context> tls_;
  std::shared_ptr<connection> conn_;
  backoff backoff_;
  std::mt19937 rng_;

  std::set<std::string> dirty_relays_;                      // states to (re)publish
  std::deque<std::pair<std::string, std::string>> alarms_;  // retained alarm messages to publish
  std::map<std::string, bool> gas_sources_;
  std::deque<queued_message> prefetch_;
  std::map<std::uint16_t, std::int64_t> inflight_rows_;  // packet id -> outbox row
  std::int64_t cursor_ = 0;                              // last outbox row handed to the session
  bool sampling_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_deadline_{};

  steady_timer tick_timer_;
  steady_timer sample_timer_;
  steady_timer reconnect_timer_;
  steady_timer stop_timer_;
  net::basic_signal_set<executor> signals_;
  std::chrono::steady_clock::time_point last_sim_step_;
  net::thread_pool worker_{1};  // last: joined first
};

}  // namespace hearth::agent
