// Reading broker.db back at start-up. Every row is checked against what the
// broker itself writes; a row that breaks a rule is refused with a message
// naming the table, the row and the rule, and the whole load fails: a
// damaged file is for the operator to look at, not for the broker to guess
// which messages it may drop.
#include <limits>
#include <map>
#include <sstream>

#include "hearth/mqtt/topic.hpp"
#include "hearth/mqtt/utf8.hpp"
#include "hearth/store/broker_store.hpp"

namespace hearth::store {

namespace {

class row_checker {
public:
  row_checker(const std::string& path, const char* table) : path_(path), table_(table) {}

  // Names the row in messages, e.g. "session 3, seq 7".
  void at(std::string row) { row_ = std::move(row); }

  void require(bool ok, std::string_view rule) const {
    if (ok) return;
    std::ostringstream msg;
    msg << path_ << ": malformed row in table " << table_ << " (" << row_ << "): " << rule
        << "; the file is damaged or was edited (move it away to start with an empty broker state)";
    throw broker_store_error(msg.str());
  }

private:
  const std::string& path_;
  const char* table_;
  std::string row_;
};

bool valid_topic(const std::string& t) {
  return t.size() <= 65535 && mqtt::is_valid_mqtt_utf8(t) && mqtt::is_valid_topic_name(t);
}

}  // namespace

mqtt::restored_state broker_store::load() {
  try {
    mqtt::restored_state out;
    const std::string& path = db_.path();

    std::unordered_map<std::int64_t, mqtt::message_ptr> messages;
    {
      row_checker check(path, "message");
      statement st(db_, "SELECT id, topic, payload, qos, retain FROM message");
      while (st.step()) {
        const std::int64_t id = st.column_int(0);
        check.at("id " + std::to_string(id));
        check.require(id > 0, "id must be positive");
        const std::string topic = st.column_text(1);
        check.require(valid_topic(topic), "topic is not a valid topic name");
        const std::int64_t qos = st.column_int(3);
        const std::int64_t retain = st.column_int(4);
        check.require(qos >= 0 && qos <= 2, "qos must be 0, 1 or 2");
        check.require(retain == 0 || retain == 1, "retain must be 0 or 1");
        auto m = mqtt::make_message(topic, st.column_text(2), static_cast<std::uint8_t>(qos), retain == 1);
        m->store_id = static_cast<std::uint64_t>(id);
        messages.emplace(id, std::move(m));
        if (id > last_message_id_) last_message_id_ = id;
      }
    }
    auto find_message = [&](const row_checker& check, statement& st, int col, bool nullable) -> mqtt::message_ptr {
      if (st.column_is_null(col)) {
        check.require(nullable, "message must not be NULL");
        return nullptr;
      }
      auto it = messages.find(st.column_int(col));
      check.require(it != messages.end(), "refers to a message that does not exist");
      return it->second;
    };

    {
      row_checker check(path, "retained");
      statement st(db_, "SELECT topic, message FROM retained ORDER BY topic");
      while (st.step()) {
        const std::string topic = st.column_text(0);
        check.at("topic " + topic);
        auto m = find_message(check, st, 1, false);
        check.require(m->topic == topic, "topic differs from its message's topic");
        check.require(!m->payload.empty(), "a retained message must have a payload");
        out.retained.push_back(std::move(m));
      }
    }

    std::map<std::int64_t, std::size_t> index;  // session row -> position in out.sessions
    {
      row_checker check(path, "session");
      statement st(db_, "SELECT id, client_id, username FROM session ORDER BY id");
      while (st.step()) {
        const std::int64_t id = st.column_int(0);
        mqtt::restored_session s;
        s.client_id = st.column_text(1);
        check.at("id " + std::to_string(id));
        check.require(!s.client_id.empty() && mqtt::is_valid_mqtt_utf8(s.client_id), "client_id must be valid UTF-8, not empty");
        if (!st.column_is_null(2)) s.username = st.column_text(2);
        sessions_[s.client_id] = id;
        index[id] = out.sessions.size();
        out.sessions.push_back(std::move(s));
      }
    }
    auto session_of = [&](const row_checker& check, std::int64_t id) -> mqtt::restored_session& {
      auto it = index.find(id);
      check.require(it != index.end(), "refers to a session that does not exist");
      return out.sessions[it->second];
    };

    {
      row_checker check(path, "subscription");
      statement st(db_, "SELECT session, filter, qos FROM subscription ORDER BY session, filter");
      while (st.step()) {
        const std::string filter = st.column_text(1);
        check.at("session " + std::to_string(st.column_int(0)) + ", filter " + filter);
        const std::int64_t qos = st.column_int(2);
        check.require(qos >= 0 && qos <= 2, "qos must be 0, 1 or 2");
        check.require(mqtt::is_valid_mqtt_utf8(filter) && mqtt::is_valid_topic_filter(filter),
                      "filter is not a valid topic filter");
        session_of(check, st.column_int(0)).subscriptions.emplace_back(filter, static_cast<std::uint8_t>(qos));
      }
    }

    {
      row_checker check(path, "delivery");
      statement st(db_,
                   "SELECT session, seq, message, qos, retain, packet_id, state FROM delivery ORDER BY session, seq");
      while (st.step()) {
        const std::int64_t seq = st.column_int(1);
        check.at("session " + std::to_string(st.column_int(0)) + ", seq " + std::to_string(seq));
        auto& s = session_of(check, st.column_int(0));
        mqtt::stored_delivery d;
        check.require(seq > 0, "seq must be positive");
        const std::int64_t qos = st.column_int(3);
        const std::int64_t retain = st.column_int(4);
        const std::int64_t packet_id = st.column_int(5);
        const std::int64_t state = st.column_int(6);
        check.require(qos == 1 || qos == 2, "qos must be 1 or 2");
        check.require(retain == 0 || retain == 1, "retain must be 0 or 1");
        check.require(packet_id >= 0 && packet_id <= 65535, "packet_id must be 0 (queued) or 1-65535");
        check.require(state >= 0 && state <= 2, "state must be 0 (PUBACK), 1 (PUBREC) or 2 (PUBCOMP)");
        d.seq = static_cast<std::uint64_t>(seq);
        d.qos = static_cast<std::uint8_t>(qos);
        d.retain = retain == 1;
        d.packet_id = static_cast<std::uint16_t>(packet_id);
        d.state = static_cast<mqtt::flight_state>(state);
        const bool released = packet_id != 0 && d.state == mqtt::flight_state::awaiting_pubcomp;
        check.require(packet_id == 0 || (qos == 1) == (d.state == mqtt::flight_state::awaiting_puback),
                      "state does not match qos");
        d.msg = find_message(check, st, 2, released);
        check.require(!released || !d.msg, "a released (PUBREC'd) delivery keeps no message");
        s.deliveries.push_back(std::move(d));
      }
    }

    {
      row_checker check(path, "incoming");
      statement st(db_, "SELECT session, packet_id, message FROM incoming ORDER BY session, packet_id");
      while (st.step()) {
        const std::int64_t id = st.column_int(1);
        check.at("session " + std::to_string(st.column_int(0)) + ", packet_id " + std::to_string(id));
        auto& s = session_of(check, st.column_int(0));
        check.require(id >= 1 && id <= 65535, "packet_id must be 1-65535");
        auto m = find_message(check, st, 2, true);
        check.require(!m || m->qos == 2, "an inbound QoS 2 entry holds a QoS 2 message");
        s.incoming_qos2.emplace_back(static_cast<std::uint16_t>(id), std::move(m));
      }
    }
    // Rows no one refers to (left by a crash between a release and its
    // sweep) go with the next commit.
    for (const auto& [id, m] : messages)
      if (m.use_count() == 1) orphans_.insert(id);
    return out;
  } catch (const sqlite_error& e) {
    throw broker_store_error(db_.path() + ": " + e.what());
  }
}

}  // namespace hearth::store
