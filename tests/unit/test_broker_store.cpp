// broker.db (store/broker_store): what is saved comes back equal, messages
// are stored once and swept when no one holds them, a batch is one
// transaction, and a damaged file or a [malformed] row is refused with a
// message that names it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "hearth/store/broker_store.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using hearth::store::broker_store;
using hearth::store::broker_store_error;

namespace {

// A fresh file name in the temporary directory, removed (with -wal) at the end.
struct temp_db {
  std::filesystem::path path;
  temp_db() {
    static int n = 0;
    path = std::filesystem::temp_directory_path() /
           ("hearth-broker-store-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".db");
    clean();
  }
  ~temp_db() { clean(); }
  void clean() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path.string() + suffix);
  }
  std::string str() const { return path.string(); }
};

std::int64_t count(broker_store& st, const std::string& table) {
  auto s = st.db().prepare("SELECT count(*) FROM " + table);
  s.step();
  return s.column_int(0);
}

stored_delivery queued(std::uint64_t seq, const message_ptr& m) {
  return stored_delivery{seq, m, 1, false, 0, flight_state::awaiting_puback};
}

}  // namespace

TEST_CASE("broker_store: a new file is empty and at the current schema version", "[store]") {
  temp_db f;
  broker_store st(f.str());
  CHECK(st.db().user_version() == broker_store::schema_version());
  auto r = st.load();
  CHECK(r.retained.empty());
  CHECK(r.sessions.empty());
  CHECK_FALSE(st.pending());
}

TEST_CASE("broker_store: what is committed comes back equal after reopening", "[store]") {
  temp_db f;
  auto m1 = make_message("home/a/temp", "21.5", 1, false);
  auto m2 = make_message("home/a/status", "online", 1, true);
  auto m3 = make_message("home/b/cmd", std::string("\0bin\xff", 5), 2, false);
  auto in = make_message("home/in", "pending", 2, true);
  {
    broker_store st(f.str());
    int opened = 0;
    st.on_pending([&] { ++opened; });
    session s("sub-1", false);
    s.username = "alice";
    session t("sub-2", false);
    st.session_stored(s);
    st.session_stored(t);
    CHECK(opened == 1);  // one batch, however many writes
    CHECK(st.pending());
    st.subscription_added(s, "home/+/temp", 1);
    st.subscription_added(s, "home/#", 2);
    st.subscription_added(t, "home/b/#", 2);
    st.retained_set(m2);
    st.delivery_stored(s, stored_delivery{3, m1, 1, false, 17, flight_state::awaiting_puback});
    st.delivery_stored(s, stored_delivery{4, m3, 2, false, 18, flight_state::awaiting_pubrec});
    st.delivery_stored(s, stored_delivery{5, nullptr, 2, false, 19, flight_state::awaiting_pubcomp});
    st.delivery_stored(s, stored_delivery{6, m2, 1, true, 0, flight_state::awaiting_puback});
    st.delivery_stored(t, queued(1, m3));  // the same message for a second session
    st.incoming_stored(t, 9, in);
    st.incoming_stored(t, 10, nullptr);
    st.commit();
    CHECK_FALSE(st.pending());
    CHECK(count(st, "message") == 4);  // m3 once, though two sessions hold it
  }
  broker_store st(f.str());
  auto r = st.load();
  REQUIRE(r.retained.size() == 1);
  CHECK(r.retained[0]->topic == "home/a/status");
  CHECK(r.retained[0]->payload == "online");
  CHECK(r.retained[0]->retain);
  REQUIRE(r.sessions.size() == 2);
  const auto& s = r.sessions[0];
  CHECK(s.client_id == "sub-1");
  CHECK(s.username == std::optional<std::string>("alice"));
  CHECK(s.subscriptions == std::vector<std::pair<std::string, std::uint8_t>>{{"home/#", 2}, {"home/+/temp", 1}});
  REQUIRE(s.deliveries.size() == 4);
  CHECK(s.deliveries[0].seq == 3);
  CHECK(s.deliveries[0].packet_id == 17);
  CHECK(s.deliveries[0].msg->payload == "21.5");
  CHECK(s.deliveries[1].state == flight_state::awaiting_pubrec);
  CHECK(s.deliveries[1].msg->payload == std::string("\0bin\xff", 5));
  CHECK(s.deliveries[2].state == flight_state::awaiting_pubcomp);
  CHECK_FALSE(s.deliveries[2].msg);
  CHECK(s.deliveries[3].packet_id == 0);
  CHECK(s.deliveries[3].retain);
  CHECK(s.deliveries[3].msg == r.retained[0]);  // one message object, shared as in the broker
  const auto& t = r.sessions[1];
  CHECK(t.client_id == "sub-2");
  CHECK_FALSE(t.username);
  REQUIRE(t.deliveries.size() == 1);
  CHECK(t.deliveries[0].msg == s.deliveries[1].msg);
  REQUIRE(t.incoming_qos2.size() == 2);
  CHECK(t.incoming_qos2[0].first == 9);
  CHECK(t.incoming_qos2[0].second->payload == "pending");
  CHECK(t.incoming_qos2[1].first == 10);
  CHECK_FALSE(t.incoming_qos2[1].second);
}

