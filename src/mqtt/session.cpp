#include "hearth/mqtt/session.hpp"

#include <algorithm>
#include <cassert>

namespace hearth::mqtt {

session::~session() {
  for (const auto& f : inflight_) release(f.d);
  if (queue_)
    for (const auto& d : *queue_) release(d);
}

std::uint16_t session::next_packet_id() noexcept {
  // The window is small (tens of entries), so a linear scan for a collision
  // is cheaper than a 64 Ki-entry bitmap per session.
  for (;;) {
    last_packet_id_ = static_cast<std::uint16_t>(last_packet_id_ == 65535 ? 1 : last_packet_id_ + 1);
    const auto id = last_packet_id_;
    if (std::none_of(inflight_.begin(), inflight_.end(), [id](const flight& f) { return f.packet_id == id; }))
      return id;
  }
}

flight& session::start_flight(delivery d) {
  assert(d.qos > 0);
  assert(all_flights_sent());
  assert(inflight_.size() < 65535);
  flight f;
  f.packet_id = next_packet_id();
  f.state = d.qos == 1 ? flight_state::awaiting_puback : flight_state::awaiting_pubrec;
  f.d = std::move(d);
  number(f.d);
  hold(f.d);
  inflight_.push_back(std::move(f));
  ++sent_flights_;
  return inflight_.back();
}

flight* session::find_flight(std::uint16_t packet_id) noexcept {
  for (auto& f : inflight_)
    if (f.packet_id == packet_id) return &f;
  return nullptr;
}

void session::end_flight(std::uint16_t packet_id) noexcept {
  auto it = std::find_if(inflight_.begin(), inflight_.end(),
                         [packet_id](const flight& f) { return f.packet_id == packet_id; });
  if (it == inflight_.end()) return;
  if (static_cast<std::size_t>(it - inflight_.begin()) < sent_flights_) --sent_flights_;
  release(it->d);
  inflight_.erase(it);
}

void session::flight_received(flight& f) noexcept {
  f.state = flight_state::awaiting_pubcomp;
  release(f.d);
  f.d.msg.reset();
}

void session::restore_flight(flight f) {
  assert(sent_flights_ == 0);
  last_seq_ = std::max(last_seq_, f.d.seq);
  last_packet_id_ = f.packet_id;  // new ids continue after the newest stored one
  hold(f.d);
  inflight_.push_back(std::move(f));
}

void session::restore_queued(delivery d) {
  last_seq_ = std::max(last_seq_, d.seq);
  queued_bytes_ += d.msg->payload.size() + d.msg->topic.size();
  hold(d);
  if (!queue_) queue_ = std::make_unique<std::deque<delivery>>();
  queue_->push_back(std::move(d));
}

bool session::enqueue(delivery d, const session_limits& l) {
  const std::size_t size = d.msg->payload.size() + d.msg->topic.size();
  if (queued_count() >= l.max_queued_messages || (l.max_queued_bytes && queued_bytes_ + size > l.max_queued_bytes)) {
    ++dropped_;
    return false;
  }
  queued_bytes_ += size;
  number(d);
  hold(d);
  if (!queue_) queue_ = std::make_unique<std::deque<delivery>>();
  queue_->push_back(std::move(d));
  return true;
}

delivery session::pop_queued() {
  assert(has_queued());
  delivery d = std::move(queue_->front());
  queue_->pop_front();
  if (queue_->empty()) queue_.reset();
  queued_bytes_ -= d.msg->payload.size() + d.msg->topic.size();
  release(d);
  return d;
}

}  // namespace hearth::mqtt
