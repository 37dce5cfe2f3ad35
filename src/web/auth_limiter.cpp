#include <algorithm>

#include "hearth/web/auth.hpp"

namespace hearth::web {

std::string_view login_limiter::address_of(std::string_view peer) noexcept {
  if (!peer.empty() && peer.front() == '[') {
    const auto close = peer.find(']');
    return close == std::string_view::npos ? peer : peer.substr(0, close + 1);
  }
  const auto colon = peer.rfind(':');
  // One colon: IPv4 with a port. More: a bare IPv6 address, kept whole.
  if (colon == std::string_view::npos || peer.find(':') != colon) return peer;
  return peer.substr(0, colon);
}

std::optional<std::chrono::milliseconds> login_limiter::wait(std::string_view peer, auth_clock::time_point now) {
  auto it = entries_.find(std::string(address_of(peer)));
  if (it == entries_.end()) return std::nullopt;
  if (now - it->second.last_failure > limits_.forget_after) {
    entries_.erase(it);
    return std::nullopt;
  }
  if (now >= it->second.not_before) return std::nullopt;
  return std::chrono::ceil<std::chrono::milliseconds>(it->second.not_before - now);
}

std::chrono::milliseconds login_limiter::failed(std::string_view peer, auth_clock::time_point now) {
  const std::string key(address_of(peer));
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= limits_.max_addresses) {
      // The address whose last failure is oldest makes room: an attacker
      // rotating addresses evicts its own entries first.
      auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
        return a.second.last_failure < b.second.last_failure;
      });
      entries_.erase(oldest);
    }
    it = entries_.emplace(key, entry{}).first;
  } else if (now - it->second.last_failure > limits_.forget_after) {
    it->second = entry{};
  }
  entry& e = it->second;
  ++e.failures;
  e.last_failure = now;
  if (e.failures <= limits_.free_failures) {
    e.not_before = now;
    return std::chrono::milliseconds(0);
  }
  auto delay = limits_.first_delay;
  for (unsigned i = limits_.free_failures + 1; i < e.failures && delay < limits_.max_delay; ++i) delay *= 2;
  delay = std::min(delay, limits_.max_delay);
  e.not_before = now + delay;
  return delay;
}

void login_limiter::succeeded(std::string_view peer) { entries_.erase(std::string(address_of(peer))); }

}  // namespace hearth::web
