// An MQTT client inside hearthd, without TCP: the bridge, the storage and the
// automations publish and subscribe through it.
//
// It is an mqtt::link like a socket connection, so the broker applies the
// same rules (sessions, QoS, retained messages, ACL) to it. Requests are
// synchronous calls into the broker; the broker's answers (CONNACK, SUBACK,
// acknowledgements) arrive before the call returns. Deliveries are the other
// way round: they come from inside the broker (while it routes someone
// else's publish), so they are queued and handed to the callbacks from a
// handler posted to the io_context. A callback therefore may publish,
// subscribe or unsubscribe freely. QoS 1 and 2 deliveries are acknowledged
// by this class, after the callbacks ran.
//
// Deliveries and acknowledgements still pending when a new connection starts
// (connect()) are dropped: their packet ids mean nothing to the new
// connection, and a resumed session gets its unacknowledged QoS 1/2 messages
// again from the broker. A clean session also forgets the QoS 2 ids awaiting
// PUBREL.
//
// What the broker receives is checked as the codec checks a network
// client's packets, since TCP subscribers get it encoded.
//
// The pending deliveries are bounded: past `max_pending` QoS 0 messages are
// refused (the broker counts them as dropped); QoS 1/2 are bounded by the
// broker's in-flight window.
//
// Create with make_shared (posted handlers keep it alive). It must not
// outlive the broker or the io_context. Destroying it while connected ends
// its connection as a network error would (the session stays unless clean).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "hearth/mqtt/broker.hpp"
#include "hearth/mqtt/link.hpp"
#include "hearth/net/net.hpp"

namespace hearth {

class local_client final : public mqtt::link, public std::enable_shared_from_this<local_client> {
public:
  using handler = std::function<void(const mqtt::message_ptr&)>;
  static constexpr std::size_t default_max_pending = 10000;

  local_client(net::io_context& ioc, mqtt::broker& broker, std::size_t max_pending = default_max_pending);
  ~local_client() override;
  local_client(const local_client&) = delete;
  local_client& operator=(const local_client&) = delete;

  // Opens a session (closing the current one first, if any) and returns the
  // broker's answer: accepted, or why not. Callbacks are kept when a
  // persistent session is resumed (the broker kept its subscriptions) and
  // dropped otherwise.
  mqtt::connack_code connect(std::string_view client_id, bool clean_session = true);
  bool connected() const noexcept { return client_ != nullptr; }
  const std::string& client_id() const noexcept { return client_id_; }

  // Subscribes `filter` at `qos` and calls `h` for each matching message.
  // Returns the granted QoS, or mqtt::suback_failure (0x80) for an invalid
  // (bad wildcards or UTF-8, over 65,535 bytes or mqtt::max_topic_levels
  // levels) or forbidden filter, or when not connected (then `h` is not kept).
  std::uint8_t subscribe(std::string_view filter, std::uint8_t qos, handler h);

  // Removes the subscription and every callback given for `filter`.
  void unsubscribe(std::string_view filter);

  // Publishes; QoS 1 and 2 complete before it returns. Errors:
  // std::errc::not_connected, mqtt::errc::bad_qos, bad_utf8, bad_topic_name
  // (also over 65,535 bytes), too_many_topic_levels, packet_too_large (over
  // mqtt::max_remaining_length).
  std::error_code publish(std::string_view topic, std::string_view payload, std::uint8_t qos = 0,
                          bool retain = false);

  // Ends the session cleanly (no will; a clean session is discarded).
  void disconnect();

  // QoS 0 deliveries refused because too many were pending.
  std::uint64_t dropped() const noexcept { return dropped_; }

  // mqtt::link
  void send(std::string_view bytes) override;
  bool send_publish(const mqtt::message_ptr& m, std::uint8_t qos, bool retain, bool dup,
                    std::uint16_t packet_id) override;
  void on_connected(std::uint16_t) override {}
  void close(std::error_code why) override;
  std::string_view peer() const override { return peer_; }

private:
  struct subscription {
    std::string filter;
    handler fn;
    bool active = true;  // false once unsubscribed (a delivery in progress skips it)
  };
  // Work for the posted drain(): deliver a message, then send an ack.
  struct event {
    std::uint64_t generation = 0;  // the connection it came from (generation_)
    mqtt::message_ptr msg;
    mqtt::packet_type ack = mqtt::packet_type::puback;
    std::uint16_t ack_id = 0;  // 0: no ack
  };

  void on_broker_packet(const mqtt::packet& p);
  // Queues work for drain(), tagged with the current connection.
  void push_event(mqtt::message_ptr msg, mqtt::packet_type ack, std::uint16_t ack_id);
  void drain();
  void deliver(const mqtt::message_ptr& m);
  std::uint16_t next_packet_id() noexcept;

  net::io_context& ioc_;
  mqtt::broker& broker_;
  mqtt::client* client_ = nullptr;
  std::string client_id_;
  std::string peer_;
  std::vector<std::shared_ptr<subscription>> subs_;
  std::vector<event> inbox_;
  std::vector<std::shared_ptr<subscription>> matched_;  // reused by deliver()
  // QoS 2 ids received and not yet released (PUBREL), each with the
  // generation of its pending delivery, or 0 once delivered: a resent
  // PUBLISH is delivered again only if its first delivery was dropped.
  std::unordered_map<std::uint16_t, std::uint64_t> incoming_qos2_;
  std::uint64_t generation_ = 0;  // counts connect() calls
  std::optional<mqtt::connack_packet> connack_;
  std::vector<std::uint8_t> suback_;
  std::uint16_t pubrec_for_ = 0;  // set when the broker answers our own QoS 2 publish
  std::size_t max_pending_;
  std::uint64_t dropped_ = 0;
  std::uint16_t last_id_ = 0;
  bool drain_posted_ = false;
};

}  // namespace hearth
