#include "hearth/net/app.hpp"

#include <csignal>
#include <filesystem>
#include <stdexcept>

#include "hearth/app/house.hpp"
#include "hearth/mqtt/acl.hpp"
#include "hearth/mqtt/login.hpp"
#include "hearth/net/tls_server.hpp"
#include "hearth/net/local_client.hpp"
#include "hearth/net/mqtt_ws.hpp"
#include "hearth/net/mqtt_listener.hpp"
#include "hearth/store/broker_store.hpp"
#include "hearth/web/frontend.hpp"
#include "hearth/app/demo.hpp"
#include "hearth/web/api_site.hpp"
#include "hearth/web/auth_users.hpp"
#include "hearth/web/token_command.hpp"

namespace hearth {

namespace {

mqtt::broker_config broker_settings(const core::config& cfg) {
  mqtt::broker_config b;
  b.session.max_inflight = cfg.mqtt.max_inflight;
  b.session.max_queued_messages = cfg.mqtt.max_queued_messages;
  b.session.max_queued_bytes = cfg.mqtt.max_queued_bytes;
  b.session.max_incoming_qos2 = cfg.mqtt.max_incoming_qos2;
  b.session.backpressure_timeout = cfg.mqtt.backpressure_timeout;
  b.session.expiry = cfg.mqtt.session_expiry;
  b.sys_interval = cfg.mqtt.sys_interval;
  b.version = HEARTH_VERSION;  // $SYS/broker/version adds "hearth version "
  b.max_memory_bytes = cfg.mqtt.max_memory_bytes;
  b.ack_after_commit = cfg.persistence.ack_after_commit;
  return b;
}

connection_limits transport_limits(const core::config& cfg) {
  connection_limits l;
  l.max_packet_size = cfg.mqtt.max_packet_size;
  l.connect_timeout = cfg.mqtt.connect_timeout;
  l.handshake_timeout = cfg.tls.handshake_timeout;
  l.write_queue.soft_bytes = cfg.mqtt.write_queue_soft_bytes;
  l.write_queue.hard_bytes = cfg.mqtt.write_queue_hard_bytes;
  return l;
}

std::shared_ptr<const core::password_file> load_users(const std::string& path) {
  return std::make_shared<const core::password_file>(core::password_file::load(path));
}

}  // namespace

app::app(core::config cfg, core::logger& log)
    : cfg_(std::move(cfg)),
      log_(log),
      broker_(broker_settings(cfg_), log),
      transport_(broker_, log, transport_limits(cfg_)),
      signals_(ioc_.get_executor(), SIGINT, SIGTERM),
      reload_signal_(ioc_.get_executor(), SIGHUP),
      tick_(ioc_.get_executor()) {
  transport_.set_poller(poller_);
  std::error_code ec;
  std::filesystem::create_directories(cfg_.data_dir, ec);
  if (ec) throw std::runtime_error("cannot create the data directory " + cfg_.data_dir + ": " + ec.message());

  login_ = std::make_unique<mqtt::login_checker>(
      mqtt::login_policy{cfg_.allow_anonymous, cfg_.tls.use_identity_as_username});
  if (!cfg_.password_file.empty()) {
    try {
      login_->set_users(load_users(cfg_.password_file));
    } catch (const std::exception& e) {
      throw core::config_error(std::string("password_file: ") + e.what());
    }
    log_.info() << "users: " << login_->users()->size() << " from " << cfg_.password_file;
  }
  broker_.set_authenticator(login_->as_authenticator());
  if (!cfg_.acl_file.empty()) {
    try {
      broker_.set_acl(mqtt::acl::load(cfg_.acl_file));
    } catch (const std::exception& e) {
      throw core::config_error(std::string("acl_file: ") + e.what());
    }
  }

  if (cfg_.persistence.enabled) {
    // broker_store_error (exit 1) for a file that cannot be used: it is
    // never overwritten, the operator decides.
    const std::string path = (std::filesystem::path(cfg_.data_dir) / "broker.db").string();
    broker_store_ = std::make_unique<store::broker_store>(
        path, cfg_.persistence.sync_full ? store::sync_mode::full : store::sync_mode::normal);
    broker_.restore(broker_store_->load());
    broker_store_->on_pending([this] { schedule_commit(); });
    broker_.set_persistence(broker_store_.get());
    log_.info() << "persistence: " << path << ", ack "
                << (cfg_.persistence.ack_after_commit ? "after commit" : "immediate") << ", synchronous "
                << (cfg_.persistence.sync_full ? "full" : "normal");
  }

  // The house (issue 6): readings.db in the data directory, devices, the
  // bridge. A corrupt database stops hearthd here with the reason (exit 1).
  house_ = std::make_unique<home::house>(ioc_, broker_, cfg_, log_);
  if (cfg_.demo) {
    // The demo is the whole house: without a listener asked for, the UI on
    // the usual port.
    if (!cfg_.https && !cfg_.http) cfg_.https = core::listen_address{"127.0.0.1", 8443};
    demo_ = std::make_unique<home::demo>(ioc_, log_, home::demo::agent_next_to_self(),
                                         (std::filesystem::path(cfg_.data_dir) / "demo").string());
    demo_->prepare_rooms(house_->devices());
    if (!cfg_.password_file.empty()) login_->set_users(broker_users(load_users(cfg_.password_file)));
  }

  const auto address = net::ip::make_address(cfg_.mqtt.listen.host);  // validated by the config
  auto listener = std::make_shared<mqtt_listener>(ioc_, transport_, tcp::endpoint(address, cfg_.mqtt.listen.port));
  listener->run();
  listeners_.push_back(std::move(listener));
  if (cfg_.mqtts) {
    tls_ = std::make_unique<tls_server>(cfg_.tls);  // config_error for a bad certificate or key
    if (!cfg_.password_file.empty() && !core::is_loopback(cfg_.mqtt.listen))
      log_.warn() << "--mqtt " << cfg_.mqtt.listen.to_string()
                  << " carries passwords in clear text beyond this machine; --mqtts does not";
    const auto tls_address = net::ip::make_address(cfg_.mqtts->host);
    auto secure = std::make_shared<mqtt_listener>(ioc_, transport_, tcp::endpoint(tls_address, cfg_.mqtts->port),
                                                  tls_.get());
    secure->run();
    listeners_.push_back(std::move(secure));
  }
  if (cfg_.https || cfg_.http) {
    web_ = std::make_unique<web::frontend>(ioc_, log_, cfg_);  // config_error for a bad certificate
    mount_mqtt_websocket(web_->routes(), transport_, ioc_.get_executor());
    start_site();
    web_->listen();
    announce_site();
  }
}

app::~app() = default;

std::vector<tcp::endpoint> app::mqtt_endpoints() const {
  std::vector<tcp::endpoint> out;
  for (const auto& l : listeners_) out.push_back(l->local_endpoint());
  return out;
}

int app::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) { on_signal(ec, signo); });
  wait_reload();
  arm_tick();
  house_->start();
  if (cfg_.demo) start_demo();
  run_loop();
  if (broker_store_ && exit_code_ == 0) {
    try {
      broker_.commit();  // what the last turn changed (sessions of closed connections)
    } catch (const std::exception& e) {
      log_.error() << "persistence: cannot commit to broker.db: " << e.what();
      exit_code_ = 1;
    }
  }
  return exit_code_;
}

