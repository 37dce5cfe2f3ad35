// Backpressure: a publisher waits for a subscriber that falls behind.
//
// Mosquitto drops QoS 1/2 messages it has already acknowledged once a
// subscriber's queue is full. Hearth instead pauses the publishers that feed
// a congested session (their links stop reading, so TCP pushes back to the
// sender) and resumes them when the queue has drained to its low-water mark.
// A subscriber that makes no progress for backpressure_timeout is declared
// stalled: its publishers go on, and it loses what overflows its queue
// (counted), so one dead client can hold the others up for a bounded time.
// Sessions without a connection never block anyone: their queue is bounded.
// A paused link still reads and hands over acknowledgements and PINGREQ (up
// to a bound), so a paused client keeps draining its own queue: two clients
// that publish to each other both wait, and both go on as they acknowledge.
#include <algorithm>

#include "hearth/mqtt/broker.hpp"

namespace hearth::mqtt {

void broker::block(session& s, client& publisher) {
  if (&publisher == s.connection) return;  // never wait for oneself
  if (!s.congested) {
    s.congested = true;
    s.congested_since = now_;
    congested_.push_back(&s);
  }
  auto& waiting = s.blocked_publishers;
  if (std::find(waiting.begin(), waiting.end(), &publisher) != waiting.end()) return;
  waiting.push_back(&publisher);
  publisher.blocked_on.push_back(&s);
  if (publisher.blocked_on.size() == 1 && !publisher.waits_for_memory) {
    ++stats_.publishers_paused;
    log_.debug() << "mqtt '" << publisher.client_id << "': paused, '" << s.client_id() << "' is behind";
    publisher.transport->pause_reading();
  }
}

void broker::release(session& s) {
  for (client* p : s.blocked_publishers) {
    auto& on = p->blocked_on;
    on.erase(std::remove(on.begin(), on.end(), &s), on.end());
    if (on.empty() && !p->ended && !p->waits_for_memory) p->transport->resume_reading();
  }
  s.blocked_publishers.clear();
  s.congested = false;
  congested_.erase(std::remove(congested_.begin(), congested_.end(), &s), congested_.end());
}

void broker::unblock_client(client& c) {
  for (session* s : c.blocked_on) {
    auto& waiting = s->blocked_publishers;
    waiting.erase(std::remove(waiting.begin(), waiting.end(), &c), waiting.end());
  }
  c.blocked_on.clear();
  if (c.waits_for_memory) {
    c.waits_for_memory = false;
    memory_waiters_.erase(std::remove(memory_waiters_.begin(), memory_waiters_.end(), &c), memory_waiters_.end());
  }
}

void broker::check_backpressure() {
  const auto timeout = cfg_.session.backpressure_timeout;
  // release() edits congested_, so walk a copy.
  std::vector<session*> stalled;
  for (session* s : congested_) {
    // Congested before the first tick: the clock starts now, not at the epoch.
    if (s->congested_since == clock::time_point{}) s->congested_since = now_;
    if (now_ - s->congested_since >= timeout) stalled.push_back(s);
  }
  for (session* s : stalled) {
    ++stats_.subscribers_stalled;
    log_.warn() << "mqtt '" << s->client_id() << "': no progress for " << timeout.count()
                << " s, publishers go on and its overflow is dropped";
    s->lossy = true;
    release(*s);
  }
}

}  // namespace hearth::mqtt
