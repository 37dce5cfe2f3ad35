#include "hearth/net/transport_context.hpp"

#include <cassert>

#include "hearth/net/tcp_connection.hpp"

namespace hearth {

transport_context::transport_context(mqtt::broker& broker, core::logger& log, connection_limits limits)
    : broker_(broker), log_(log), limits_(limits), read_buffer_(std::make_unique<char[]>(read_buffer_size)) {}

void transport_context::add(connection_base& c) {
  c.registry_index_ = static_cast<std::uint32_t>(connections_.size());
  connections_.push_back(&c);
}

void transport_context::remove(connection_base& c) noexcept {
  const std::uint32_t i = c.registry_index_;
  assert(i < connections_.size() && connections_[i] == &c);
  // Swap with the last one: O(1), and order does not matter.
  connections_[i] = connections_.back();
  connections_[i]->registry_index_ = i;
  connections_.pop_back();
  c.registry_index_ = connection_base::no_index;
}

void transport_context::close_all(std::error_code why) {
  // Each abort() removes its connection (and may publish wills to others).
  while (!connections_.empty()) connections_.back()->abort(why);
  std::vector<connection_base*>().swap(connections_);
}

void transport_context::schedule_deadline(deadline_wheel::entry& e, std::chrono::steady_clock::time_point due) {
  deadlines_.schedule(e, wheel_second(due));
}

void transport_context::advance_deadlines(std::chrono::steady_clock::time_point now) {
  // Rounded down: a deadline (rounded up) fires once `now` has passed it.
  deadlines_.advance(std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count());
}

}  // namespace hearth