void app::schedule_commit() {
  if (commit_posted_) return;
  commit_posted_ = true;
  const auto due = last_commit_ + cfg_.persistence.commit_interval;
  if (std::chrono::steady_clock::now() >= due) {
    net::post(ioc_, [this] { commit_batch(); });  // after what this turn still has to do
    return;
  }
  commit_timer_.expires_at(due);
  commit_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) commit_batch();
  });
}

void app::commit_batch() {
  commit_posted_ = false;
  if (exit_code_ != 0) return;
  try {
    broker_.commit();
    last_commit_ = std::chrono::steady_clock::now();
  } catch (const std::exception& e) {
    // Nothing of the batch was acknowledged; acknowledging more without a
    // working disk would break the promise, so hearthd ends.
    log_.error() << "persistence: cannot commit to broker.db: " << e.what() << "; stopping";
    exit_code_ = 1;
    stop();
  }
}

// After a burst of work the loop polls for a short while before it sleeps in
// epoll_wait: a message that arrives within that window is handled without
// the scheduler's wake-up latency of a sleeping thread (tens of microseconds
// on small machines, the largest part of a publish's trip through the
// broker). Idle, the loop sleeps as usual; busy, there is always work and
// the window costs nothing. busy_poll_us = 0 turns it off.
void app::run_loop() {
  const auto spin = cfg_.busy_poll;
  if (spin.count() == 0) {
    ioc_.run();
    return;
  }
  while (!ioc_.stopped()) {
    if (ioc_.poll() > 0) continue;
    const auto until = std::chrono::steady_clock::now() + spin;
    std::size_t handled = 0;
    while (handled == 0 && std::chrono::steady_clock::now() < until && !ioc_.stopped()) handled = ioc_.poll();
    if (handled == 0 && !ioc_.stopped()) ioc_.run_one();
  }
}

