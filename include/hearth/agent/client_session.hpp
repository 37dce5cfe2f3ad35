// The MQTT 3.1.1 client protocol of hearth-agent, as a sans-I/O state machine.
//
// It owns no socket and no timer: the runtime feeds it transport events
// (connected, bytes, closed), the time (tick) and commands (publish), and
// takes back bytes to write and events (CONNACK, a message, a PUBACK, "close
// the transport"). Tests drive it with byte vectors and fake time.
//
// Contract:
//  - on_transport_up() queues CONNECT (with the will); nothing else is sent
//    until CONNACK accepts the session. Then the subscriptions are sent and
//    every QoS 1 PUBLISH still unacknowledged is re-sent, in order, with DUP
//    set and its original packet id (MQTT-4.4.0-1).
//  - QoS 1 publishes are tracked until PUBACK; at most `max_inflight` at once
//    (publish() returns nullopt when the window is full or the session is not
//    up: the caller keeps the message, e.g. in the on-disk outbox).
//  - Keepalive: PINGREQ when nothing was sent for `keepalive`; the transport
//    is closed when a PINGRESP (or a CONNACK) does not come in time.
//  - Incoming QoS 1 messages are acknowledged after the message event is
//    queued; QoS 2 ones get PUBREC/PUBCOMP and are delivered once.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "hearth/mqtt/packet.hpp"

namespace hearth::agent {

using clock_type = std::chrono::steady_clock;

struct client_settings {
  std::string client_id;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::chrono::seconds keepalive{30};
  std::optional<mqtt::will_message> will;
  bool clean_session = false;
  std::size_t max_inflight = 16;
  std::chrono::seconds connack_timeout{10};
  std::size_t max_packet = 1024 * 1024;
  std::vector<mqtt::subscription_request> subscriptions;
};

struct client_event {
  enum class kind {
    connected,        // CONNACK accepted; session_present set
    refused,          // CONNACK with a refusal; code set
    subscribed,       // SUBACK; return_codes set
    message,          // a PUBLISH from the server; topic/payload set
    acknowledged,     // PUBACK of one of our QoS 1 publishes; packet_id set
    close_transport,  // protocol error or timeout: close now; error set
  };
  kind what = kind::connected;
  bool session_present = false;
  mqtt::connack_code code = mqtt::connack_code::accepted;
  std::vector<std::uint8_t> return_codes;
  std::string topic;
  std::string payload;
  bool retain = false;
  std::uint16_t packet_id = 0;
  std::error_code error;
};

enum class client_state { down, awaiting_connack, up, closing };

class client_session {
public:
  explicit client_session(client_settings s);

  // Transport events.
  void on_transport_up(clock_type::time_point now);
  void on_bytes(std::string_view bytes, clock_type::time_point now);
  void on_transport_down();
  void tick(clock_type::time_point now);

  // A PUBLISH; the packet id for QoS 1 (0 for QoS 0), nullopt when not up
  // or when the QoS 1 window is full.
  std::optional<std::uint16_t> publish(std::string_view topic, std::string_view payload, std::uint8_t qos,
                                       bool retain, clock_type::time_point now);
  // A graceful DISCONNECT (the will is not published); closes afterwards.
  void disconnect();

  std::string take_output();
  std::vector<client_event> take_events();

  client_state state() const noexcept { return state_; }
  std::size_t inflight() const noexcept { return inflight_.size(); }
  bool window_full() const noexcept { return inflight_.size() >= settings_.max_inflight; }
  std::uint64_t resent() const noexcept { return resent_; }

private:
  struct pending {
    std::uint16_t id;
    std::string topic;
    std::string payload;
    bool retain;
  };

  void handle(const mqtt::packet& p, clock_type::time_point now);
  void close(std::error_code why);
  std::uint16_t next_id();
  void send_publish(const pending& m, bool dup);

  client_settings settings_;
  client_state state_ = client_state::down;
  std::string in_;
  std::string out_;
  std::vector<client_event> events_;
  std::deque<pending> inflight_;
  std::set<std::uint16_t> incoming_qos2_;
  std::uint16_t last_id_ = 0;
  std::uint16_t subscribe_id_ = 0;
  clock_type::time_point last_sent_{};
  clock_type::time_point waiting_since_{};
  bool ping_outstanding_ = false;
  std::uint64_t resent_ = 0;
};

}  // namespace hearth::agent