TEST_CASE("broker_store: a batch not committed is not there after a crash", "[store]") {
  temp_db f;
  {
    broker_store st(f.str());
    session s("s", false);
    st.session_stored(s);
    st.commit();
    st.delivery_stored(s, queued(1, make_message("t", "lost", 1, false)));
    // destroyed without commit(): as if the process died here
  }
  broker_store st(f.str());
  auto r = st.load();
  REQUIRE(r.sessions.size() == 1);
  CHECK(r.sessions[0].deliveries.empty());
}

TEST_CASE("broker_store: a message no one holds is swept at commit", "[store]") {
  broker_store st(":memory:");
  session a("a", false);
  session b("b", false);
  auto m = make_message("t", "x", 1, false);
  st.delivery_stored(a, queued(1, m));
  st.delivery_stored(b, queued(1, m));
  st.commit();
  CHECK(count(st, "message") == 1);
  st.delivery_removed(a, 1);
  st.commit();
  CHECK(count(st, "message") == 1);  // b still holds it
  st.delivery_removed(b, 1);
  st.commit();
  CHECK(count(st, "message") == 0);

  SECTION("released and routed in one batch: the row stays") {
    auto q = make_message("t", "q2", 2, false);
    st.incoming_stored(a, 5, q);
    st.commit();
    st.incoming_released(a, 5);
    st.delivery_stored(b, queued(2, q));
    st.commit();
    CHECK(count(st, "message") == 1);
  }
  SECTION("released, swept, and referenced again: the row comes back") {
    auto q = make_message("t", "again", 1, true);
    st.retained_set(q);
    st.commit();
    st.retained_cleared("t");
    st.commit();
    CHECK(count(st, "message") == 0);
    st.delivery_stored(b, queued(3, q));
    st.commit();
    CHECK(count(st, "message") == 1);
  }
  SECTION("PUBREC lets the message go") {
    auto q = make_message("t", "q2", 2, false);
    st.delivery_stored(a, stored_delivery{7, q, 2, false, 1, flight_state::awaiting_pubrec});
    st.commit();
    st.delivery_stored(a, stored_delivery{7, nullptr, 2, false, 1, flight_state::awaiting_pubcomp});
    st.commit();
    CHECK(count(st, "message") == 0);
    CHECK(count(st, "delivery") == 1);
  }
  SECTION("a retained message replaced by another") {
    st.retained_set(make_message("r", "1", 0, true));
    st.commit();
    st.retained_set(make_message("r", "2", 0, true));
    st.commit();
    CHECK(count(st, "message") == 1);
    CHECK(count(st, "retained") == 1);
  }
}

TEST_CASE("broker_store: an ended session takes its rows and messages along", "[store]") {
  broker_store st(":memory:");
  session a("a", false);
  st.session_stored(a);
  st.subscription_added(a, "x/#", 1);
  st.delivery_stored(a, queued(1, make_message("x/1", "p", 1, false)));
  st.incoming_stored(a, 3, make_message("x/2", "p", 2, false));
  st.commit();
  st.subscription_removed(a, "x/#");
  st.commit();
  CHECK(count(st, "subscription") == 0);
  st.session_ended(a);
  st.commit();
  for (const char* table : {"session", "subscription", "delivery", "incoming", "message"}) {
    INFO(table);
    CHECK(count(st, table) == 0);
  }
}

TEST_CASE("broker_store: a file that is not a database is refused and left alone", "[store][malformed]") {
  temp_db f;
  const std::string garbage(8192, 'x');
  std::ofstream(f.path, std::ios::binary) << garbage;
  try {
    broker_store st(f.str());
    FAIL("opened a file that is not a database");
  } catch (const broker_store_error& e) {
    CHECK_THAT(e.what(), Catch::Contains(f.str()) && Catch::Contains("not a database"));
  }
  std::ifstream in(f.path, std::ios::binary);
  std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(after == garbage);
}

