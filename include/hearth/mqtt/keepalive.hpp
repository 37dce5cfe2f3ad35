// The deadlines of one MQTT connection, free of I/O and of clocks: the caller
// passes `now` in, so tests drive it with fake time.
//
// Before CONNECT is accepted, a fixed connect deadline counted from the
// accept applies; bytes received do not extend it (a client trickling bytes
// must still finish its CONNECT in time). Once CONNECT is accepted with a
// keepalive of K seconds, the connection expires when nothing has been
// received for 1.5 x K (MQTT-3.1.2-24); K = 0 turns the check off.
//
// A transport keeps one timer: it arms it at next_deadline(), and when it
// fires it asks expired(now). Received bytes only move the deadline later, so
// the timer need not be re-armed on every read: when it fires early it is
// simply armed again at the new next_deadline().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <system_error>

namespace hearth::mqtt {

class keepalive {
public:
  using clock = std::chrono::steady_clock;

  // Starts the connect phase at `accepted`.
  keepalive(clock::time_point accepted, clock::duration connect_timeout) noexcept
      : deadline_(accepted + connect_timeout) {}

  // CONNECT was accepted with this keepalive (seconds, 0 = none).
  void on_connected(std::uint16_t keepalive_seconds, clock::time_point now) noexcept;

  // Bytes arrived at `now`. Only extends the deadline once connected.
  void on_received(clock::time_point now) noexcept;

  bool connected() const noexcept { return phase_ != phase::connecting; }

  // Whether the current deadline has passed.
  bool expired(clock::time_point now) const noexcept { return phase_ != phase::unlimited && now >= deadline_; }

  // When the connection expires unless something arrives; nullopt when it
  // never does (connected with keepalive 0).
  std::optional<clock::time_point> next_deadline() const noexcept;

  // errc::connect_timeout before CONNECT, errc::keepalive_timeout after it.
  std::error_code reason() const noexcept;

private:
  enum class phase : std::uint8_t { connecting, keepalive, unlimited };
  clock::time_point deadline_;
  std::uint32_t interval_ms_ = 0;  // 1.5 x keepalive once connected (at most 98,302,500)
  phase phase_ = phase::connecting;
};

}  // namespace hearth::mqtt
