#include "hearth/web/auth.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace hearth::web {

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (bytes > 0 && RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("the random number generator failed");
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : raw) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

bool secrets_equal(std::string_view a, std::string_view b) noexcept {
  // The length of a secret is no secret (ours are fixed-size); the content is.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

const web_session& session_store::create(std::string_view user, auth_clock::time_point now) {
  expire(now);
  if (sessions_.size() >= limits_.max_sessions && !sessions_.empty()) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    sessions_.erase(oldest);
  }
  web_session s;
  s.id = random_hex(32);
  s.csrf = random_hex(32);
  s.user = std::string(user);
  s.last_used = now;
  auto [it, inserted] = sessions_.emplace(s.id, std::move(s));
  (void)inserted;  // 256 random bits do not collide
  return it->second;
}

const web_session* session_store::find(std::string_view id, auth_clock::time_point now) {
  if (id.empty()) return nullptr;
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end()) return nullptr;
  if (now - it->second.last_used > limits_.idle_timeout) {
    sessions_.erase(it);
    return nullptr;
  }
  it->second.last_used = std::max(it->second.last_used, now);
  return &it->second;
}

bool session_store::remove(std::string_view id) {
  const std::string key(id);
  if (sessions_.erase(key) == 0) return false;
  if (on_ended_) on_ended_(key);
  return true;
}

std::size_t session_store::remove_user(std::string_view user) {
  std::vector<std::string> ended;
  for (const auto& [id, s] : sessions_)
    if (s.user == user) ended.push_back(id);
  for (const auto& id : ended) remove(id);
  return ended.size();
}

std::size_t session_store::expire(auth_clock::time_point now) {
  return std::erase_if(sessions_, [&](const auto& kv) { return now - kv.second.last_used > limits_.idle_timeout; });
}

}  // namespace hearth::web
