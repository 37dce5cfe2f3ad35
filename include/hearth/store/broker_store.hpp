// The broker's durable state in SQLite (broker.db in --data-dir): retained
// messages and persistent sessions, the persistence layer of mqtt::broker
// (mqtt/persistence.hpp).
//
// Incremental, not snapshots: every hook writes its rows at once into one
// open transaction (BEGIN IMMEDIATE on the first write of a batch), and
// commit() ends it; the owner commits once per event-loop turn (on_pending
// tells it a batch has opened), so a turn that stored a thousand messages
// costs one fsync. A message is one row in `message`, referenced by the
// deliveries, inbound QoS 2 entries and retained topics that hold it; rows
// no longer referenced are deleted when the batch commits, so a message
// released and routed in the same batch is never deleted and re-inserted.
//
// The file is WAL, locking_mode EXCLUSIVE (a second hearthd on the same data
// directory fails to open it instead of corrupting it), synchronous FULL by
// default: SQLite's documentation states that a commit in WAL mode is
// durable across an application crash whatever the synchronous setting, and
// across a power loss or OS crash only with FULL (NORMAL may roll the last
// transactions back). kill -9 is the former, a tripped fuse the latter.
//
// A file that cannot be used (not a database, failing its quick_check, a
// schema newer than this build, a row that breaks the schema's rules) throws
// broker_store_error naming the file and the fault; nothing is overwritten.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "hearth/mqtt/persistence.hpp"
#include "hearth/store/sqlite.hpp"

namespace hearth::store {

struct broker_store_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class sync_mode : std::uint8_t { full, normal };

class broker_store final : public mqtt::persistence {
public:
  // Opens (creating) the file and brings its schema up to date.
  explicit broker_store(const std::string& path, sync_mode sync = sync_mode::full);
  ~broker_store() override;
  broker_store(const broker_store&) = delete;
  broker_store& operator=(const broker_store&) = delete;

  // Reads everything back (broker_store_load.cpp). Throws broker_store_error
  // for a row that breaks the rules (a [malformed] row is refused, never
  // skipped: it means the file was damaged or edited).
  mqtt::restored_state load();

  // Called when a batch opens, so the owner can schedule commit().
  void on_pending(std::function<void()> f) { on_pending_ = std::move(f); }

  // The schema version this build writes (PRAGMA user_version).
  static int schema_version() noexcept;

  // --- mqtt::persistence ---------------------------------------------------------
  void retained_set(const mqtt::message_ptr& m) override;
  void retained_cleared(std::string_view topic) override;
  void session_stored(const mqtt::session& s) override;
  void session_ended(const mqtt::session& s) override;
  void subscription_added(const mqtt::session& s, std::string_view filter, std::uint8_t qos) override;
  void subscription_removed(const mqtt::session& s, std::string_view filter) override;
  void delivery_stored(const mqtt::session& s, const mqtt::stored_delivery& d) override;
  void delivery_removed(const mqtt::session& s, std::uint64_t seq) override;
  void incoming_stored(const mqtt::session& s, std::uint16_t id, const mqtt::message_ptr& m) override;
  void incoming_released(const mqtt::session& s, std::uint16_t id) override;
  bool pending() const noexcept override { return tx_.has_value(); }
  void commit() override;

  database& db() noexcept { return db_; }  // for tests

private:
  void begin();
  std::int64_t session_row(const mqtt::session& s);
  // The message's row id, inserting the row if it is not there.
  std::int64_t message_row(const mqtt::message_ptr& m);
  void maybe_orphaned(std::int64_t message_id) { orphans_.insert(message_id); }
  void maybe_orphaned(statement& returning);  // each row's column 0
  void sweep_orphans();

  database db_;
  int version_;  // set up before the statements below are prepared
  std::optional<transaction> tx_;
  std::function<void()> on_pending_;
  std::unordered_map<std::string, std::int64_t> sessions_;  // client id -> row id
  std::unordered_set<std::int64_t> orphans_;                // message rows that may have lost their last holder
  std::int64_t last_message_id_ = 0;

  // Hot statements, prepared once.
  statement insert_message_;
  statement upsert_delivery_;
  statement delete_delivery_;
  statement delivery_message_;
  statement upsert_incoming_;
  statement delete_incoming_;
  statement upsert_retained_;
  statement delete_retained_;
  statement delete_orphan_;
};

}  // namespace hearth::store
