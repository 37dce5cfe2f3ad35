// The state MQTT keeps for a client id, independent of any connection:
// subscriptions, the outbound QoS 1/2 window (in send order, for resending
// with DUP after a reconnect), messages queued behind that window or while the
// client is away, and the ids of inbound QoS 2 messages received but not yet
// released. Plain data with its own tests; a persistence layer mirrors it
// (persistence.hpp): every delivery carries a sequence number, unique within
// the session and increasing in send order, that names it there.
//
// A session may be given a message_meter: it then holds (meter.hold) every
// message in its queue and window, for the broker's memory budget.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hearth/core/heap_optional.hpp"
#include "hearth/mqtt/message.hpp"
#include "hearth/mqtt/packet_id_map.hpp"

namespace hearth::mqtt {

struct client;

struct session_limits {
  std::size_t max_inflight = 32;           // unacknowledged outbound QoS 1/2 messages
  std::size_t max_queued_messages = 1000;  // behind the window, or while away
  std::size_t max_queued_bytes = 16u << 20;
  std::size_t max_incoming_qos2 = 20;      // received QoS 2 ids awaiting PUBREL (Mosquitto's default)
  // How long publishers wait for a subscriber whose queue is past its
  // high-water mark (half of the bounds) before the broker stops waiting for
  // it and drops (counted) instead; zero never waits, as Mosquitto does.
  std::chrono::seconds backpressure_timeout{5};
  // A persistent session whose client has been away this long is discarded
  // (Mosquitto's persistent_client_expiration); zero keeps it until the
  // client cleans it, Mosquitto's default.
  std::chrono::seconds expiry{0};
};

struct delivery {
  message_ptr msg;
  std::uint8_t qos = 0;   // the QoS of this delivery (min of published and granted)
  bool retain = false;    // set for deliveries of retained messages on subscribe
  std::uint64_t seq = 0;  // assigned by the session when queued or started
};

enum class flight_state : std::uint8_t { awaiting_puback, awaiting_pubrec, awaiting_pubcomp };

struct flight {
  std::uint16_t packet_id = 0;
  flight_state state = flight_state::awaiting_puback;
  delivery d;
};

class session {
public:
  session(std::string client_id, bool clean, message_meter* meter = nullptr)
      : client_id_(std::move(client_id)), meter_(meter), clean_(clean) {}
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  const std::string& client_id() const noexcept { return client_id_; }
  bool clean() const noexcept { return clean_; }

  // Subscriptions, filter -> granted QoS.
  std::map<std::string, std::uint8_t, std::less<>> subscriptions;

  // --- outbound window -----------------------------------------------------
  const std::vector<flight>& inflight() const noexcept { return inflight_; }
  bool window_full(const session_limits& l) const noexcept { return inflight_.size() >= l.max_inflight; }
  // Puts `d` in the window under a fresh packet id and returns the flight,
  // which the caller sends at once (so every earlier one must be sent).
  flight& start_flight(delivery d);
  // Flights [0, sent_flights()) went out on the current connection; the rest
  // wait to be re-sent (after a reconnect, while the link was backlogged).
  std::size_t sent_flights() const noexcept { return sent_flights_; }
  bool all_flights_sent() const noexcept { return sent_flights_ == inflight_.size(); }
  void flight_sent() noexcept { ++sent_flights_; }
  void connection_changed() noexcept { sent_flights_ = 0; }
  flight* find_flight(std::uint16_t packet_id) noexcept;
  void end_flight(std::uint16_t packet_id) noexcept;
  // PUBREC received: the flight now waits for PUBCOMP and lets its message go
  // (MQTT-4.3.3-1: the message itself is no longer needed).
  void flight_received(flight& f) noexcept;

  // --- queue behind the window -----------------------------------------------
  // Returns false, and counts a drop, when the queue is at its bounds.
  bool enqueue(delivery d, const session_limits& l);
  bool has_queued() const noexcept { return queue_ && !queue_->empty(); }
  delivery pop_queued();
  const delivery& last_queued() const noexcept { return queue_->back(); }
  std::size_t queued_count() const noexcept { return queue_ ? queue_->size() : 0; }
  std::size_t queued_bytes() const noexcept { return queued_bytes_; }
  std::uint64_t dropped() const noexcept { return dropped_; }

  // --- inbound QoS 2 -----------------------------------------------------------
  // Messages received with QoS 2 and not yet released by PUBREL, by packet
  // id. They are routed on release; a PUBLISH re-sent under the same id
  // before that replaces the stored one. A null message was refused (ACL) and
  // only its id is kept, so that the exchange completes as usual.
  packet_id_map<message_ptr> incoming_qos2;

  // --- backpressure (managed by the broker, see backpressure.cpp) ------------
  std::vector<client*> blocked_publishers;  // paused until this queue drains
  std::chrono::steady_clock::time_point congested_since{};
  bool congested = false;  // queue past its high-water mark
  bool lossy = false;      // stalled past the timeout: drops instead of blocking until drained
  std::uint8_t match_qos = 0;  // scratch for route(), with match_epoch below

  // --- restoring from a persistence layer (before any connection) -------------
  // A flight as it was stored: not yet sent on the coming connection, so it
  // is re-sent (with DUP) on reconnect under its old packet id.
  void restore_flight(flight f);
  // A queued delivery, whatever the limits: nothing stored is dropped.
  void restore_queued(delivery d);

  // The live connection, if any.
  client* connection = nullptr;
  // Who subscribed, for read-ACL checks of deliveries while the client is away.
  core::heap_optional<std::string> username;

  // Scratch space for folding overlapping subscriptions during one routing.
  std::uint64_t match_epoch = 0;

private:
  std::uint16_t next_packet_id() noexcept;
  void hold(const delivery& d) noexcept {
    if (meter_ && d.msg) meter_->hold(*d.msg);
  }
  void release(const delivery& d) noexcept {
    if (meter_ && d.msg) meter_->release(*d.msg);
  }
  void number(delivery& d) noexcept {
    if (d.seq == 0) d.seq = ++last_seq_;
  }

  std::string client_id_;
  // An idle session must cost little memory: a std::deque allocates its map
  // and a first 512-byte block when constructed, so the window is a vector
  // (it holds at most max_inflight entries) and the queue exists only while
  // something waits in it.
  std::vector<flight> inflight_;
  std::size_t sent_flights_ = 0;
  std::unique_ptr<std::deque<delivery>> queue_;
  std::size_t queued_bytes_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t last_seq_ = 0;
  message_meter* meter_ = nullptr;
  std::uint16_t last_packet_id_ = 0;
  bool clean_;
};

}  // namespace hearth::mqtt
