#include "hearth/app/commands.hpp"

#include <algorithm>
#include <utility>

#include "hearth/store/pairing_conf.hpp"  // is_valid_device_id

namespace hearth::home {

namespace {

std::string relay_key(std::string_view node, std::string_view relay) {
  return std::string(node) + '/' + std::string(relay);
}

}  // namespace

bool is_valid_node_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string_view to_string(command_outcome o) noexcept {
  switch (o) {
    case command_outcome::confirmed: return "confirmed";
    case command_outcome::timeout: return "timeout";
    case command_outcome::superseded: return "superseded";
    case command_outcome::failed: return "failed";
  }
  return "failed";
}

command_tracker::command_tracker(std::string prefix, std::chrono::milliseconds timeout, std::size_t max_pending)
    : prefix_(std::move(prefix)), timeout_(timeout), max_pending_(max_pending) {}

command_start command_tracker::submit(std::int64_t id, command_request req, std::optional<std::string_view> known,
                                      steady_time now) {
  command_start out;
  if (!is_valid_node_name(req.node)) {
    out.error = "bad node name (a-z 0-9 _ -)";
    return out;
  }
  // A relay name is a topic level the agent chose; '+', '#' and '/' would
  // change the topic's meaning.
  if (!store::is_valid_device_id(req.relay)) {
    out.error = "bad relay name";
    return out;
  }
  std::optional<std::string> expect;
  if (req.state == "on" || req.state == "off") {
    expect = req.state;
  } else if (req.state == "toggle") {
    if (known == "on") expect = "off";
    else if (known == "off") expect = "on";
  } else {
    out.error = "state must be on, off or toggle";
    return out;
  }
  const std::string key = relay_key(req.node, req.relay);
  auto it = pending_.find(key);
  if (it == pending_.end() && pending_.size() >= max_pending_) {
    out.error = "too many commands pending";
    return out;
  }
  if (it != pending_.end()) {
    out.superseded.push_back({it->second.id, std::move(it->second.request), command_outcome::superseded,
                              "a newer command for the same relay"});
    pending_.erase(it);
  }
  out.topic = prefix_ + "/" + req.node + "/relay/" + req.relay + "/set";
  out.payload = req.state;
  pending_.emplace(key, entry{id, std::move(req), std::move(expect), now + timeout_});
  return out;
}

std::vector<command_done> command_tracker::on_state(std::string_view node, std::string_view relay,
                                                    std::string_view state) {
  std::vector<command_done> out;
  auto it = pending_.find(relay_key(node, relay));
  if (it == pending_.end()) return out;
  if (it->second.expect && *it->second.expect != state) return out;  // not (yet) what was asked
  out.push_back({it->second.id, std::move(it->second.request), command_outcome::confirmed,
                 "relay reported " + std::string(state)});
  pending_.erase(it);
  return out;
}

std::vector<command_done> command_tracker::on_publish_failed(std::int64_t id, std::string detail) {
  std::vector<command_done> out;
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->second.id != id) continue;
    out.push_back({id, std::move(it->second.request), command_outcome::failed, std::move(detail)});
    pending_.erase(it);
    break;
  }
  return out;
}

std::vector<command_done> command_tracker::expire(steady_time now) {
  std::vector<command_done> out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline <= now) {
      out.push_back({it->second.id, std::move(it->second.request), command_outcome::timeout,
                     "no state report from the node within " + std::to_string(timeout_.count()) + " ms"});
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

bool command_tracker::pending(std::string_view node, std::string_view relay) const {
  return pending_.contains(relay_key(node, relay));
}

std::optional<steady_time> command_tracker::next_deadline() const {
  std::optional<steady_time> next;
  for (const auto& [key, e] : pending_)
    if (!next || e.deadline < *next) next = e.deadline;
  return next;
}

}  // namespace hearth::home
