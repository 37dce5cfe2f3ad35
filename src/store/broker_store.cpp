// broker.db: opening, the schema and its migrations, and the writes of each
// persistence hook. Reading back is in broker_store_load.cpp.
#include "hearth/store/broker_store.hpp"

#include <array>

namespace hearth::store {

namespace {

// Append only: a released migration is never edited, a change is a new one.
// CHECK constraints keep what the broker never writes out of the file; the
// loader checks the rest (topic syntax, references).
constexpr std::array<std::string_view, 1> migrations = {
    // 1: messages stored once; retained topics, sessions, subscriptions,
    // outbound deliveries (queued: packet_id 0; in flight: its id and state,
    // message NULL once PUBREC arrived) and inbound QoS 2 messages awaiting
    // PUBREL (message NULL: refused by the ACL) refer to them.
    R"sql(
      CREATE TABLE message(
        id INTEGER PRIMARY KEY,
        topic TEXT NOT NULL, payload BLOB NOT NULL,
        qos INTEGER NOT NULL CHECK(qos BETWEEN 0 AND 2),
        retain INTEGER NOT NULL CHECK(retain IN (0, 1)));
      CREATE TABLE retained(
        topic TEXT PRIMARY KEY,
        message INTEGER NOT NULL REFERENCES message(id)) WITHOUT ROWID;
      CREATE INDEX retained_message ON retained(message);
      CREATE TABLE session(
        id INTEGER PRIMARY KEY,
        client_id TEXT NOT NULL UNIQUE,
        username TEXT);
      CREATE TABLE subscription(
        session INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
        filter TEXT NOT NULL,
        qos INTEGER NOT NULL,
        PRIMARY KEY(session, filter)) WITHOUT ROWID;
      CREATE TABLE delivery(
        session INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        message INTEGER REFERENCES message(id),
        qos INTEGER NOT NULL, retain INTEGER NOT NULL,
        packet_id INTEGER NOT NULL, state INTEGER NOT NULL,
        PRIMARY KEY(session, seq)) WITHOUT ROWID;
      CREATE INDEX delivery_message ON delivery(message);
      CREATE TABLE incoming(
        session INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
        packet_id INTEGER NOT NULL,
        message INTEGER REFERENCES message(id),
        PRIMARY KEY(session, packet_id)) WITHOUT ROWID;
      CREATE INDEX incoming_message ON incoming(message);
    )sql",
};

std::string first_text(database& db, std::string_view sql) {
  statement s(db, sql);
  return s.step() ? s.column_text(0) : std::string();
}

// Opens the file the way the store needs it; returns the schema version.
int set_up(database& db, sync_mode sync) {
  const std::string& path = db.path();
  try {
    // The first statement that reads the file is where "not a database"
    // shows; EXCLUSIVE must come before WAL so that no -shm file is used.
    db.exec("PRAGMA locking_mode=EXCLUSIVE");
    const std::string mode = first_text(db, "PRAGMA journal_mode=WAL");
    if (mode != "wal" && !(path == ":memory:" && mode == "memory")) throw broker_store_error(path + ": cannot switch to WAL (journal_mode is " + mode + ")");
    db.exec(sync == sync_mode::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    const std::string check = first_text(db, "PRAGMA quick_check");
    if (check != "ok") throw broker_store_error(path + ": failed its integrity check: " + check);
    const int have = db.user_version();
    if (have > static_cast<int>(migrations.size())) {
      throw broker_store_error(path + ": schema version " + std::to_string(have) + " is newer than this hearthd's (" +
                               std::to_string(migrations.size()) + ")");
    }
    for (int v = have; v < static_cast<int>(migrations.size()); ++v) {
      transaction tx(db);
      db.exec(migrations[static_cast<std::size_t>(v)]);
      db.set_user_version(v + 1);  // in the same transaction: both or neither
      tx.commit();
    }
    return static_cast<int>(migrations.size());
  } catch (const sqlite_error& e) {
    throw broker_store_error(path + ": " + e.what());
  }
}

database open_file(const std::string& path) {
  try {
    return database(path);
  } catch (const sqlite_error& e) {
    throw broker_store_error(e.what());
  }
}

}  // namespace

int broker_store::schema_version() noexcept { return static_cast<int>(migrations.size()); }

broker_store::broker_store(const std::string& path, sync_mode sync)
    : db_(open_file(path)),
      version_(set_up(db_, sync)),
      insert_message_(db_, "INSERT OR IGNORE INTO message(id, topic, payload, qos, retain) VALUES(?,?,?,?,?)"),
      upsert_delivery_(db_,
                       "INSERT OR REPLACE INTO delivery(session, seq, message, qos, retain, packet_id, state) "
                       "VALUES(?,?,?,?,?,?,?)"),
      delete_delivery_(db_, "DELETE FROM delivery WHERE session=? AND seq=? RETURNING message"),
      delivery_message_(db_, "SELECT message FROM delivery WHERE session=? AND seq=?"),
      upsert_incoming_(db_, "INSERT OR REPLACE INTO incoming(session, packet_id, message) VALUES(?,?,?)"),
      delete_incoming_(db_, "DELETE FROM incoming WHERE session=? AND packet_id=? RETURNING message"),
      upsert_retained_(db_, "INSERT OR REPLACE INTO retained(topic, message) VALUES(?,?)"),
      delete_retained_(db_, "DELETE FROM retained WHERE topic=? RETURNING message"),
      delete_orphan_(db_,
                     "DELETE FROM message WHERE id=?1 AND NOT EXISTS(SELECT 1 FROM delivery WHERE message=?1) "
                     "AND NOT EXISTS(SELECT 1 FROM incoming WHERE message=?1) "
                     "AND NOT EXISTS(SELECT 1 FROM retained WHERE message=?1)") {}

broker_store::~broker_store() = default;  // an open batch rolls back: it was never acknowledged

void broker_store::begin() {
  if (tx_) return;
  tx_.emplace(db_);
  if (on_pending_) on_pending_();
}

void broker_store::commit() {
  if (!tx_) return;
  sweep_orphans();
  tx_->commit();
  tx_.reset();
}

void broker_store::sweep_orphans() {
  for (std::int64_t id : orphans_) delete_orphan_.bind(1, id).run();
  orphans_.clear();
}

void broker_store::maybe_orphaned(statement& returning) {
  while (returning.step())
    if (!returning.column_is_null(0)) orphans_.insert(returning.column_int(0));
  returning.reset();
}

std::int64_t broker_store::session_row(const mqtt::session& s) {
  auto it = sessions_.find(s.client_id());
  if (it != sessions_.end()) return it->second;
  session_stored(s);
  return sessions_.at(s.client_id());
}

std::int64_t broker_store::message_row(const mqtt::message_ptr& m) {
  // Ids come from a counter rather than SQLite, so that an id is never given
  // to two messages while this process lives, and INSERT OR IGNORE brings
  // back the row of a message that was swept and is referenced again.
  if (m->store_id == 0) m->store_id = static_cast<std::uint64_t>(++last_message_id_);
  insert_message_.bind(1, static_cast<std::int64_t>(m->store_id))
      .bind(2, m->topic)
      .bind_blob(3, m->payload)
      .bind(4, std::int64_t{m->qos})
      .bind(5, std::int64_t{m->retain})
      .run();
  return static_cast<std::int64_t>(m->store_id);
}

void broker_store::retained_set(const mqtt::message_ptr& m) {
  begin();
  delete_retained_.bind(1, m->topic);
  maybe_orphaned(delete_retained_);
  upsert_retained_.bind(1, m->topic).bind(2, message_row(m)).run();
}

void broker_store::retained_cleared(std::string_view topic) {
  begin();
  delete_retained_.bind(1, topic);
  maybe_orphaned(delete_retained_);
}

void broker_store::session_stored(const mqtt::session& s) {
  begin();
  statement st(db_,
               "INSERT INTO session(client_id, username) VALUES(?,?) "
               "ON CONFLICT(client_id) DO UPDATE SET username=excluded.username RETURNING id");
  st.bind(1, s.client_id());
  if (s.username) st.bind(2, *s.username);
  else st.bind_null(2);
  st.step();
  sessions_[s.client_id()] = st.column_int(0);
  st.reset();
}

void broker_store::session_ended(const mqtt::session& s) {
  auto it = sessions_.find(s.client_id());
  if (it == sessions_.end()) return;
  begin();
  statement held(db_, "SELECT message FROM delivery WHERE session=?1 UNION SELECT message FROM incoming WHERE session=?1");
  held.bind(1, it->second);
  maybe_orphaned(held);
  statement del(db_, "DELETE FROM session WHERE id=?");  // cascades to its rows
  del.bind(1, it->second).run();
  sessions_.erase(it);
}

void broker_store::subscription_added(const mqtt::session& s, std::string_view filter, std::uint8_t qos) {
  begin();
  statement st(db_, "INSERT OR REPLACE INTO subscription(session, filter, qos) VALUES(?,?,?)");
  st.bind(1, session_row(s)).bind(2, filter).bind(3, std::int64_t{qos}).run();
}

void broker_store::subscription_removed(const mqtt::session& s, std::string_view filter) {
  begin();
  statement st(db_, "DELETE FROM subscription WHERE session=? AND filter=?");
  st.bind(1, session_row(s)).bind(2, filter).run();
}

void broker_store::delivery_stored(const mqtt::session& s, const mqtt::stored_delivery& d) {
  begin();
  const std::int64_t session = session_row(s);
  const auto seq = static_cast<std::int64_t>(d.seq);
  if (!d.msg) {
    // PUBREC: the row lets its message go.
    delivery_message_.bind(1, session).bind(2, seq);
    maybe_orphaned(delivery_message_);
  }
  upsert_delivery_.bind(1, session).bind(2, seq);
  if (d.msg) upsert_delivery_.bind(3, message_row(d.msg));
  else upsert_delivery_.bind_null(3);
  upsert_delivery_.bind(4, std::int64_t{d.qos})
      .bind(5, std::int64_t{d.retain})
      .bind(6, std::int64_t{d.packet_id})
      .bind(7, static_cast<std::int64_t>(d.state))
      .run();
}

void broker_store::delivery_removed(const mqtt::session& s, std::uint64_t seq) {
  begin();
  delete_delivery_.bind(1, session_row(s)).bind(2, static_cast<std::int64_t>(seq));
  maybe_orphaned(delete_delivery_);
}

void broker_store::incoming_stored(const mqtt::session& s, std::uint16_t id, const mqtt::message_ptr& m) {
  begin();
  const std::int64_t session = session_row(s);
  delete_incoming_.bind(1, session).bind(2, std::int64_t{id});
  maybe_orphaned(delete_incoming_);  // a PUBLISH re-sent under the same id replaces the message
  upsert_incoming_.bind(1, session).bind(2, std::int64_t{id});
  if (m) upsert_incoming_.bind(3, message_row(m));
  else upsert_incoming_.bind_null(3);
  upsert_incoming_.run();
}

void broker_store::incoming_released(const mqtt::session& s, std::uint16_t id) {
  begin();
  delete_incoming_.bind(1, session_row(s)).bind(2, std::int64_t{id});
  maybe_orphaned(delete_incoming_);
}

}  // namespace hearth::store
