// The output gate of "ack after commit" (broker.hpp, persistence.hpp).
//
// While the persistence layer holds an uncommitted batch, nothing leaves the
// broker: every packet (and every close) for a client is kept in the
// client's `held` list, in order, and sent when commit() has made the batch
// durable. A client that already has something held keeps queueing behind
// it, so the order of its packets never changes. When no batch is open the
// gate costs one branch per packet.
//
// Holding everything, not just the acknowledgement of a stored message, is
// what makes "exactly once" survive a crash: a QoS 2 PUBLISH to a
// subscriber, a PUBREL, a PUBCOMP or a SUBACK that went out before its state
// was durable would be repeated, or contradicted, after a restart.
//
// One exception keeps a persistent subscriber fast: a PUBLISH of a QoS 0 or
// QoS 1 message goes out at once when nothing is held for its client. A
// crash can then make it arrive twice (its publisher, never acknowledged,
// sends it again), which is what "at least once" allows anyway; without the
// exception every window of a persistent subscriber would wait for an fsync.
// A message published at QoS 2, whatever the QoS of the delivery, always
// waits: it must not arrive twice.
#include <algorithm>

#include "hearth/mqtt/broker.hpp"

namespace hearth::mqtt {

namespace {

held_output& hold_entry(client& c, std::vector<client*>& gated, held_output::kind what) {
  if (c.held.empty()) gated.push_back(&c);
  held_output& h = c.held.emplace_back();
  h.what = what;
  return h;
}

}  // namespace

broker::hold_scope::hold_scope(broker& b, bool on) {
  if (on && b.persist_ && b.cfg_.ack_after_commit) {
    b_ = &b;
    ++b.holding_;
  }
}

broker::hold_scope::~hold_scope() {
  if (b_ && --b_->holding_ == 0 && !b_->persist_->pending()) b_->release_held();
}

bool broker::gated(const client& c) const noexcept {
  if (!c.held.empty()) return true;
  if (!persist_ || !cfg_.ack_after_commit) return false;
  return holding_ > 0 || persist_->pending();
}

void broker::emit(client& c, std::string_view bytes) {
  if (!gated(c)) return c.transport->send(bytes);
  hold_entry(c, gated_, held_output::kind::bytes).bytes.assign(bytes);
}

bool broker::emit_publish(client& c, const message_ptr& m, std::uint8_t qos, bool retain, bool dup, std::uint16_t id) {
  if (!gated(c) || (c.held.empty() && m->qos < 2)) return c.transport->send_publish(m, qos, retain, dup, id);
  held_output& h = hold_entry(c, gated_, held_output::kind::publish);
  h.msg = m;
  h.qos = qos;
  h.retain = retain;
  h.dup = dup;
  h.packet_id = id;
  return true;  // a QoS 0 message the link refuses later is counted then
}

void broker::emit_close(client& c, std::error_code why) {
  if (!gated(c)) return c.transport->close(why);
  hold_entry(c, gated_, held_output::kind::close).why = why;
}

void broker::forget_held(client& c) {
  if (c.held.empty()) return;
  c.held.clear();
  gated_.erase(std::remove(gated_.begin(), gated_.end(), &c), gated_.end());
}

void broker::release_held() {
  // Links never call back into the broker from send() or close(), so the
  // lists cannot change under the loop.
  std::vector<client*> clients = std::move(gated_);
  gated_.clear();
  for (client* c : clients) {
    std::vector<held_output> held = std::move(c->held);
    c->held.clear();
    link& l = *c->transport;
    for (held_output& h : held) {
      switch (h.what) {
        case held_output::kind::bytes: l.send(h.bytes); break;
        case held_output::kind::publish:
          if (!l.send_publish(h.msg, h.qos, h.retain, h.dup, h.packet_id)) ++stats_.publish_dropped;
          break;
        case held_output::kind::close: l.close(h.why); break;
      }
    }
  }
}

void broker::commit() {
  if (persist_ && persist_->pending()) {
    persist_->commit();  // throws: nothing held goes out
    ++stats_.commits;
  }
  if (holding_ == 0) release_held();
}

}  // namespace hearth::mqtt
