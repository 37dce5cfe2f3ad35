// hearth-agent's runtime: construction, timers, sampling, signals, shutdown.
// The MQTT side (connection events, outbox pump, commands) is in agent_mqtt.cpp.
#include "hearth/agent/agent.hpp"

#include <filesystem>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>

namespace hearth::agent {
namespace {

using namespace std::chrono_literals;

std::vector<relay_rule> rules_of(const agent_config& cfg) {
  std::vector<relay_rule> rules;
  for (const auto& a : cfg.actuators) rules.push_back({a.name, a.safe_on, a.max_on, a.on_gas});
  return rules;
}

client_settings session_settings(const agent_config& cfg) {
  client_settings s;
  s.client_id = "hearth-agent-" + cfg.node;
  s.username = cfg.central.username;
  s.password = cfg.central.password;
  s.keepalive = cfg.central.keepalive;
  s.will = mqtt::will_message{cfg.prefix + "/" + cfg.node + "/status", "offline", 1, true};
  // A persistent session: commands sent during a short outage are delivered
  // on reconnect, and our unacknowledged publishes are re-sent with DUP.
  s.clean_session = false;
  s.max_inflight = 16;
  s.subscriptions = {{cfg.prefix + "/" + cfg.node + "/relay/+/set", 1}};
  return s;
}

std::string outbox_path(const agent_config& cfg) {
  std::filesystem::create_directories(cfg.state_dir);
  return cfg.state_dir + "/outbox.sqlite";
}

}  // namespace

agent::agent(net::io_context& ioc, agent_config cfg, core::logger& log, simulation* sim)
    : ioc_(ioc),
      cfg_(std::move(cfg)),
      log_(log),
      sim_(sim),
      gpio_(hal::make_gpio_backend(cfg_.gpio, cfg_.sysfs_root)),
      sampler_(cfg_, clock_),
      failsafe_(rules_of(cfg_)),
      outbox_(outbox_path(cfg_), cfg_.queue_max),
      session_(session_settings(cfg_)),
      backoff_(cfg_.central.reconnect_min, cfg_.central.reconnect_max),
      rng_(std::random_device{}()),
      tick_timer_(ioc.get_executor()),
      sample_timer_(ioc.get_executor()),
      reconnect_timer_(ioc.get_executor()),
      stop_timer_(ioc.get_executor()),
      signals_(ioc.get_executor(), SIGINT, SIGTERM) {
  std::vector<std::string> errors;
  outputs_ = std::make_unique<outputs>(cfg_.actuators, *gpio_, errors);
  inputs_ = std::make_unique<inputs>(cfg_.sensors, *gpio_, errors);
  for (const auto& e : errors) log_.error() << "hardware: " << e;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& c : failsafe_.safe_states()) {
    failsafe_.applied(c.name, c.on, now);
    dirty_relays_.insert(c.name);
  }
  inputs_->poll(now);  // so the first reading has the inputs' levels
  if (cfg_.central.tls) tls_ = make_tls_context(cfg_.central);
  log_.info() << "hearth-agent " << cfg_.node << ": gpio " << gpio_->name() << " under '" << cfg_.sysfs_root
              << "', " << cfg_.sensors.size() << " sensors, " << cfg_.actuators.size() << " actuators, outbox "
              << outbox_.size() << " queued (" << outbox_.dropped() << " dropped so far)";
}

agent::~agent() { worker_.join(); }

std::int64_t agent::unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int agent::run() {
  signals_.async_wait([this](std::error_code ec, int sig) {
    if (ec) return;
    log_.info() << "signal " << sig << ": outputs to their safe state, shutting down";
    stop();
  });
  last_sim_step_ = std::chrono::steady_clock::now();
  connect();
  arm_tick();
  // The first reading right away, then every publish_interval.
  sample_timer_.expires_after(0s);
  arm_sample();
  ioc_.run();
  return 0;
}

void agent::arm_tick() {
  tick_timer_.expires_after(50ms);
  tick_timer_.async_wait([this](std::error_code ec) {
    if (ec || stopping_) return;
    on_tick();
    arm_tick();
  });
}

