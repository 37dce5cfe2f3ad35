// The MQTT 3.1.1 broker, free of I/O.
//
// A transport opens a client with on_open(), feeds it decoded packets with
// on_packet(), and reports the end of the connection with on_close(). The
// broker answers through the client's `link`. Time comes in through the
// `now` arguments and tick(), so tests drive the broker with fake time.
//
// Everything runs on one thread; nothing here locks.
//
// Durability (persistence.hpp): given a persistence layer, the broker reports
// every change of persistent state to it and, in "ack after commit" mode,
// holds back what it sends while a batch is open; commit() makes the batch
// durable and releases what was held, in order (output_gate.cpp).
//
// Memory budget (memory_budget.cpp): max_memory_bytes bounds the bytes of the
// messages held in queues, windows and the retained store, each counted once.
// Past it, new retained messages are refused, QoS 0 messages are not queued,
// and publishers of QoS 1/2 messages are paused until it drains, for at most
// backpressure_timeout; after that they go on and what would have to be
// queued past the budget is dropped (counted), as for a stalled subscriber.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hearth/core/heap_optional.hpp"
#include "hearth/core/log.hpp"
#include "hearth/mqtt/acl.hpp"
#include "hearth/mqtt/link.hpp"
#include "hearth/mqtt/packet.hpp"
#include "hearth/mqtt/persistence.hpp"
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
  std::size_t max_memory_bytes = 0;  // queued + retained message bytes; 0 = unbounded
  // With a persistence layer: acknowledge (and send anything else) only once
  // the batch holding the state is committed. Off: at once, and a crash may
  // lose what the last uncommitted batch held.
  bool ack_after_commit = true;
};

// A packet (or the close) held back until the open batch commits.
struct held_output {
  enum class kind : std::uint8_t { bytes, publish, close };
  kind what = kind::bytes;
  std::string bytes;
  message_ptr msg;
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;
  std::error_code why;
};

// One connection as the broker sees it.
// There is one per connection, most of them idle: rarely set fields are
// heap_optionals and the flags sit together.
struct client {
  link* transport = nullptr;
  session* sess = nullptr;  // set once CONNECT is accepted
  core::heap_optional<will_message> will;
  core::heap_optional<std::string> username;
  std::string client_id;
  std::vector<session*> blocked_on;  // congested sessions this publisher waits for
  std::vector<held_output> held;     // waiting for the open batch to commit
  std::uint32_t registry_index = 0;  // in the broker's clients_
  std::uint8_t protocol_level = 4;
  bool connected = false;            // CONNECT accepted
  bool ended = false;                // detached from its session; only on_close remains
  bool waits_for_memory = false;     // paused by the memory budget
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
  std::uint64_t retained_refused = 0;   // over the memory budget
  std::uint64_t commits = 0;            // persistence batches committed
  std::uint64_t sessions_expired = 0;   // persistent sessions discarded after session.expiry
  std::size_t clients_connected = 0;
  std::size_t clients_maximum = 0;
};

// What an authenticator sees of a CONNECT, and what it decides.
struct auth_request {
  const connect_packet& connect;
  std::string_view peer;              // "192.0.2.7:50312", "local:bridge"
  std::string_view certificate_name;  // CN of a verified client certificate, or empty
};
struct auth_verdict {
  connack_code code = connack_code::accepted;
  std::optional<std::string> username;  // replaces the CONNECT's (a certificate's CN)
  std::chrono::milliseconds delay{0};   // the link answers this late (link::delay_writes)
  std::string reason;                   // logged when refused
};
// Decides whether a CONNECT's credentials are good. The default accepts all.
using authenticator = std::function<auth_verdict(const auth_request&)>;
// The simple form: credentials and peer in, CONNACK code out.
using simple_authenticator = std::function<connack_code(const connect_packet&, std::string_view peer)>;

class broker {
public:
  broker(broker_config cfg, core::logger& log);
  ~broker();
  broker(const broker&) = delete;
  broker& operator=(const broker&) = delete;

  void set_authenticator(authenticator a) { auth_ = std::move(a); }
  void set_authenticator(simple_authenticator a) {
    auth_ = [a = std::move(a)](const auth_request& r) { return auth_verdict{a(r.connect, r.peer), {}, {}, {}}; };
  }
  void set_acl(std::optional<acl> a) { acl_ = std::move(a); }
  // SIGHUP: new queue, window and memory bounds apply from the next message
  // on; what is already queued beyond a lowered bound stays (nothing that
  // was acknowledged is dropped by a reload).
  void set_limits(const session_limits& s, std::size_t max_memory_bytes) {
    cfg_.session = s;
    cfg_.max_memory_bytes = max_memory_bytes;
  }

