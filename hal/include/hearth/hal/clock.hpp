// Time as the HAL sees it: a steady clock that can also wait.
//
// Sensor drivers must space their reads by a conversion time and re-read
// after one; they ask this interface instead of the system, so tests run the
// same code on fake time that advances only when a driver sleeps.
#pragma once

#include <chrono>

namespace hearth::hal {

using time_point = std::chrono::steady_clock::time_point;
using duration = std::chrono::steady_clock::duration;

class clock {
public:
  virtual ~clock() = default;
  virtual time_point now() = 0;
  virtual void sleep_until(time_point t) = 0;
};

// The real steady clock; sleep_until blocks the calling thread.
class system_clock final : public clock {
public:
  time_point now() override;
  void sleep_until(time_point t) override;
};

// Fake time for tests: sleep_until jumps forward, advance() moves it by hand.
class manual_clock final : public clock {
public:
  time_point now() override { return now_; }
  void sleep_until(time_point t) override {
    if (t > now_) now_ = t;
  }
  void advance(duration d) { now_ += d; }

private:
  time_point now_{std::chrono::hours(1)};
};

}  // namespace hearth::hal
