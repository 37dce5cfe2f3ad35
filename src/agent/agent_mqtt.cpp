// hearth-agent's MQTT side: connecting with back-off, feeding the client
// session, the outbox pump (readings leave the disk only when PUBACKed),
// relay states, alarms and commands.
#include <boost/asio/ssl/context.hpp>

#include "hearth/agent/agent.hpp"

namespace hearth::agent {

using namespace std::chrono_literals;

void agent::connect() {
  if (stopping_) return;
  log_.debug() << "connecting to " << cfg_.central.host << ":" << cfg_.central.port << (tls_ ? " (TLS)" : "");
  conn_ = make_connection(ioc_, cfg_.central, tls_, *this, 10s);
  conn_->start();
}

void agent::schedule_reconnect() {
  if (stopping_) return;
  const auto delay = backoff_.next(rng_);
  log_.info() << "reconnecting in " << delay.count() << " ms (attempt " << backoff_.attempts() << "), "
              << outbox_.size() << " readings queued";
  reconnect_timer_.expires_after(delay);
  reconnect_timer_.async_wait([this](std::error_code ec) {
    if (!ec) connect();
  });
}

void agent::on_connection_up() {
  session_.on_transport_up(std::chrono::steady_clock::now());
  handle_session_events();
}

void agent::on_connection_bytes(std::string_view bytes) {
  session_.on_bytes(bytes, std::chrono::steady_clock::now());
  handle_session_events();
}

void agent::on_connection_down(std::error_code why) {
  log_.warn() << "central " << cfg_.central.host << ":" << cfg_.central.port << ": " << why.message();
  conn_.reset();
  session_.on_transport_down();
  prefetch_.clear();
  schedule_reconnect();
}

void agent::flush() {
  auto out = session_.take_output();
  if (conn_ && !out.empty()) conn_->write(std::move(out));
}

void agent::handle_session_events() {
  for (auto& e : session_.take_events()) {
    switch (e.what) {
      case client_event::kind::connected:
        log_.info() << "connected to " << cfg_.central.host << ":" << cfg_.central.port
                    << (e.session_present ? " (session resumed)" : "") << ", " << outbox_.size()
                    << " readings queued";
        backoff_.reset();
        alarms_.emplace_front(topic("status"), "online");
        for (const auto& a : cfg_.actuators) dirty_relays_.insert(a.name);
        break;
      case client_event::kind::refused:
        log_.error() << "central refused the connection (CONNACK code " << static_cast<int>(e.code) << ")";
        break;
      case client_event::kind::subscribed:
        for (auto rc : e.return_codes)
          if (rc == mqtt::suback_failure) log_.error() << "central refused the command subscription";
        break;
      case client_event::kind::message:
        on_message(e.topic, e.payload);
        break;
      case client_event::kind::acknowledged:
        if (auto it = inflight_rows_.find(e.packet_id); it != inflight_rows_.end()) {
          try {
            outbox_.remove(it->second);
          } catch (const std::exception& ex) {
            log_.error() << "outbox: " << ex.what();
          }
          inflight_rows_.erase(it);
        }
        break;
      case client_event::kind::close_transport:
        if (e.error) log_.warn() << "closing the connection: " << e.error.message();
        flush();
        if (conn_) conn_->close(true);
        conn_.reset();
        session_.on_transport_down();
        prefetch_.clear();
        schedule_reconnect();
        break;
    }
  }
  pump();
}

void agent::pump() {
  const auto now = std::chrono::steady_clock::now();
  while (session_.state() == client_state::up && !session_.window_full()) {
    // Status, alarms and relay states first: small, retained, and what a
    // user is waiting for; then readings, oldest first.
    if (!alarms_.empty()) {
      if (!session_.publish(alarms_.front().first, alarms_.front().second, 1, true, now)) break;
      alarms_.pop_front();
      continue;
    }
    if (!dirty_relays_.empty()) {
      const std::string name = *dirty_relays_.begin();
      const bool on = failsafe_.state(name).value_or(false);
      if (!session_.publish(topic("relay/" + name), on ? "on" : "off", 1, true, now)) break;
      dirty_relays_.erase(dirty_relays_.begin());
      continue;
    }
    if (prefetch_.empty()) {
      try {
        auto rows = outbox_.next(cursor_, 64);
        prefetch_.assign(rows.begin(), rows.end());
      } catch (const std::exception& e) {
        log_.error() << "outbox: " << e.what();
      }
      if (prefetch_.empty()) break;
    }
    const auto& m = prefetch_.front();
    const auto id = session_.publish(m.topic, m.payload, 1, false, now);
    if (!id) break;
    inflight_rows_[*id] = m.id;
    cursor_ = m.id;
    prefetch_.pop_front();
  }
  flush();
}

void agent::on_message(const std::string& t, const std::string& payload) {
  // home/<node>/relay/<name>/set
  const std::string head = topic("relay/");
  const std::string tail = "/set";
  if (t.size() <= head.size() + tail.size() || t.compare(0, head.size(), head) != 0 ||
      t.compare(t.size() - tail.size(), tail.size(), tail) != 0) {
    log_.warn() << "ignoring a message on " << t;
    return;
  }
  const std::string name = t.substr(head.size(), t.size() - head.size() - tail.size());
  std::string verb;
  for (char c : payload)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') verb.push_back(static_cast<char>(std::tolower(c)));
  std::string why;
  const auto change = failsafe_.command(name, verb, why);
  if (!change) {
    log_.warn() << "command " << t << " '" << payload.substr(0, 32) << "' refused: " << why;
    if (failsafe_.state(name)) dirty_relays_.insert(name);  // re-state the truth
    return;
  }
  apply(*change);
}

}  // namespace hearth::agent