  // --- durability (persist.cpp, output_gate.cpp) --------------------------------
  // The layer must outlive the broker's use of it; null turns it off.
  void set_persistence(persistence* p) noexcept { persist_ = p; }
  // Rebuilds retained messages and persistent sessions (offline, their
  // flights to be re-sent with DUP on reconnect). Call once, before any
  // client connects.
  void restore(restored_state state);
  // Commits the open batch, if any, and sends what waited for it. A failed
  // commit throws (sqlite_error or the like): nothing held is sent.
  void commit();
  // Bytes and count of the messages held in memory (the budget's measure).
  const message_meter& stored() const noexcept { return meter_; }

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
  // Queues behind the window (budget, bounds, persistence); false if dropped.
  bool enqueue(session& s, delivery d);
  void start_flight(session& s, delivery d);
  // Backpressure (backpressure.cpp).
  void block(session& s, client& publisher);
  void release(session& s);
  void unblock_client(client& c);
  void check_backpressure();
  // Discards the persistent sessions away longer than session.expiry.
  void expire_sessions();
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

  // Output, through the gate (output_gate.cpp): held while a batch is open.
  bool gated(const client& c) const noexcept;
  void emit(client& c, std::string_view bytes);
  bool emit_publish(client& c, const message_ptr& m, std::uint8_t qos, bool retain, bool dup, std::uint16_t id);
  void emit_close(client& c, std::error_code why);
  void forget_held(client& c);
  void release_held();
  void send_ack(client& c, packet_type type, std::uint16_t id);
  // Holds every output while it lives, for a packet whose acknowledgement is
  // queued before the state it acknowledges is reported to the persistence.
  class hold_scope {
  public:
    hold_scope(broker& b, bool on);
    ~hold_scope();
    hold_scope(const hold_scope&) = delete;
    hold_scope& operator=(const hold_scope&) = delete;

  private:
    broker* b_ = nullptr;
  };

  // Persistence hooks (persist.cpp); each is a no-op without a layer or for
  // a clean session.
  bool persistent(const session& s) const noexcept { return persist_ && !s.clean(); }
  void persist_queued(session& s, const delivery& d);
  void persist_flight(session& s, const flight& f);
  void persist_removed(session& s, std::uint64_t seq);
  // Stores or clears a retained message, within the memory budget.
  void keep_retained(const message_ptr& m);

  // Memory budget (memory_budget.cpp).
  bool over_budget() const noexcept { return cfg_.max_memory_bytes && meter_.bytes > cfg_.max_memory_bytes; }
  void wait_for_memory(client& publisher);
  void check_memory();
  void release_memory_waiters();

  broker_config cfg_;
  core::logger& log_;
  authenticator auth_;
  std::optional<acl> acl_;
  persistence* persist_ = nullptr;
  message_meter meter_;  // before everything that holds messages
  // Owned here, one per connection: each client knows its index, so a
  // vector does (8 bytes each, where a hash map's node costs 32).
  std::vector<std::unique_ptr<client>> clients_;
  // Sessions by client id, the key being the session's own id (a set, so
  // the id is not stored twice).
  struct session_id {
    using is_transparent = void;
    static std::string_view of(std::string_view id) noexcept { return id; }
    static std::string_view of(const std::unique_ptr<session>& s) noexcept { return s->client_id(); }
    std::size_t operator()(const auto& k) const noexcept { return std::hash<std::string_view>{}(of(k)); }
    bool operator()(const auto& a, const auto& b) const noexcept { return of(a) == of(b); }
  };
  std::unordered_set<std::unique_ptr<session>, session_id, session_id> sessions_;
  topic_tree tree_;
  retained_store retained_;
  broker_stats stats_;
  std::uint64_t epoch_ = 0;
  std::uint64_t next_assigned_id_ = 0;
  std::vector<subscriber_match> matches_;   // reused by route()
  std::vector<session*> targets_;           // reused by route()
  std::vector<session*> congested_;         // sessions with paused publishers
  std::vector<client*> gated_;              // clients with held output
  int holding_ = 0;                         // live hold_scopes
  std::vector<client*> memory_waiters_;     // publishers paused by the memory budget
  clock::time_point over_budget_since_{};
  bool memory_lossy_ = false;  // over budget past the timeout: drop instead of waiting
  bool memory_warned_ = false;
  std::string scratch_;                     // reused for encoding control packets
  std::unordered_map<std::string, std::string> sys_last_;  // last published $SYS values
  std::optional<clock::time_point> started_;
  clock::time_point last_sys_{};
  // Persistent sessions without a connection, and since when (time_point{}:
  // restored from disk, counted from the first tick).
  std::unordered_map<session*, clock::time_point> away_;
  clock::time_point now_{};
};

}  // namespace hearth::mqtt
