// hearthd as one object: the io_context (one thread), the broker, the MQTT
// listeners, the periodic tick, and the signals that end it. main() builds
// one from a validated config and runs it; tests build their own.
//
// Shutdown (SIGINT, SIGTERM or stop()): the listeners stop accepting, every
// connection is ended and reported to the broker, timers are cancelled, and
// run() returns once the io_context has no work left.
#pragma once

#include <memory>
#include <vector>

#include <boost/asio/signal_set.hpp>

#include "hearth/core/config.hpp"
#include "hearth/core/log.hpp"
#include "hearth/mqtt/broker.hpp"
#include "hearth/net/net.hpp"
#include "hearth/net/transport_context.hpp"

namespace hearth {

class local_client;
class mqtt_listener;

class app {
public:
  // Creates the data directory, loads the ACL, binds the listeners.
  // Throws core::config_error for a bad file named by the config (exit 2),
  // other exceptions for runtime failures such as an address in use (exit 1).
  app(core::config cfg, core::logger& log);
  ~app();
  app(const app&) = delete;
  app& operator=(const app&) = delete;

  // Runs until shut down; returns the exit code.
  int run();
  // Starts the shutdown; call from the io_context's thread.
  void stop();

  net::io_context& io_context() noexcept { return ioc_; }
  mqtt::broker& broker() noexcept { return broker_; }
  std::vector<tcp::endpoint> mqtt_endpoints() const;

private:
  void run_loop();
  void on_signal(const boost::system::error_code& ec, int signo);
  void arm_tick();
  void start_demo();

  core::config cfg_;
  core::logger& log_;
  mqtt::broker broker_;
  transport_context transport_;
  // Declared after what its pending handlers refer to, so that destroying it
  // (and them) happens while the broker and the transport context still exist.
  net::io_context ioc_{1};
  std::vector<std::shared_ptr<mqtt_listener>> listeners_;
  net::basic_signal_set<executor> signals_;
  steady_timer tick_;
  std::shared_ptr<local_client> demo_client_;
  bool stopping_ = false;
};

}  // namespace hearth