void app::on_signal(const boost::system::error_code& ec, int signo) {
  if (ec) return;  // cancelled by stop()
  log_.info() << "received " << (signo == SIGINT ? "SIGINT" : "SIGTERM") << ", shutting down";
  stop();
}

void app::wait_reload() {
  reload_signal_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec || stopping_) return;
    reload();
    wait_reload();
  });
}

void app::reload() {
  log_.info() << "received SIGHUP, reloading users, ACL, TLS certificate and limits";
  if (!cfg_.config_file.empty()) reload_limits();
  // Each file on its own: a broken one keeps what was loaded before, and says why.
  if (!cfg_.password_file.empty()) {
    try {
      auto users = load_users(cfg_.password_file);
      if (web_users_) web_users_->set_users(users);
      login_->set_users(broker_users(std::move(users)));
      log_.info() << "reload: users: " << login_->users()->size() << " from " << cfg_.password_file;
    } catch (const std::exception& e) {
      log_.error() << "reload: keeping the previous users: " << e.what();
    }
  }
  if (!cfg_.acl_file.empty()) {
    try {
      broker_.set_acl(mqtt::acl::load(cfg_.acl_file));
      if (site_) site_->set_acl(mqtt::acl::load(cfg_.acl_file));
      log_.info() << "reload: acl from " << cfg_.acl_file;
    } catch (const std::exception& e) {
      log_.error() << "reload: keeping the previous ACL: " << cfg_.acl_file << ": " << e.what();
    }
  }
  if (tls_) {
    try {
      tls_->reload(cfg_.tls);
      log_.info() << "reload: TLS certificate from " << cfg_.tls.cert_file << " (new connections)";
    } catch (const std::exception& e) {
      log_.error() << "reload: keeping the previous TLS certificate: " << e.what();
    }
  }
}

// The [mqtt] limits of the config file, re-read. Listeners, files and the
// rest need a restart; a file that no longer parses changes nothing.
void app::reload_limits() {
  try {
    core::config fresh = cfg_;
    fresh.mqtt = core::mqtt_config{};
    fresh.mqtt.listen = cfg_.mqtt.listen;
    core::apply_toml(fresh, core::read_config_file(cfg_.config_file), cfg_.config_file);
    core::validate(fresh);
    const auto listen = cfg_.mqtt.listen;
    cfg_.mqtt = fresh.mqtt;
    cfg_.mqtt.listen = listen;
    const mqtt::broker_config b = broker_settings(cfg_);
    broker_.set_limits(b.session, b.max_memory_bytes);
    transport_.set_limits(transport_limits(cfg_));
    log_.info() << "reload: limits from " << cfg_.config_file << " (max_packet_size " << cfg_.mqtt.max_packet_size
                << ", max_inflight " << cfg_.mqtt.max_inflight << ", max_queued_messages "
                << cfg_.mqtt.max_queued_messages << ")";
  } catch (const std::exception& e) {
    log_.error() << "reload: keeping the previous limits: " << e.what();
  }
}

