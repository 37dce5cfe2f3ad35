#include "hearth/mqtt/login_throttle.hpp"

#include <algorithm>

namespace hearth::mqtt {

std::string_view login_throttle::address_of(std::string_view peer) noexcept {
  const auto colon = peer.rfind(':');
  if (colon == std::string_view::npos || peer.ends_with(']')) return peer;
  return peer.substr(0, colon);
}

unsigned login_throttle::failed(std::string_view address, clock::time_point now) {
  auto it = failures_.find(std::string(address));
  if (it != failures_.end() && now - it->second.last >= limits_.forget_after) it->second = record{};
  if (it == failures_.end()) {
    if (failures_.size() >= limits_.max_addresses) make_room(now);
    it = failures_.emplace(std::string(address), record{}).first;
  }
  record& r = it->second;
  if (r.count < 64) ++r.count;  // the delay stopped growing long before
  r.last = now;
  return r.count;
}

std::chrono::milliseconds login_throttle::delay(std::string_view address, clock::time_point now) {
  const auto it = failures_.find(std::string(address));
  if (it == failures_.end()) return std::chrono::milliseconds(0);
  if (now - it->second.last >= limits_.forget_after) {
    failures_.erase(it);
    return std::chrono::milliseconds(0);
  }
  std::chrono::milliseconds d = limits_.first_delay;
  for (unsigned i = 1; i < it->second.count && d < limits_.max_delay; ++i) d *= 2;
  return std::min(d, limits_.max_delay);
}

void login_throttle::make_room(clock::time_point now) {
  // Forgotten addresses first; if none, the one whose last failure is oldest.
  std::erase_if(failures_, [&](const auto& kv) { return now - kv.second.last >= limits_.forget_after; });
  if (failures_.size() < limits_.max_addresses) return;
  const auto oldest = std::min_element(failures_.begin(), failures_.end(), [](const auto& a, const auto& b) {
    return a.second.last < b.second.last;
  });
  failures_.erase(oldest);
}

}  // namespace hearth::mqtt
