// Reconnect delays: exponential from `min` to `max`, with "equal jitter"
// (a delay uniformly drawn from [d/2, d]) so that a house of satellites does
// not reconnect in lockstep after the central restarts. Pure: the random
// generator is the caller's.
#pragma once

#include <chrono>
#include <random>

namespace hearth::agent {

class backoff {
public:
  backoff(std::chrono::milliseconds min, std::chrono::milliseconds max) : min_(min), max_(max) {}

  std::chrono::milliseconds next(std::mt19937& rng) {
    auto d = min_;
    for (unsigned i = 0; i < attempts_ && d < max_; ++i) d *= 2;
    if (d > max_) d = max_;
    ++attempts_;
    std::uniform_int_distribution<long long> jitter(d.count() / 2, d.count());
    return std::chrono::milliseconds(jitter(rng));
  }
  void reset() noexcept { attempts_ = 0; }
  unsigned attempts() const noexcept { return attempts_; }

private:
  std::chrono::milliseconds min_, max_;
  unsigned attempts_ = 0;
};

}  // namespace hearth::agent
