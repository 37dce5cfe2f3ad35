// What the sans-I/O broker tells a persistence layer, and what one gives back
// at start-up. The broker stays free of SQLite: store/broker_store.hpp
// implements this interface, and the unit tests use a fake.
//
// Only state that must outlive the process is reported: retained messages
// (except $SYS, which the broker regenerates), and persistent sessions
// (clean_session = 0) with their subscriptions, their QoS 1/2 deliveries
// (queued or in flight, with the packet id and state of a flight) and the
// inbound QoS 2 messages received but not yet released. Clean sessions and
// QoS 0 deliveries are never reported.
//
// The contract is a batch: calls made since the last commit() form one
// transaction, which commit() makes durable (or throws, and the process must
// not claim anything of it). The broker reports every change when it makes
// it, in memory, and in "ack after commit" mode holds back every packet it
// would send while a batch is open (pending()), releasing them in order once
// commit() has returned (broker::commit). So no client ever sees an
// acknowledgement, a SUBACK, a PUBLISH or a PUBREL whose state a crash could
// still take back. The layer asks for a commit soon after a batch opens (its
// owner schedules it, e.g. once per event-loop turn).
//
// A message is reported by pointer; message::store_id is the layer's to set,
// so that a message held by many sessions is stored once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hearth/mqtt/message.hpp"
#include "hearth/mqtt/session.hpp"

namespace hearth::mqtt {

// One outbound delivery of a persistent session as stored.
struct stored_delivery {
  std::uint64_t seq = 0;      // order within the session (delivery::seq)
  message_ptr msg;            // null once PUBREC arrived (awaiting PUBCOMP)
  std::uint8_t qos = 1;       // 1 or 2
  bool retain = false;
  std::uint16_t packet_id = 0;  // 0 while queued behind the window
  flight_state state = flight_state::awaiting_puback;  // when packet_id != 0
};

struct restored_session {
  std::string client_id;
  std::optional<std::string> username;
  std::vector<std::pair<std::string, std::uint8_t>> subscriptions;  // filter, granted QoS
  std::vector<stored_delivery> deliveries;                          // by seq
  std::vector<std::pair<std::uint16_t, message_ptr>> incoming_qos2;  // null: refused by the ACL
};

struct restored_state {
  std::vector<message_ptr> retained;
  std::vector<restored_session> sessions;
};

class persistence {
public:
  virtual ~persistence() = default;

  virtual void retained_set(const message_ptr& m) = 0;
  virtual void retained_cleared(std::string_view topic) = 0;

  // A persistent session begins, or a resumed one changes its user name.
  virtual void session_stored(const session& s) = 0;
  // A persistent session is discarded, with everything it holds.
  virtual void session_ended(const session& s) = 0;
  virtual void subscription_added(const session& s, std::string_view filter, std::uint8_t qos) = 0;
  virtual void subscription_removed(const session& s, std::string_view filter) = 0;

  // Inserts or replaces the delivery (s, d.seq): queued, started, PUBREC'd.
  virtual void delivery_stored(const session& s, const stored_delivery& d) = 0;
  // PUBACK or PUBCOMP arrived (or the delivery was dropped).
  virtual void delivery_removed(const session& s, std::uint64_t seq) = 0;

  // An inbound QoS 2 message (null: refused) awaits PUBREL under `id`.
  virtual void incoming_stored(const session& s, std::uint16_t id, const message_ptr& m) = 0;
  virtual void incoming_released(const session& s, std::uint16_t id) = 0;

  // True while changes since the last commit() are not durable.
  virtual bool pending() const noexcept = 0;
  // Makes the open batch durable. Throws on failure.
  virtual void commit() = 0;
};

}  // namespace hearth::mqtt
