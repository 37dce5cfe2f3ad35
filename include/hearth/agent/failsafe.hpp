// The agent's local safety rules, which hold whatever the central does:
//  - every actuator starts in its safe state (off unless configured);
//  - an actuator with a maximum on-time is switched off when it expires
//    (a watering valve closes after N minutes whatever happens);
//  - while gas is detected, the ventilation actuators (on_gas) are on and
//    cannot be switched off by a command; when the gas clears, those the
//    rule switched on go back off.
//
// Pure and sans-I/O: it takes commands, the gas state and the time, and
// returns the switching it wants; the runtime drives the GPIO lines and
// reports back with applied() what the hardware actually did.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::agent {

struct relay_rule {
  std::string name;
  bool safe_on = false;
  std::chrono::steady_clock::duration max_on{0};  // 0 = no limit
  bool on_gas = false;
};

struct relay_change {
  std::string name;
  bool on = false;
  std::string reason;  // for the log: "command", "max on-time", "gas", ...
};

class failsafe {
public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit failsafe(std::vector<relay_rule> rules);

  // The start-up (and shutdown) state of every actuator.
  std::vector<relay_change> safe_states() const;

  // A command "on", "off" or "toggle" for `name`. nullopt and `why` set when
  // it is refused (unknown relay or verb, or blocked by the gas rule).
  std::optional<relay_change> command(std::string_view name, std::string_view verb, std::string& why) const;

  std::vector<relay_change> gas(bool detected);
  std::vector<relay_change> tick(time_point now) const;

  // What the hardware is now (after a successful or failed switch).
  void applied(std::string_view name, bool on, time_point now);

  std::optional<bool> state(std::string_view name) const;
  bool gas_detected() const noexcept { return gas_; }

private:
  struct relay {
    relay_rule rule;
    bool on = false;
    bool forced_by_gas = false;
    time_point on_since{};
  };
  const relay* find(std::string_view name) const;
  relay* find(std::string_view name);

  std::vector<relay> relays_;
  bool gas_ = false;
};

}  // namespace hearth::agent
