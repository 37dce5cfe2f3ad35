// Relay commands, sans-I/O: a user asks for a relay state; the tracker says
// what to publish (home/<node>/relay/<name>/set, QoS 1) and keeps the
// command pending until the agent reports the new state on
// home/<node>/relay/<name>, or fails it after a timeout. The caller owns the
// clock (fake time in tests), the publishing and the audit log.
//
// A second command for a relay that is still pending supersedes the first
// (its outcome is "superseded"); "toggle" expects the opposite of the last
// reported state, or any report when none is known. The number of pending
// commands is bounded; past it a command is refused.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hearth::home {

using steady_time = std::chrono::steady_clock::time_point;

struct command_request {
  std::string user;
  std::string node;
  std::string relay;
  std::string state;  // on, off, toggle
};

enum class command_outcome { confirmed, timeout, superseded, failed };
std::string_view to_string(command_outcome o) noexcept;

struct command_done {
  std::int64_t id = 0;
  command_request request;
  command_outcome outcome = command_outcome::failed;
  std::string detail;
};

struct command_start {
  std::string error;  // empty: publish this
  std::string topic;
  std::string payload;
  std::uint8_t qos = 1;
  std::vector<command_done> superseded;  // an earlier command for the same relay
};

class command_tracker {
public:
  command_tracker(std::string prefix, std::chrono::milliseconds timeout, std::size_t max_pending = 256);

  // Checks the request (node and relay names, state) and starts command
  // `id` (the caller's, e.g. its audit log row). `known_state` is the relay's
  // last reported state, if any.
  command_start submit(std::int64_t id, command_request req, std::optional<std::string_view> known_state,
                       steady_time now);

  // The agent reported the relay's state: the pending command it satisfies
  // (if any) is confirmed.
  std::vector<command_done> on_state(std::string_view node, std::string_view relay, std::string_view state);

  // The publish of command `id` could not be made.
  std::vector<command_done> on_publish_failed(std::int64_t id, std::string detail);

  // Commands past their deadline time out.
  std::vector<command_done> expire(steady_time now);

  bool pending(std::string_view node, std::string_view relay) const;
  std::size_t pending_count() const noexcept { return pending_.size(); }
  std::optional<steady_time> next_deadline() const;

private:
  struct entry {
    std::int64_t id;
    command_request request;
    std::optional<std::string> expect;  // nullopt: any report
    steady_time deadline;
  };
  std::string prefix_;
  std::chrono::milliseconds timeout_;
  std::size_t max_pending_;
  std::unordered_map<std::string, entry> pending_;  // node/relay
};

// `[a-z0-9_-]+` (DESIGN.md), at most 64 bytes.
bool is_valid_node_name(std::string_view name) noexcept;

}  // namespace hearth::home
