// The MQTT 3.1.1 broker, free of I/O.
//
// A transport opens a client with on_open(), feeds it decoded packets with
// on_packet(), and reports the end of the connection with on_close(). The
// broker answers through the client's `link`. Time comes in through the
// `now` arguments and tick(), so tests drive the broker with fake time.
//
// Everything runs on one thread; nothing here locks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hearth/core/log.hpp"
#include "hearth/mqtt/acl.hpp"
#include "hearth/mqtt/link.hpp"
#include "hearth/mqtt/packet.hpp"
#include "hearth/mqtt/retained_store.hpp"
#include "hearth/mqtt/session.hpp"
#include "hearth/mqtt/topic_tree.hpp"

namespace hearth::mqtt {

using clock = std::chrono::steady_clock;

struct broker_config {
  session_limits session;
  bool allow_zero_length_client_id = true;
  std::chrono::seconds sys_interval{10};  // 0 disables $SYS publication
  std::string version = "hearth";
};

// One connection as the broker sees it.
struct client {
  link* transport = nullptr;
  session* sess = nullptr;  // set once CONNECT is accepted
  bool connected = false;   // CONNECT accepted
  bool ended = false;       // detached from its session; only on_close remains
  std::optional<will_message> will;
  std::optional<std::string> username;
  std::string client_id;
  std::uint8_t protocol_level = 4;
  std::vector<session*> blocked_on;  // congested sessions this publisher waits for
};

struct broker_stats {
  std::uint64_t messages_received = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t publish_received = 0;
  std::uint64_t publish_sent = 0;
  std::uint64_t publish_dropped = 0;    // QoS 0 over a write queue's soft limit, or a full session queue
  std::uint64_t publish_denied = 0;     // dropped by the ACL
  std::uint64_t publishers_paused = 0;  // times a publisher was paused for a slow subscriber
  std::uint64_t subscribers_stalled = 0;  // times a subscriber stalled past backpressure_timeout
  std::uint64_t bytes_received = 0;     // maintained by transports
  std::uint64_t bytes_sent = 0;         // maintained by transports
  std::uint64_t connections_total = 0;
  std::uint64_t protocol_errors = 0;
  std::size_t clients_connected = 0;
  std::size_t clients_maximum = 0;
};

// Decides whether a CONNECT's credentials are good. The default accepts all.
using authenticator = std::function<connack_code(const connect_packet&, std::string_view peer)>;

class broker {
public:
  broker(broker_config cfg, core::logger& log);
  ~broker();
  broker(const broker&) = delete;
  broker& operator=(const broker&) = delete;

  void set_authenticator(authenticator a) { auth_ = std::move(a); }
  void set_acl(std::optional<acl> a) { acl_ = std::move(a); }

  // --- transport interface ---------------------------------------------------
  client* on_open(link& transport);
  // Handles one decoded packet. The packet's string_views must stay valid for
  // the duration of the call only.
  void on_packet(client& c, const packet& p);
  // A packet the codec refused: the connection is closed as a protocol error.
  void on_protocol_error(client& c, std::error_code why);
  // The transport is gone (peer closed, error, keepalive expired, or after the
  // broker's own close). Frees `c`; a will is published unless the client
  // disconnected cleanly or was already ended by the broker.
  void on_close(client& c, std::error_code why);

  // The link's write backlog has drained (see link::backlogged): flights that
  // waited for it start now.
  void on_drained(client& c);

  // Periodic work: publishes $SYS statistics when due.
  void tick(clock::time_point now);

  // Publishes a message as the broker itself (for $SYS and in-process use).
  // Refuses what no network client could publish either, since subscribers
  // receive it encoded: errc::bad_qos, bad_utf8, bad_topic_name (also over
  // 65,535 bytes), too_many_topic_levels, packet_too_large (over
  // max_remaining_length).
  std::error_code publish(std::string_view topic, std::string_view payload, std::uint8_t qos, bool retain);

  broker_stats& stats() noexcept { return stats_; }
  const broker_stats& stats() const noexcept { return stats_; }
  const retained_store& retained() const noexcept { return retained_; }
  const topic_tree& subscriptions() const noexcept { return tree_; }
  std::size_t session_count() const noexcept { return sessions_.size(); }
  const session* find_session(std::string_view client_id) const;
  const broker_config& config() const noexcept { return cfg_; }

private:
  // Packet handlers, one per type (handle_*.cpp).
  void handle_connect(client& c, const connect_packet& p);
  void handle_publish(client& c, const publish_packet& p);
  void handle_puback(client& c, std::uint16_t id);
  void handle_pubrec(client& c, std::uint16_t id);
  void handle_pubrel(client& c, std::uint16_t id);
  void handle_pubcomp(client& c, std::uint16_t id);
  void handle_subscribe(client& c, const subscribe_packet& p);
  void handle_unsubscribe(client& c, const unsubscribe_packet& p);
  void handle_pingreq(client& c);
  void handle_disconnect(client& c);

  // False (and counted) when `c` may not publish to `topic`.
  bool may_publish(const client& c, std::string_view topic);

  // Routing and delivery.
  // `from` is the publishing client (null for wills, retained and in-process
  // messages); it is paused when a subscriber's queue is congested.
  void route(const message_ptr& m, client* from);
  void deliver(session& s, delivery d, client* from);
  // Backpressure (backpressure.cpp).
  void block(session& s, client& publisher);
  void release(session& s);
  void unblock_client(client& c);
  void check_backpressure();
  void send_flight(session& s, const flight& f, bool dup);
  void pump(session& s);
  // Sends what the window holds but the current connection has not seen
  // yet; false while the link is backlogged and some remain.
  bool resend(session& s);
  void resume(session& s);

  // Ends `c`: detaches it from its session (discarding a clean session),
  // publishes its will if asked, and closes its link.
  void end_client(client& c, std::error_code why, bool publish_will);
  void discard_session(session& s);
  session& attach_session(client& c, const connect_packet& p, bool& present);
  void send_connack(client& c, bool present, connack_code code);
  acl_identity identity_of(const session& s) const;
  void publish_sys();

  broker_config cfg_;
  core::logger& log_;
  authenticator auth_;
  std::optional<acl> acl_;
  std::unordered_map<client*, std::unique_ptr<client>> clients_;
  std::unordered_map<std::string, std::unique_ptr<session>> sessions_;
  topic_tree tree_;
  retained_store retained_;
  broker_stats stats_;
  std::uint64_t epoch_ = 0;
  std::uint64_t next_assigned_id_ = 0;
  std::vector<subscriber_match> matches_;   // reused by route()
  std::vector<session*> targets_;           // reused by route()
  std::vector<session*> congested_;         // sessions with paused publishers
  std::string scratch_;                     // reused for encoding control packets
  std::unordered_map<std::string, std::string> sys_last_;  // last published $SYS values
  std::optional<clock::time_point> started_;
  clock::time_point last_sys_{};
  clock::time_point now_{};
};

}  // namespace hearth::mqtt