TEST_CASE("broker_store: a schema newer than this build is refused", "[store][malformed]") {
  temp_db f;
  {
    broker_store st(f.str());
    st.db().set_user_version(broker_store::schema_version() + 1);
  }
  CHECK_THROWS_WITH(broker_store(f.str()), Catch::Contains("newer than this hearthd"));
}

TEST_CASE("broker_store: a second store on the same file is refused", "[store]") {
  temp_db f;
  broker_store first(f.str());
  first.load();
  CHECK_THROWS_AS(broker_store(f.str()), broker_store_error);
}

TEST_CASE("broker_store: malformed rows are refused, naming table and rule", "[store][malformed]") {
  struct bad_row {
    const char* sql;
    const char* table;
    const char* rule;
  };
  const bad_row cases[] = {
      {"INSERT INTO message VALUES(1, 'a/+/b', 'x', 1, 0)", "message", "topic"},
      {"INSERT INTO message VALUES(1, '', 'x', 1, 0)", "message", "topic"},
      {"INSERT INTO message VALUES(1, 'a', 'x', 1, 0); INSERT INTO retained VALUES('b', 1)", "retained", "differs"},
      {"INSERT INTO retained VALUES('a', 42)", "retained", "does not exist"},
      {"INSERT INTO session VALUES(1, 'c', NULL); INSERT INTO subscription VALUES(1, 'a/#/b', 1)", "subscription",
       "filter"},
      {"INSERT INTO session VALUES(1, 'c', NULL); INSERT INTO subscription VALUES(1, 'a', 3)", "subscription", "qos"},
      {"INSERT INTO subscription VALUES(7, 'a', 1)", "subscription", "session that does not exist"},
      {"INSERT INTO session VALUES(1, '', NULL)", "session", "client_id"},
      {"INSERT INTO message VALUES(1, 'a', 'x', 1, 0); INSERT INTO session VALUES(1, 'c', NULL);"
       "INSERT INTO delivery VALUES(1, 1, 1, 0, 0, 0, 0)",
       "delivery", "qos"},
      {"INSERT INTO message VALUES(1, 'a', 'x', 1, 0); INSERT INTO session VALUES(1, 'c', NULL);"
       "INSERT INTO delivery VALUES(1, 1, 1, 1, 0, 70000, 0)",
       "delivery", "packet_id"},
      {"INSERT INTO message VALUES(1, 'a', 'x', 1, 0); INSERT INTO session VALUES(1, 'c', NULL);"
       "INSERT INTO delivery VALUES(1, 1, 1, 1, 0, 5, 9)",
       "delivery", "state"},
      {"INSERT INTO message VALUES(1, 'a', 'x', 1, 0); INSERT INTO session VALUES(1, 'c', NULL);"
       "INSERT INTO delivery VALUES(1, 1, 1, 1, 0, 5, 1)",
       "delivery", "state does not match qos"},
      {"INSERT INTO session VALUES(1, 'c', NULL); INSERT INTO delivery VALUES(1, 1, NULL, 1, 0, 5, 0)", "delivery",
       "must not be NULL"},
      {"INSERT INTO session VALUES(1, 'c', NULL); INSERT INTO delivery VALUES(1, 1, 99, 1, 0, 5, 0)", "delivery",
       "does not exist"},
      {"INSERT INTO session VALUES(1, 'c', NULL); INSERT INTO incoming VALUES(1, 0, NULL)", "incoming", "packet_id"},
      {"INSERT INTO message VALUES(1, 'a', 'x', 1, 0); INSERT INTO session VALUES(1, 'c', NULL);"
       "INSERT INTO incoming VALUES(1, 4, 1)",
       "incoming", "QoS 2"},
  };
  for (const auto& c : cases) {
    temp_db f;
    {
      broker_store st(f.str());
      st.db().exec("PRAGMA foreign_keys=OFF");  // write what the broker never would
      st.db().exec(c.sql);
    }
    INFO(c.sql);
    broker_store st(f.str());
    try {
      st.load();
      FAIL("loaded a malformed row");
    } catch (const broker_store_error& e) {
      CHECK_THAT(e.what(), Catch::Contains(std::string("malformed row in table ") + c.table) &&
                               Catch::Contains(c.rule));
    }
  }
}
