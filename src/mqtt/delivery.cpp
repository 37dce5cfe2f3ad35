// Routing a message to the sessions whose subscriptions match it, and the
// outbound QoS 1/2 window of each session (MQTT 3.1.1 sections 4.3-4.6).
#include <algorithm>
#include <cassert>

#include "hearth/mqtt/broker.hpp"
#include "hearth/mqtt/codec.hpp"

namespace hearth::mqtt {

void broker::route(const message_ptr& m, client* from) {
  // Links never call back into the broker synchronously, so route() is not
  // re-entered and the scratch vectors can be reused across calls.
  matches_.clear();
  targets_.clear();
  tree_.match(m->topic, matches_);

  // A session with overlapping subscriptions gets one copy, at the highest
  // granted QoS of the matching filters (MQTT-3.3.5-1).
  const std::uint64_t epoch = ++epoch_;
  for (const auto& match : matches_) {
    session* s = match.subscriber;
    if (s->match_epoch != epoch) {
      s->match_epoch = epoch;
      s->match_qos = match.qos;
      targets_.push_back(s);
    } else {
      s->match_qos = std::max(s->match_qos, match.qos);
    }
  }
  for (session* s : targets_) {
    if (acl_ && !acl_->can_read(identity_of(*s), m->topic)) continue;
    deliver(*s, delivery{m, std::min(m->qos, s->match_qos), false}, from);
  }
  // Over the memory budget, whoever publishes QoS 1/2 waits for it to drain.
  if (from && m->qos > 0 && over_budget() && !memory_lossy_) wait_for_memory(*from);
}

bool broker::enqueue(session& s, delivery d) {
  if (over_budget() && (d.qos == 0 || memory_lossy_)) {
    ++stats_.publish_dropped;
    return false;
  }
  if (!s.enqueue(std::move(d), cfg_.session)) {
    ++stats_.publish_dropped;
    return false;
  }
  persist_queued(s, s.last_queued());
  return true;
}

void broker::start_flight(session& s, delivery d) {
  const flight& f = s.start_flight(std::move(d));
  persist_flight(s, f);
  send_flight(s, f, false);
}

void broker::deliver(session& s, delivery d, client* from) {
  const session_limits& limits = cfg_.session;
  if (!s.connection) {
    // Only QoS 1 and 2 messages are kept for a client that is away, as in
    // Mosquitto's default (queue_qos0_messages false).
    if (d.qos == 0) return;
    enqueue(s, std::move(d));
    return;
  }
  if (d.qos == 0) {
    if (emit_publish(*s.connection, d.msg, 0, d.retain, false, 0)) {
      ++stats_.publish_sent;
      ++stats_.messages_sent;
    } else {
      ++stats_.publish_dropped;
    }
    return;
  }
  // Order is kept: nothing overtakes what already waits behind the window.
  // A backlogged link bounds the window in bytes: a window of 32 messages of
  // 1 MB each must not push a connection past its hard limit.
  if (s.has_queued() || s.window_full(limits) || !s.all_flights_sent() || s.connection->transport->backlogged()) {
    if (!enqueue(s, std::move(d))) return;
    // Past the high-water mark the publisher waits for this subscriber,
    // rather than the broker dropping messages it has acknowledged.
    const bool high = s.queued_count() * 2 >= limits.max_queued_messages ||
                      (limits.max_queued_bytes && s.queued_bytes() * 2 >= limits.max_queued_bytes);
    if (from && high && !s.lossy && limits.backpressure_timeout.count() > 0) block(s, *from);
    return;
  }
  start_flight(s, std::move(d));
}

void broker::send_flight(session& s, const flight& f, bool dup) {
  assert(s.connection);
  client& c = *s.connection;
  ++stats_.messages_sent;
  if (f.state == flight_state::awaiting_pubcomp) {
    scratch_.clear();
    encode(ack_packet{packet_type::pubrel, f.packet_id}, scratch_);
    emit(c, scratch_);
    return;
  }
  ++stats_.publish_sent;
  emit_publish(c, f.d.msg, f.d.qos, f.d.retain, dup, f.packet_id);
}

bool broker::resend(session& s) {
  const auto& window = s.inflight();
  while (s.connection && !s.all_flights_sent()) {
    if (s.connection->transport->backlogged()) return false;
    send_flight(s, window[s.sent_flights()], true);
    s.flight_sent();
  }
  return true;
}

void broker::on_drained(client& c) {
  if (c.ended || !c.sess) return;
  pump(*c.sess);
}

void broker::pump(session& s) {
  const session_limits& limits = cfg_.session;
  if (!resend(s)) return;
  while (s.connection && s.has_queued() && !s.window_full(limits) && !s.connection->transport->backlogged()) {
    delivery d = s.pop_queued();
    if (d.qos == 0) {
      if (emit_publish(*s.connection, d.msg, 0, d.retain, false, 0)) ++stats_.publish_sent;
      else ++stats_.publish_dropped;
      continue;
    }
    start_flight(s, std::move(d));
  }
  // Below the low-water mark (a quarter of the bounds) the waiting
  // publishers go on; the hysteresis keeps them from flapping.
  if (s.congested || s.lossy) {
    const bool low = s.queued_count() * 4 <= limits.max_queued_messages &&
                     (!limits.max_queued_bytes || s.queued_bytes() * 4 <= limits.max_queued_bytes);
    if (low) {
      s.lossy = false;
      if (s.congested) release(s);
    }
  }
}

void broker::resume(session& s) {
  // MQTT-4.4.0-1: unacknowledged PUBLISH and PUBREL packets are re-sent on
  // reconnect, in their original order, PUBLISH with DUP set.
  s.connection_changed();
  pump(s);
}

}  // namespace hearth::mqtt