void agent::on_tick() {
  const auto now = std::chrono::steady_clock::now();
  if (sim_ && now - last_sim_step_ >= 1s) {
    sim_->room->step(std::chrono::duration<double>(now - last_sim_step_).count());
    last_sim_step_ = now;
  }
  for (const auto& change : inputs_->poll(now)) {
    log_.info() << "input " << change.id << " (" << change.kind << ") " << (change.active ? "active" : "inactive");
    if (change.kind == "gas") set_gas(change.id, change.active, change.active ? 1 : 0);
    auto values = inputs_->values();
    queue_reading(change.kind, values[change.kind]);
  }
  for (const auto& c : failsafe_.tick(now)) apply(c);
  session_.tick(now);
  handle_session_events();
}

void agent::arm_sample() {
  sample_timer_.async_wait([this](std::error_code ec) {
    if (ec || stopping_) return;
    sample_timer_.expires_after(cfg_.publish_interval);
    arm_sample();
    if (sampling_) return;  // the previous round is still reading (slow bus)
    sampling_ = true;
    net::post(worker_, [this] {
      auto batch = sampler_.sample();
      net::post(ioc_, [this, b = std::move(batch)]() mutable { on_samples(std::move(b)); });
    });
  });
}

void agent::on_samples(sample_batch b) {
  sampling_ = false;
  if (stopping_) return;
  for (const auto& p : b.problems) log_.warn() << "sensor " << p;
  for (const auto& [kind, values] : inputs_->values()) {
    auto& v = b.by_kind[kind];
    v.insert(v.end(), values.begin(), values.end());
  }
  for (const auto& s : cfg_.sensors) {
    if (s.type != sensor_type::adc || !s.alarm_above) continue;
    for (const auto& [id, v] : b.by_kind[s.kind])
      if (id == s.id && v) set_gas(s.id, *v > *s.alarm_above, *v);
  }
  for (const auto& [kind, values] : b.by_kind)
    if (!values.empty()) queue_reading(kind, values);
}

void agent::queue_reading(const std::string& kind, const sensor_values& values) {
  try {
    outbox_.push(topic(kind), reading_payload(values, unix_ms()));
  } catch (const std::exception& e) {
    log_.error() << "outbox: " << e.what();
  }
  pump();
}

void agent::set_gas(const std::string& sensor, bool detected, double value) {
  bool& was = gas_sources_[sensor];
  if (was == detected) return;
  was = detected;
  bool any = false;
  for (const auto& [id, on] : gas_sources_) any = any || on;
  log_.warn() << "gas " << (detected ? "detected" : "cleared") << " by " << sensor;
  alarms_.emplace_back(topic("alarm"), alarm_payload("gas", sensor, detected, value, unix_ms()));
  for (const auto& c : failsafe_.gas(any)) apply(c);
}

void agent::apply(const relay_change& c) {
  const auto ec = outputs_->set(c.name, c.on);
  if (ec) {
    log_.error() << "relay " << c.name << ": cannot switch " << (c.on ? "on" : "off") << " (" << c.reason
                 << "): " << ec.message();
  } else {
    failsafe_.applied(c.name, c.on, std::chrono::steady_clock::now());
    log_.info() << "relay " << c.name << " " << (c.on ? "on" : "off") << " (" << c.reason << ")";
  }
  dirty_relays_.insert(c.name);  // confirm what the hardware is now, switched or not
}

void agent::stop() {
  if (stopping_) return;
  stopping_ = true;
  for (const auto& c : failsafe_.safe_states()) apply(c);
  tick_timer_.cancel();
  sample_timer_.cancel();
  reconnect_timer_.cancel();
  signals_.cancel();
  if (conn_ && session_.state() == client_state::up) {
    // The will is not sent after a DISCONNECT, so say "offline" ourselves.
    pump();
    session_.publish(topic("status"), "offline", 1, true, std::chrono::steady_clock::now());
    session_.disconnect();
    flush();
    conn_->close(true);
  } else if (conn_) {
    conn_->close(false);
    conn_.reset();
  }
  // A moment for the last bytes to leave and the central to close its side,
  // then stop whatever is left.
  stop_deadline_ = std::chrono::steady_clock::now() + 2s;
  wait_for_close();
}

void agent::wait_for_close() {
  if (!conn_ || conn_->finished() || std::chrono::steady_clock::now() >= stop_deadline_) {
    ioc_.stop();
    return;
  }
  stop_timer_.expires_after(20ms);
  stop_timer_.async_wait([this](std::error_code) { wait_for_close(); });
}

}  // namespace hearth::agent
