// The live Engine.IO sessions of one server, by sid: a plain data structure
// (no I/O), bounded in size. Session ids are 20 characters of base64url from
// 15 random bytes, which the caller supplies (OpenSSL's RAND_bytes in the
// server, a counter in tests), so that ids cannot be guessed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hearth::web::eio {

using random_source = std::function<void(std::array<std::uint8_t, 15>&)>;

// 15 bytes as 20 base64url characters (no padding needed).
std::string make_sid(const std::array<std::uint8_t, 15>& bytes);

template <class T>
class session_table {
public:
  session_table(std::size_t max_sessions, random_source random)
      : max_(max_sessions), random_(std::move(random)) {}

  // A fresh, unused sid, or nullopt when the table is full.
  std::optional<std::string> new_sid() {
    if (map_.size() >= max_) return std::nullopt;
    std::array<std::uint8_t, 15> bytes;
    for (int attempt = 0; attempt < 8; ++attempt) {
      random_(bytes);
      std::string sid = make_sid(bytes);
      if (!map_.contains(sid)) return sid;
    }
    return std::nullopt;  // a broken random source; refuse rather than loop
  }

  bool insert(const std::string& sid, T value) {
    if (map_.size() >= max_) return false;
    return map_.emplace(sid, std::move(value)).second;
  }

  T* find(std::string_view sid) {
    auto it = map_.find(std::string(sid));
    return it == map_.end() ? nullptr : &it->second;
  }

  bool erase(std::string_view sid) { return map_.erase(std::string(sid)) > 0; }
  std::size_t size() const noexcept { return map_.size(); }
  bool full() const noexcept { return map_.size() >= max_; }

  template <class F>
  void for_each(F&& f) {
    for (auto& [sid, v] : map_) f(sid, v);
  }

private:
  std::size_t max_;
  random_source random_;
  std::unordered_map<std::string, T> map_;
};

}  // namespace hearth::web::eio