void app::stop() {
  if (stopping_) return;
  stopping_ = true;
  if (house_) house_->stop();  // flushes the last readings
  for (const auto& l : listeners_) l->stop();
  if (demo_) demo_->stop();
  if (site_) site_->stop();
  transport_.close_all(std::make_error_code(std::errc::operation_canceled));
  poller_.stop();
  if (web_) web_->stop();
  tick_.cancel();
  commit_timer_.cancel();  // run() commits what is left
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  reload_signal_.cancel(ignored);
}

void app::arm_tick() {
  const auto now = std::chrono::steady_clock::now();
  transport_.advance_deadlines(now);  // connect, keepalive and flush deadlines
  broker_.tick(now);                  // $SYS, when due
  // On whole seconds of the clock, just after the wheel's slots turn: a
  // deadline then fires less than a second after it passed.
  const auto second = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch());
  tick_.expires_at(std::chrono::steady_clock::time_point(second + std::chrono::seconds(1)));
  tick_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopping_) arm_tick();
  });
}

void app::start_demo() {
  // The agents dial the plain MQTT listener on loopback (the first one).
  const auto port = listeners_.front()->local_endpoint().port();
  const bool login = login_->users() && login_->users()->size() > 0;
  demo_->backfill(broker_, house_->database(),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count());
  demo_->start(port, login);
  log_.info() << "demo: three simulated satellites (" << cfg_.data_dir << "/demo/<room>.log); gas alarm in the kitchen: "
              << "echo 0 > " << demo_->gas_trigger_path("kitchen") << " (echo 1 clears it)";
}

void app::start_site() {
  // One set of users: the --password-file, shared with MQTT; without one,
  // web-only users in the data directory (MQTT then stays on its loopback
  // and anonymous rules).
  const std::string path = web::web_password_path(cfg_);  // the rule `hearthd token` follows too
  web_users_ = std::make_unique<web::user_directory>(path, cfg_.data_dir);
  if (!cfg_.password_file.empty())
    web_users_->on_users_changed([this](auto users) { login_->set_users(broker_users(std::move(users))); });
  first_password_ = web::make_first_user(*web_users_);
  site_ = std::make_unique<web::api_site>(ioc_, log_, *house_, broker_, *web_users_, cfg_.data_dir);
  if (!cfg_.acl_file.empty()) site_->set_acl(mqtt::acl::load(cfg_.acl_file));
  site_->mount(*web_);
}

void app::announce_site() {
  const bool tls = web_->https_endpoint().has_value();
  const auto ep = tls ? *web_->https_endpoint() : *web_->http_endpoint();
  const std::string host = ep.address().is_unspecified() ? "127.0.0.1" : ep.address().to_string();
  const std::string url = std::string(tls ? "https://" : "http://") +
                          (ep.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(ep.port()) + "/";
  if (first_password_) {
    // Shown once: only its hash is kept.
    log_.warn() << "first start: open " << url << " and log in as admin with password " << *first_password_
                << " (shown only now; add users and change passwords on the Users page)";
  } else if (cfg_.demo) {
    std::string admin;
    for (const auto& u : web_users_->list())
      if (u.role == web::role::admin) {
        admin = u.user;
        break;
      }
    log_.info() << "demo: open " << url << " and log in as " << admin << " (a user of " << web_users_->password_path()
                << ")";
  } else {
    log_.info() << "web: " << url;
  }
}

std::shared_ptr<const core::password_file> app::broker_users(std::shared_ptr<const core::password_file> users) const {
  if (!demo_) return users;
  auto with_demo = std::make_shared<core::password_file>(*users);
  demo_->add_credentials(*with_demo);
  return with_demo;
}

}  // namespace hearth
