// In-process publication and the $SYS/broker/... statistics, with the topic
// names Mosquitto uses so that existing dashboards work unchanged.
#include <cstddef>
#include <string>
#include <system_error>
#include <utility>

#include "hearth/mqtt/broker.hpp"
#include "hearth/mqtt/publish_check.hpp"

namespace hearth::mqtt {

std::error_code broker::publish(std::string_view topic, std::string_view payload, std::uint8_t qos,
                                bool retain) {
  if (std::error_code ec = check_publish(topic, payload.size(), qos)) return ec;
  auto m = make_message(topic, payload, qos, retain);
  if (retain) keep_retained(m);
  route(m, nullptr);
  return {};
}

void broker::tick(clock::time_point now) {
  now_ = now;
  if (!started_) started_ = now;
  if (!congested_.empty()) check_backpressure();
  check_memory();
  if (cfg_.session.expiry.count() > 0 && !away_.empty()) expire_sessions();
  if (cfg_.sys_interval.count() == 0) return;
  if (last_sys_ != clock::time_point{} && now - last_sys_ < cfg_.sys_interval) return;
  last_sys_ = now;
  publish_sys();
}

void broker::expire_sessions() {
  std::vector<session*> expired;
  for (auto& [s, since] : away_) {
    if (since == clock::time_point{}) since = now_;
    if (now_ - since >= cfg_.session.expiry) expired.push_back(s);
  }
  for (session* s : expired) {
    log_.info() << "mqtt '" << s->client_id() << "': persistent session expired after "
                << cfg_.session.expiry.count() << " s without its client (" << s->queued_count()
                << " queued messages dropped)";
    ++stats_.sessions_expired;
    discard_session(*s);  // destroys s
  }
}

void broker::publish_sys() {
  using std::to_string;
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(now_ - *started_).count();
  std::size_t queued = 0;
  for (const auto& s : sessions_) queued += s->queued_count() + s->inflight().size();

  const std::pair<const char*, std::string> values[] = {
      {"$SYS/broker/version", "hearth version " + cfg_.version},
      {"$SYS/broker/uptime", to_string(uptime) + " seconds"},
      {"$SYS/broker/clients/connected", to_string(stats_.clients_connected)},
      {"$SYS/broker/clients/active", to_string(stats_.clients_connected)},
      {"$SYS/broker/clients/total", to_string(sessions_.size())},
      {"$SYS/broker/clients/maximum", to_string(stats_.clients_maximum)},
      {"$SYS/broker/clients/expired", to_string(stats_.sessions_expired)},
      {"$SYS/broker/connections/total", to_string(stats_.connections_total)},
      {"$SYS/broker/messages/received", to_string(stats_.messages_received)},
      {"$SYS/broker/messages/sent", to_string(stats_.messages_sent)},
      {"$SYS/broker/messages/stored", to_string(queued + retained_.size())},
      {"$SYS/broker/publish/messages/received", to_string(stats_.publish_received)},
      {"$SYS/broker/publish/messages/sent", to_string(stats_.publish_sent)},
      {"$SYS/broker/publish/messages/dropped", to_string(stats_.publish_dropped)},
      {"$SYS/broker/publish/messages/denied", to_string(stats_.publish_denied)},
      {"$SYS/broker/publish/publishers/paused", to_string(stats_.publishers_paused)},
      {"$SYS/broker/publish/subscribers/stalled", to_string(stats_.subscribers_stalled)},
      {"$SYS/broker/load/bytes/received", to_string(stats_.bytes_received)},
      {"$SYS/broker/load/bytes/sent", to_string(stats_.bytes_sent)},
      {"$SYS/broker/bytes/received", to_string(stats_.bytes_received)},
      {"$SYS/broker/bytes/sent", to_string(stats_.bytes_sent)},
      {"$SYS/broker/retained messages/count", to_string(retained_.size())},
      {"$SYS/broker/subscriptions/count", to_string(tree_.subscription_count())},
      {"$SYS/broker/protocol/errors", to_string(stats_.protocol_errors)},
      // The memory budget (memory_budget.cpp) and the persistence layer.
      {"$SYS/broker/store/messages/count", to_string(meter_.count)},
      {"$SYS/broker/store/messages/bytes", to_string(meter_.bytes)},
      {"$SYS/broker/store/memory/limit", to_string(cfg_.max_memory_bytes)},
      {"$SYS/broker/store/retained/count", to_string(retained_.size())},
      {"$SYS/broker/store/retained/bytes", to_string(retained_.payload_bytes())},
      {"$SYS/broker/store/retained/refused", to_string(stats_.retained_refused)},
      {"$SYS/broker/store/commits", to_string(stats_.commits)},
  };
  for (const auto& [topic, value] : values) {
    // Like Mosquitto, only values that changed are published again; they are
    // retained, so a new subscriber still sees every one.
    auto it = sys_last_.find(topic);
    if (it != sys_last_.end() && it->second == value) continue;
    sys_last_[topic] = value;
    publish(topic, value, 0, true);  // fixed, valid topics: cannot fail
  }
}

}  // namespace hearth::mqtt
