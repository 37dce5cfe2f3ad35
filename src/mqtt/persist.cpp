// The broker's side of persistence (persistence.hpp): reporting changes of
// persistent state, and rebuilding it at start-up.
#include <string_view>

#include "hearth/mqtt/broker.hpp"

namespace hearth::mqtt {

namespace {

bool is_sys(std::string_view topic) { return topic == "$SYS" || topic.substr(0, 5) == "$SYS/"; }

}  // namespace

void broker::persist_queued(session& s, const delivery& d) {
  if (!persistent(s) || d.qos == 0) return;
  persist_->delivery_stored(s, stored_delivery{d.seq, d.msg, d.qos, d.retain, 0, flight_state::awaiting_puback});
}

void broker::persist_flight(session& s, const flight& f) {
  if (!persistent(s) || f.d.qos == 0) return;
  persist_->delivery_stored(s, stored_delivery{f.d.seq, f.d.msg, f.d.qos, f.d.retain, f.packet_id, f.state});
}

void broker::persist_removed(session& s, std::uint64_t seq) {
  if (persistent(s)) persist_->delivery_removed(s, seq);
}

void broker::keep_retained(const message_ptr& m) {
  const bool sys = is_sys(m->topic);  // regenerated, never stored nor refused
  const message_ptr* old = retained_.find(m->topic);
  if (!m->payload.empty() && !sys && cfg_.max_memory_bytes) {
    const std::size_t size = message_meter::size_of(*m);
    const bool grows = !old || size > message_meter::size_of(**old);
    if (grows && meter_.bytes + size > cfg_.max_memory_bytes) {
      ++stats_.retained_refused;
      if (!memory_warned_) {
        memory_warned_ = true;
        log_.warn() << "mqtt: memory budget of " << cfg_.max_memory_bytes << " bytes reached (" << meter_.bytes
                    << " held): retained messages are refused, QoS 0 messages not queued";
      }
      log_.debug() << "mqtt: retained message on " << m->topic << " refused, over the memory budget";
      return;
    }
  }
  const bool had = old != nullptr;
  retained_.put(m);
  if (!persist_ || sys) return;
  if (!m->payload.empty()) persist_->retained_set(m);
  else if (had) persist_->retained_cleared(m->topic);
}

void broker::restore(restored_state state) {
  for (const auto& m : state.retained) retained_.put(m);
  for (auto& rs : state.sessions) {
    auto s = std::make_unique<session>(rs.client_id, false, &meter_);
    s->username = std::move(rs.username);
    for (const auto& [filter, qos] : rs.subscriptions) {
      tree_.subscribe(filter, s.get(), qos);
      s->subscriptions[filter] = qos;
    }
    for (auto& d : rs.deliveries) {
      delivery dv{std::move(d.msg), d.qos, d.retain, d.seq};
      if (d.packet_id != 0) s->restore_flight(flight{d.packet_id, d.state, std::move(dv)});
      else s->restore_queued(std::move(dv));
    }
    for (auto& [id, m] : rs.incoming_qos2) s->incoming_qos2.emplace(id, std::move(m));
    // A later record of the same id replaces an earlier one.
    if (auto old = sessions_.find(s->client_id()); old != sessions_.end()) {
      away_.erase(old->get());
      sessions_.erase(old);
    }
    away_[s.get()] = clock::time_point{};  // away since the restart, counted from the first tick
    sessions_.insert(std::move(s));
  }
  log_.info() << "mqtt: restored " << retained_.size() << " retained messages and " << state.sessions.size()
              << " persistent sessions (" << meter_.count << " messages, " << meter_.bytes << " bytes)";
}

}  // namespace hearth::mqtt
