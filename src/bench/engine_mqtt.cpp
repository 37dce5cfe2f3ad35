// MQTT behaviour of the bench's clients: the CONNECT/SUBSCRIBE handshake,
// publishers producing into their send buffers (full speed or paced), the
// QoS 1/2 ack flows on both sides, and the accounting of each delivery.
#include <cmath>
#include <string>
#include <variant>

#include "hearth/bench/e2e_protocol.hpp"
#include "hearth/bench/engine.hpp"
#include "hearth/bench/proc.hpp"
#include "hearth/bench/stamp.hpp"
#include "hearth/mqtt/codec.hpp"

namespace hearth::bench {

namespace {
void append_ack(mqtt::packet_type t, std::uint16_t id, std::string& out) {
  mqtt::encode(mqtt::ack_packet{t, id}, out);
}
}  // namespace

void engine::handle(connection& c, const mqtt::packet& p, std::uint64_t now_ns) {
  if (const auto* pub = std::get_if<mqtt::publish_packet>(&p)) {
    on_publish(c, *pub, now_ns);
  } else if (const auto* ack = std::get_if<mqtt::ack_packet>(&p)) {
    on_ack(c, *ack);
  } else if (const auto* ca = std::get_if<mqtt::connack_packet>(&p)) {
    if (c.st != state::awaiting_connack) {
      ++protocol_errors_;
      drop(c, "unexpected CONNACK");
      return;
    }
    if (ca->code != mqtt::connack_code::accepted) {
      const std::string why = "CONNACK refused with code " + std::to_string(static_cast<int>(ca->code));
      drop(c, why.c_str());
      return;
    }
    if (c.kind == role::subscriber) {
      mqtt::subscribe_packet s;
      s.packet_id = 1;
      // fanout subscribes to the one topic, the other modes to all publishers' topics.
      s.topics.push_back({opts_.run_mode == mode::fanout ? opts_.topic_prefix + "/0" : opts_.topic_prefix + "/+",
                          opts_.qos});
      mqtt::encode(s, c.tx);
      mark_dirty(c);
      c.st = state::awaiting_suback;
    } else {
      c.st = state::ready;
      ++ready_;
      --pending_setup_;
      last_progress_ns_ = now_ns;
    }
  } else if (const auto* sa = std::get_if<mqtt::suback_packet>(&p)) {
    if (c.st != state::awaiting_suback || sa->packet_id != 1 || sa->return_codes.size() != 1) {
      ++protocol_errors_;
      drop(c, "unexpected SUBACK");
      return;
    }
    if (sa->return_codes[0] != opts_.qos) {
      fail("the broker granted QoS " + std::to_string(sa->return_codes[0]) + " instead of " +
           std::to_string(opts_.qos));
      drop(c, "subscription refused");
      return;
    }
    c.st = state::ready;
    ++ready_;
    --pending_setup_;
    last_progress_ns_ = now_ns;
  } else if (const auto* e = std::get_if<mqtt::empty_packet>(&p); e && e->type == mqtt::packet_type::pingresp) {
    // harmless
  } else {
    ++protocol_errors_;
    drop(c, "unexpected packet from the broker");
  }
}

void engine::on_publish(connection& c, const mqtt::publish_packet& p, std::uint64_t now_ns) {
  if (c.kind != role::subscriber || c.st != state::ready) {
    ++protocol_errors_;
    return;
  }
  if (p.qos == 1) append_ack(mqtt::packet_type::puback, p.packet_id, c.tx);
  if (p.qos == 2) append_ack(mqtt::packet_type::pubrec, p.packet_id, c.tx);
  if (p.qos != 0) mark_dirty(c);
  stamp s;
  if (!read_stamp(p.payload, s) || s.publisher >= pubs_.size()) {
    ++malformed_;
    return;
  }
  ++delivered_total_;
  last_progress_ns_ = now_ns;
  trackers_[c.index * pubs_.size() + s.publisher].record(s.sequence);
  if (phase_ == phase::measuring) latency_.record(now_ns >= s.sent_ns ? now_ns - s.sent_ns : 0);
}

void engine::on_ack(connection& c, const mqtt::ack_packet& a) {
  using mqtt::packet_type;
  const bool is_publisher = c.kind == role::publisher;
  switch (a.type) {
    case packet_type::puback:
    case packet_type::pubcomp: {
      const bool expected = is_publisher && (a.type == packet_type::puback ? opts_.qos == 1 : opts_.qos == 2);
      if (!expected || !pubs_[c.index].ids.release(a.packet_id)) {
        ++protocol_errors_;
        return;
      }
      ++pubs_[c.index].acked;
      last_progress_ns_ = monotonic_ns();
      mark_dirty(c);  // the window opened: the flush re-evaluates the epoll interest
      return;
    }
    case packet_type::pubrec:
      if (!is_publisher || opts_.qos != 2 || !pubs_[c.index].ids.contains(a.packet_id)) {
        ++protocol_errors_;
        return;
      }
      append_ack(packet_type::pubrel, a.packet_id, c.tx);
      mark_dirty(c);
      return;
    case packet_type::pubrel:
      if (c.kind != role::subscriber) {
        ++protocol_errors_;
        return;
      }
      append_ack(packet_type::pubcomp, a.packet_id, c.tx);
      mark_dirty(c);
      return;
    default:
      ++protocol_errors_;
      return;
  }
}

bool engine::wants_to_produce(const connection& c) const {
  // At QoS 1/2 a full-speed publisher refills its window as soon as an id is
  // free. Acks read in one turn still go out as one write; and a broker
  // without TCP_NODELAY (Mosquitto's default) holds back its next acks until
  // ours is ACKed, which the next PUBLISH does at once: waiting for half the
  // window instead left that to the kernel's delayed ACK (40 ms), and held
  // Mosquitto's QoS 2 rate at about 1.2k msg/s.
  return c.kind == role::publisher && c.st == state::ready && opts_.rate == 0 &&
         (phase_ == phase::warmup || phase_ == phase::measuring) && (opts_.qos == 0 || !pubs_[c.index].ids.full());
}

std::uint64_t engine::produce(connection& c, std::uint64_t max_messages) {
  publisher& p = pubs_[c.index];
  if (c.tx_off > 0) {  // keep the unsent bytes at the front so the buffer never grows
    c.tx.erase(0, c.tx_off);
    c.tx_off = 0;
  }
  std::uint64_t n = 0;
  while (n < max_messages && c.tx.size() < publish_batch_bytes) {
    std::uint16_t id = 0;
    if (opts_.qos != 0) {
      id = p.ids.acquire();
      if (id == 0) break;  // window full: the acks reopen it
    }
    if (opts_.run_mode == mode::e2e) {
      reading_.clear();
      e2e::append_reading_payload(opts_.sensor, p.next_seq, reading_);
      mqtt::encode_publish_header(false, opts_.qos, false, p.topic, id, reading_.size(), c.tx);
      c.tx.append(reading_);
      sent_ns_.push_back(monotonic_ns());
    } else {
      mqtt::encode_publish_header(false, opts_.qos, false, p.topic, id, filler_.size(), c.tx);
      const std::size_t at = c.tx.size();
      c.tx.append(filler_);
      write_stamp({c.index, p.next_seq, monotonic_ns()}, c.tx.data() + at);
    }
    ++p.next_seq;
    ++n;
  }
  sent_total_ += n;
  return n;
}

void engine::pace(std::uint64_t now_ns) {
  const double per_publisher = opts_.rate / static_cast<double>(pubs_.size());
  // Messages due within the next quantum go now, together: at high rates
  // one timer re-arm per batch instead of one per message (timerfd_settime
  // was half of the bench's CPU at 20,000 msg/s on a VM). Each message is
  // stamped when it is really sent, so latency is measured all the same.
  constexpr double pace_quantum_s = 100e-6;
  const double elapsed_s = static_cast<double>(now_ns - produce_start_ns_) / 1e9 + pace_quantum_s;
  // Message k of a publisher is due at k / per_publisher seconds after the start.
  const auto due = static_cast<std::uint64_t>(std::floor(elapsed_s * per_publisher)) + 1;
  for (auto& c : conns_) {
    if (c.kind != role::publisher || c.st != state::ready) continue;
    const publisher& p = pubs_[c.index];
    if (due > p.next_seq && produce(c, due - p.next_seq) > 0) mark_dirty(c);
  }
}

std::uint64_t engine::next_due_ns() const {
  const double per_publisher = opts_.rate / static_cast<double>(pubs_.size());
  std::uint64_t next = 0;
  for (const auto& c : conns_) {
    if (c.kind != role::publisher || c.st != state::ready) continue;
    const publisher& p = pubs_[c.index];
    // A publisher blocked by its window or its socket is woken by an ack or EPOLLOUT.
    if ((opts_.qos != 0 && p.ids.full()) || c.tx.size() - c.tx_off >= publish_batch_bytes) continue;
    const auto at = produce_start_ns_ + static_cast<std::uint64_t>(
                                            std::ceil(static_cast<double>(p.next_seq) * 1e9 / per_publisher));
    if (next == 0 || at < next) next = at;
  }
  return next;
}

}  // namespace hearth::bench
