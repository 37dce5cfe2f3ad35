// Slows down password guessing: remembers recent login failures per client
// address and says how late to answer the next login from there.
//
// Each failure doubles the delay, from first_delay up to max_delay. Every
// answer to a penalised address is delayed, a successful login included:
// otherwise a guesser would learn from a quick answer that it had guessed
// right, and could give up on a slow one early. An address is forgotten
// after forget_after without failures, and the table holds at most
// max_addresses (the one with the oldest failure makes room), so a flood of
// addresses costs bounded memory.
//
// Pure: the caller passes `now`; tests drive it with fake time.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hearth::mqtt {

class login_throttle {
public:
  using clock = std::chrono::steady_clock;
  struct limits {
    std::chrono::milliseconds first_delay{500};
    std::chrono::milliseconds max_delay{8000};
    std::chrono::seconds forget_after{600};
    std::size_t max_addresses = 4096;
  };

  login_throttle() = default;
  explicit login_throttle(limits l) : limits_(l) {}

  // Records a failed login from `address`; returns its failures in a row.
  unsigned failed(std::string_view address, clock::time_point now);

  // How late to answer a login from `address` now; zero when it has no
  // recent failures.
  std::chrono::milliseconds delay(std::string_view address, clock::time_point now);

  std::size_t size() const noexcept { return failures_.size(); }
  const limits& settings() const noexcept { return limits_; }

  // The address part of a peer ("192.0.2.7:5000" -> "192.0.2.7",
  // "[::1]:5000" -> "[::1]"), so that new ports do not mean a fresh start.
  static std::string_view address_of(std::string_view peer) noexcept;

private:
  struct record {
    unsigned count = 0;
    clock::time_point last{};
  };
  void make_room(clock::time_point now);

  limits limits_;
  std::unordered_map<std::string, record> failures_;
};

}  // namespace hearth::mqtt
