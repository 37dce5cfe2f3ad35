// SUBSCRIBE and UNSUBSCRIBE (MQTT 3.1.1 sections 3.8-3.11).
#include <algorithm>

#include "hearth/mqtt/broker.hpp"
#include "hearth/mqtt/codec.hpp"
#include "hearth/mqtt/topic.hpp"

namespace hearth::mqtt {

void broker::handle_subscribe(client& c, const subscribe_packet& p) {
  session& s = *c.sess;
  const acl_identity who = identity_of(s);
  suback_packet ack{p.packet_id, {}};
  ack.return_codes.reserve(p.topics.size());
  for (const auto& t : p.topics) {
    // An invalid or forbidden filter fails on its own (SUBACK 0x80); the
    // connection and the packet's other filters are unaffected.
    if (!is_valid_topic_filter(t.filter)) {
      log_.info() << "mqtt '" << c.client_id << "': invalid topic filter '" << t.filter << "'";
      ack.return_codes.push_back(suback_failure);
      continue;
    }
    if (acl_ && !acl_->can_subscribe(who, t.filter)) {
      log_.info() << "mqtt '" << c.client_id << "': subscription to '" << t.filter << "' denied by the ACL";
      ack.return_codes.push_back(suback_failure);
      continue;
    }
    tree_.subscribe(t.filter, &s, t.qos);
    s.subscriptions[t.filter] = t.qos;
    if (persistent(s)) persist_->subscription_added(s, t.filter, t.qos);
    ack.return_codes.push_back(t.qos);
  }

  // MQTT-3.8.4-1: the SUBACK goes out before any retained message.
  scratch_.clear();
  encode(ack, scratch_);
  emit(c, scratch_);
  ++stats_.messages_sent;

  // MQTT-3.8.4-3: every granted subscription, new or replaced, gets the
  // retained messages that match it.
  std::vector<message_ptr> retained;
  for (std::size_t i = 0; i < p.topics.size(); ++i) {
    const std::uint8_t granted = ack.return_codes[i];
    if (granted == suback_failure) continue;
    retained.clear();
    retained_.match(p.topics[i].filter, retained);
    for (const auto& m : retained) {
      if (acl_ && !acl_->can_read(who, m->topic)) continue;
      deliver(s, delivery{m, std::min(m->qos, granted), true}, nullptr);
    }
  }
}

void broker::handle_unsubscribe(client& c, const unsubscribe_packet& p) {
  session& s = *c.sess;
  for (const auto& filter : p.filters) {
    auto it = s.subscriptions.find(filter);
    if (it == s.subscriptions.end()) continue;  // MQTT-3.10.4-5: UNSUBACK regardless
    tree_.unsubscribe(filter, &s);
    s.subscriptions.erase(it);
    if (persistent(s)) persist_->subscription_removed(s, filter);
  }
  scratch_.clear();
  encode(ack_packet{packet_type::unsuback, p.packet_id}, scratch_);
  emit(c, scratch_);
  ++stats_.messages_sent;
}

}  // namespace hearth::mqtt
