#include "hearth/mqtt/keepalive.hpp"

#include "hearth/mqtt/errors.hpp"

namespace hearth::mqtt {

void keepalive::on_connected(std::uint16_t keepalive_seconds, clock::time_point now) noexcept {
  if (keepalive_seconds == 0) {
    phase_ = phase::unlimited;
    return;
  }
  // 1.5 x K in milliseconds keeps odd keepalives exact (K = 1 -> 1500 ms).
  interval_ms_ = std::uint32_t{keepalive_seconds} * 1500;
  phase_ = phase::keepalive;
  deadline_ = now + std::chrono::milliseconds(interval_ms_);
}

void keepalive::on_received(clock::time_point now) noexcept {
  if (phase_ == phase::keepalive) deadline_ = now + std::chrono::milliseconds(interval_ms_);
}

std::optional<keepalive::clock::time_point> keepalive::next_deadline() const noexcept {
  if (phase_ == phase::unlimited) return std::nullopt;
  return deadline_;
}

std::error_code keepalive::reason() const noexcept {
  return phase_ == phase::connecting ? make_error_code(errc::connect_timeout) : make_error_code(errc::keepalive_timeout);
}

}  // namespace hearth::mqtt
