// hearthd as one object: the io_context (one thread), the broker, the MQTT
// listeners, the periodic tick, and the signals that end it. main() builds
// one from a validated config and runs it; tests build their own.
//
// Shutdown (SIGINT, SIGTERM or stop()): the listeners stop accepting, every
// connection is ended and reported to the broker, timers are cancelled, and
// run() returns once the io_context has no work left.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/signal_set.hpp>

#include "hearth/core/config.hpp"
#include "hearth/core/password_file.hpp"
#include "hearth/core/log.hpp"
#include "hearth/mqtt/broker.hpp"
#include "hearth/net/net.hpp"
#include "hearth/net/transport_context.hpp"

namespace hearth {

class local_client;
class mqtt_listener;
class tls_server;
namespace mqtt {
class login_checker;
}
namespace store {
class broker_store;
}
namespace web {
class frontend;
class api_site;
class user_directory;
}

namespace home {
class house;
class demo;
}

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
  // The house (issue 6): events for Socket.IO, commands, history, devices.
  home::house& house() noexcept { return *house_; }
  std::vector<tcp::endpoint> mqtt_endpoints() const;
  // The web side (--https, --http), or nullptr without them: mount routes
  // and Engine.IO handlers (the Socket.IO server) on it before run().
  web::frontend* web() noexcept { return web_.get(); }

private:
  void run_loop();
  void reload_limits();
  void on_signal(const boost::system::error_code& ec, int signo);
  // SIGHUP: users, ACL and TLS certificate again, for new connections and
  // checks from now on; a file that fails to load keeps the old one.
  void wait_reload();
  void reload();
  void arm_tick();
  // Commits the broker's open batch: at once if the last commit is older
  // than persistence.commit_interval, else when it is that old. A failure
  // stops hearthd with exit code 1.
  void schedule_commit();
  void commit_batch();
  void start_demo();
  // The web site (issue 6): users, /api/ and Socket.IO on the frontend;
  // then the URL, and on first start a generated admin password, logged.
  void start_site();
  void announce_site();
  // The password file's users plus, with --demo, the satellites' logins.
  std::shared_ptr<const core::password_file> broker_users(std::shared_ptr<const core::password_file> users) const;

  core::config cfg_;
  core::logger& log_;
  mqtt::broker broker_;
  transport_context transport_;
  std::unique_ptr<mqtt::login_checker> login_;  // the broker's authenticator
  std::unique_ptr<tls_server> tls_;             // with --mqtts
  std::unique_ptr<store::broker_store> broker_store_;  // broker.db, unless persistence is off
  bool commit_posted_ = false;
  std::chrono::steady_clock::time_point last_commit_{};
  int exit_code_ = 0;
  // Declared after what its pending handlers refer to, so that destroying it
  // (and them) happens while the broker and the transport context still exist.
  net::io_context ioc_{1};
  fd_poller poller_{ioc_.get_executor()};  // the plain TCP connections' readiness
  std::vector<std::shared_ptr<mqtt_listener>> listeners_;
  net::basic_signal_set<executor> signals_;
  net::basic_signal_set<executor> reload_signal_;
  steady_timer tick_;
  steady_timer commit_timer_{ioc_.get_executor()};  // persistence.commit_interval
  std::unique_ptr<home::house> house_;  // after ioc_: its timer and client use it
  std::unique_ptr<web::user_directory> web_users_;
  std::unique_ptr<web::api_site> site_;  // before web_: its Engine.IO servers call into the site
  std::unique_ptr<web::frontend> web_;  // after ioc_: its connections hold handlers there
  std::unique_ptr<home::demo> demo_;    // --demo: the simulated satellites
  std::optional<std::string> first_password_;
  bool stopping_ = false;
};

}  // namespace hearth
