// One Engine.IO v4 session as a sans-I/O state machine: heartbeats, the
// upgrade from polling to WebSocket, the bounded outbound queue and closing.
// The transport glue feeds it decoded packets and the time, and asks it what
// to write; it owns no socket and no timer, so tests drive it with fake time.
//
// Heartbeat (server-driven, v4): pingInterval after the open (or after the
// last pong) a ping is queued; no pong within pingTimeout ends the session
// with "ping timeout". A ping from the client is a protocol error, except
// the "2probe" of an upgrade.
//
// Upgrade: a WebSocket carrying the sid of a polling session attaches as a
// probe; "2probe" on it is answered "3probe" on it, and from then on a
// pending poll is answered with a noop ("6") so that the client can pause
// polling; "5" on it makes it the transport. Anything else on the probe
// aborts the upgrade (the probe is closed, the session goes on polling).
//
// Output: messages wait in a queue bounded by count and bytes; a message
// that does not fit is refused (the caller then closes the session: a client
// that does not read costs bounded memory). Control packets (ping, close)
// are not counted. A closing session sends what is queued, then a close
// packet, within a grace period.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "hearth/web/engine_io.hpp"
#include "hearth/web/eio_codec.hpp"
#include "hearth/web/eio_request.hpp"

namespace hearth::web::eio {

using clock = std::chrono::steady_clock;

struct session_settings {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::size_t max_payload = 1000000;            // bytes of one POST body or WebSocket frame
  std::size_t max_queued_messages = 1024;       // outbound, per session
  std::size_t max_queued_bytes = 4 * 1048576;   // outbound, per session
  std::chrono::milliseconds close_grace{5000};  // to deliver what is queued on a server close
};

enum class close_reason {
  transport_close,  // the client sent a close packet, or its WebSocket ended
  transport_error,  // protocol violation, a duplicate poll, a write failure
  parse_error,      // a packet that does not decode
  ping_timeout,
  forced_close,     // the server (handler) closed it
  queue_full,       // the client does not read fast enough
  server_shutdown,
};

const char* to_string(close_reason r) noexcept;

// Where a client packet came from.
enum class source { transport, probe };

class session {
public:
  session(std::string sid, transport t, const session_settings& s, clock::time_point now);

  const std::string& sid() const noexcept { return sid_; }
  transport current() const noexcept { return transport_; }
  bool probing() const noexcept { return probe_attached_; }
  bool closing() const noexcept { return closing_; }
  bool finished() const noexcept { return finished_; }

  // The handshake: the data of the open packet ({"sid":...}); `upgrades` is
  // ["websocket"] for a polling session.
  std::string open_data() const;

  // What one client packet asks of the glue.
  struct result {
    std::optional<message> deliver;     // hand to the handler
    bool probe_pong = false;            // write "3probe" on the probe WebSocket
    bool upgraded = false;              // the probe is now the transport
    bool abort_probe = false;           // close the probe WebSocket
    std::optional<close_reason> close;  // end the session now
  };
  result on_packet(packet&& p, source from, clock::time_point now);

  // A WebSocket with this sid arrived. False if it may not become the
  // transport (not polling, already upgrading, closing): close it.
  bool attach_probe();
  // The probe WebSocket ended before "5".
  void detach_probe() noexcept { probe_attached_ = probe_answered_ = false; }

  // Queues messages, all or none. False when they do not fit or the session
  // is closing.
  bool enqueue(std::vector<message>&& ms);
  std::size_t queued_bytes() const noexcept { return queued_bytes_; }
  bool has_output() const noexcept { return !queue_.empty() || (closing_ && !finished_); }

  // The answer to a pending poll, if one is due now: the queued packets as a
  // payload (with the close packet last when closing), or a noop while an
  // upgrade is under way. nullopt: keep the poll waiting.
  std::optional<std::string> poll_answer();
  // Everything to write on the WebSocket transport now, in order; after a
  // close packet the glue closes the WebSocket.
  std::vector<packet> take_packets();

  // Starts a server-side close: what is queued goes out, then a close packet.
  void begin_close(clock::time_point now);

  // Heartbeat and close deadlines. `ping_queued`: the poll or the
  // WebSocket has something new to send.
  struct timer_result {
    bool ping_queued = false;
    std::optional<close_reason> close;
  };
  timer_result on_timer(clock::time_point now);
  clock::time_point next_deadline() const noexcept;

  // A poll arrives while the ping has waited undelivered for 90% of
  // pingTimeout: a client that has not polled for that long cannot answer
  // in time and is presumed gone (ping timeout). A live polling client
  // always has a poll waiting, so it never meets this.
  bool presumed_gone(clock::time_point now) const noexcept;

private:
  void push_control(packet_type t);

  std::string sid_;
  transport transport_;
  session_settings settings_;
  std::deque<packet> queue_;
  std::size_t queued_bytes_ = 0;    // message bytes only, as they would go on a poll
  std::size_t queued_messages_ = 0;
  bool probe_attached_ = false;
  bool probe_answered_ = false;
  bool awaiting_pong_ = false;
  bool ping_undelivered_ = false;  // queued, not yet handed to a transport
  clock::time_point ping_due_;
  clock::time_point pong_deadline_;
  bool closing_ = false;
  bool finished_ = false;  // the close packet has been handed out
  clock::time_point close_deadline_;
};

}  // namespace hearth::web::eio
