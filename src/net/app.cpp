#include "hearth/net/app.hpp"

#include <csignal>
#include <filesystem>
#include <stdexcept>

#include "hearth/mqtt/acl.hpp"
#include "hearth/net/local_client.hpp"
#include "hearth/net/mqtt_listener.hpp"

namespace hearth {

namespace {

mqtt::broker_config broker_settings(const core::config& cfg) {
  mqtt::broker_config b;
  b.session.max_inflight = cfg.mqtt.max_inflight;
  b.session.max_queued_messages = cfg.mqtt.max_queued_messages;
  b.session.max_queued_bytes = cfg.mqtt.max_queued_bytes;
  b.session.max_incoming_qos2 = cfg.mqtt.max_incoming_qos2;
  b.session.backpressure_timeout = cfg.mqtt.backpressure_timeout;
  b.sys_interval = cfg.mqtt.sys_interval;
  b.version = HEARTH_VERSION;  // $SYS/broker/version adds "hearth version "
  return b;
}

connection_limits transport_limits(const core::config& cfg) {
  connection_limits l;
  l.max_packet_size = cfg.mqtt.max_packet_size;
  l.connect_timeout = cfg.mqtt.connect_timeout;
  l.write_queue.soft_bytes = cfg.mqtt.write_queue_soft_bytes;
  l.write_queue.hard_bytes = cfg.mqtt.write_queue_hard_bytes;
  return l;
}

bool is_loopback_peer(std::string_view peer) {
  return peer.starts_with("127.") || peer.starts_with("[::1]") || peer.starts_with("[::ffff:127.") ||
         peer.starts_with("local:");
}

// Until user accounts exist (a later version), anonymous clients are
// accepted from the loopback address, as Mosquitto does in its local-only
// default, and from anywhere only with --allow-anonymous.
mqtt::authenticator make_authenticator(bool allow_anonymous) {
  return [allow_anonymous](const mqtt::connect_packet&, std::string_view peer) {
    if (allow_anonymous || is_loopback_peer(peer)) return mqtt::connack_code::accepted;
    return mqtt::connack_code::not_authorized;
  };
}

}  // namespace

app::app(core::config cfg, core::logger& log)
    : cfg_(std::move(cfg)),
      log_(log),
      broker_(broker_settings(cfg_), log),
      transport_(broker_, log, transport_limits(cfg_)),
      signals_(ioc_.get_executor(), SIGINT, SIGTERM),
      tick_(ioc_.get_executor()) {
  std::error_code ec;
  std::filesystem::create_directories(cfg_.data_dir, ec);
  if (ec) throw std::runtime_error("cannot create the data directory " + cfg_.data_dir + ": " + ec.message());

  broker_.set_authenticator(make_authenticator(cfg_.allow_anonymous));
  if (!cfg_.acl_file.empty()) {
    try {
      broker_.set_acl(mqtt::acl::load(cfg_.acl_file));
    } catch (const std::exception& e) {
      throw core::config_error(std::string("acl_file: ") + e.what());
    }
  }

  const auto address = net::ip::make_address(cfg_.mqtt.listen.host);  // validated by the config
  auto listener = std::make_shared<mqtt_listener>(ioc_, transport_, tcp::endpoint(address, cfg_.mqtt.listen.port));
  listener->run();
  listeners_.push_back(std::move(listener));
}

app::~app() = default;

std::vector<tcp::endpoint> app::mqtt_endpoints() const {
  std::vector<tcp::endpoint> out;
  for (const auto& l : listeners_) out.push_back(l->local_endpoint());
  return out;
}

int app::run() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) { on_signal(ec, signo); });
  arm_tick();
  if (cfg_.demo) start_demo();
  run_loop();
  return 0;
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

void app::stop() {
  if (stopping_) return;
  stopping_ = true;
  for (const auto& l : listeners_) l->stop();
  if (demo_client_) demo_client_->disconnect();
  transport_.close_all(std::make_error_code(std::errc::operation_canceled));
  tick_.cancel();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
}

void app::arm_tick() {
  broker_.tick(std::chrono::steady_clock::now());  // $SYS, when due
  tick_.expires_after(std::chrono::seconds(1));
  tick_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopping_) arm_tick();
  });
}

void app::start_demo() {
  // At this milestone the demo is the broker itself, with a retained status
  // message so that a first subscriber sees something at once.
  demo_client_ = std::make_shared<local_client>(ioc_, broker_);
  if (demo_client_->connect("hearthd-demo", true) == mqtt::connack_code::accepted)
    demo_client_->publish("home/demo/status", "online", 1, true);
  for (const auto& ep : mqtt_endpoints()) {
    const std::string host = ep.address().is_unspecified() ? "127.0.0.1" : ep.address().to_string();
    log_.info() << "demo: try it: mosquitto_sub -h " << host << " -p " << ep.port() << " -t '#' -v"
                << "   and: mosquitto_pub -h " << host << " -p " << ep.port() << " -t home/demo/hello -m hi";
  }
}

}  // namespace hearth
