#include "hearth/agent/failsafe.hpp"

namespace hearth::agent {

failsafe::failsafe(std::vector<relay_rule> rules) {
  for (auto& r : rules) {
    relay x;
    x.on = r.safe_on;
    x.rule = std::move(r);
    relays_.push_back(std::move(x));
  }
}

const failsafe::relay* failsafe::find(std::string_view name) const {
  for (const auto& r : relays_)
    if (r.rule.name == name) return &r;
  return nullptr;
}

failsafe::relay* failsafe::find(std::string_view name) {
  return const_cast<relay*>(static_cast<const failsafe*>(this)->find(name));
}

std::vector<relay_change> failsafe::safe_states() const {
  std::vector<relay_change> out;
  for (const auto& r : relays_) out.push_back({r.rule.name, r.rule.safe_on, "safe state"});
  return out;
}

std::optional<relay_change> failsafe::command(std::string_view name, std::string_view verb, std::string& why) const {
  const relay* r = find(name);
  if (!r) {
    why = "no relay named '" + std::string(name) + "'";
    return std::nullopt;
  }
  bool on = false;
  if (verb == "on") on = true;
  else if (verb == "off") on = false;
  else if (verb == "toggle") on = !r->on;
  else {
    why = "expected on, off or toggle, got '" + std::string(verb.substr(0, 32)) + "'";
    return std::nullopt;
  }
  if (!on && gas_ && r->rule.on_gas) {
    why = "'" + r->rule.name + "' stays on while gas is detected";
    return std::nullopt;
  }
  return relay_change{r->rule.name, on, "command"};
}

std::vector<relay_change> failsafe::gas(bool detected) {
  std::vector<relay_change> out;
  if (detected == gas_) return out;
  gas_ = detected;
  for (auto& r : relays_) {
    if (!r.rule.on_gas) continue;
    if (detected && !r.on) {
      r.forced_by_gas = true;
      out.push_back({r.rule.name, true, "gas detected"});
    } else if (!detected && r.forced_by_gas) {
      r.forced_by_gas = false;
      out.push_back({r.rule.name, false, "gas cleared"});
    }
  }
  return out;
}

std::vector<relay_change> failsafe::tick(time_point now) const {
  std::vector<relay_change> out;
  for (const auto& r : relays_) {
    if (!r.on || r.rule.max_on.count() == 0) continue;
    if (gas_ && r.rule.on_gas) continue;  // ventilation runs as long as there is gas
    if (now - r.on_since >= r.rule.max_on) out.push_back({r.rule.name, false, "maximum on-time reached"});
  }
  return out;
}

void failsafe::applied(std::string_view name, bool on, time_point now) {
  relay* r = find(name);
  if (!r) return;
  if (on && !r->on) r->on_since = now;
  r->on = on;
  if (!on) r->forced_by_gas = false;
}

std::optional<bool> failsafe::state(std::string_view name) const {
  const relay* r = find(name);
  if (!r) return std::nullopt;
  return r->on;
}

}  // namespace hearth::agent
