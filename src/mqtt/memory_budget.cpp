// The broker-wide memory budget (broker.hpp): max_memory_bytes bounds the
// messages held in queues, windows and the retained store, each counted once
// (message_meter).
//
// Past the budget, in order of cost to the clients: new retained messages are
// refused (persist.cpp, broker::retain), QoS 0 messages are no longer queued
// (delivery.cpp), and the publishers of QoS 1/2 messages are paused, the way
// a congested subscriber pauses them (backpressure.cpp), until the held bytes
// are back under 7/8 of the budget. Waiting is bounded by
// backpressure_timeout: a budget filled by sessions that never drain (a
// client away for good) must not stop the house, so after it the publishers
// go on and QoS 1/2 messages that would have to be queued are dropped and
// counted until the budget has room again. The budget is soft by what the
// paused publishers had already read: at most one read turn each.
#include <algorithm>

#include "hearth/mqtt/broker.hpp"

namespace hearth::mqtt {

void broker::wait_for_memory(client& publisher) {
  if (publisher.waits_for_memory || publisher.ended) return;
  if (cfg_.session.backpressure_timeout.count() == 0) {
    memory_lossy_ = true;  // never wait, as with backpressure
    return;
  }
  if (memory_waiters_.empty()) over_budget_since_ = now_;
  publisher.waits_for_memory = true;
  memory_waiters_.push_back(&publisher);
  if (publisher.blocked_on.empty()) {
    ++stats_.publishers_paused;
    log_.debug() << "mqtt '" << publisher.client_id << "': paused, the memory budget is used up";
    publisher.transport->pause_reading();
  }
}

void broker::release_memory_waiters() {
  std::vector<client*> waiters = std::move(memory_waiters_);
  memory_waiters_.clear();
  for (client* p : waiters) {
    p->waits_for_memory = false;
    if (p->blocked_on.empty() && !p->ended) p->transport->resume_reading();
  }
}

void broker::check_memory() {
  if (!cfg_.max_memory_bytes) return;
  const bool low = meter_.bytes <= cfg_.max_memory_bytes / 8 * 7;
  if (low) {
    memory_warned_ = false;
    if (memory_lossy_) {
      memory_lossy_ = false;
      log_.info() << "mqtt: memory budget has room again (" << meter_.bytes << " bytes held)";
    }
    if (!memory_waiters_.empty()) release_memory_waiters();
    return;
  }
  if (!memory_waiters_.empty() && now_ - over_budget_since_ >= cfg_.session.backpressure_timeout) {
    log_.warn() << "mqtt: memory budget still used up after " << cfg_.session.backpressure_timeout.count()
                << " s (" << meter_.bytes << " bytes held): publishers go on, and QoS 1/2 messages that would "
                << "have to be queued are dropped until it has room";
    memory_lossy_ = true;
    release_memory_waiters();
  }
}

}  // namespace hearth::mqtt
