// Retained messages: put, replace, clear by an empty payload, and matching
// filters, '$' topics included.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "hearth/mqtt/retained_store.hpp"

using namespace hearth::mqtt;

namespace {

std::vector<std::string> topics(const retained_store& s, std::string_view filter) {
  std::vector<message_ptr> out;
  s.match(filter, out);
  std::vector<std::string> r;
  for (auto& m : out) r.push_back(m->topic);
  std::sort(r.begin(), r.end());
  return r;
}

using names = std::vector<std::string>;

}  // namespace

TEST_CASE("retained_store keeps the last message per topic", "[retained]") {
  retained_store s;
  s.put(make_message("a/b", "1", 1, true));
  s.put(make_message("a/c", "22", 0, true));
  CHECK(s.size() == 2);
  CHECK(s.payload_bytes() == (3 + 1) + (3 + 2));

  s.put(make_message("a/b", "333", 2, true));  // replaces
  REQUIRE(s.find("a/b"));
  CHECK((*s.find("a/b"))->payload == "333");
  CHECK((*s.find("a/b"))->qos == 2);
  CHECK(s.size() == 2);
  CHECK(s.payload_bytes() == (3 + 3) + (3 + 2));
  CHECK(s.find("a") == nullptr);
}

TEST_CASE("retained_store: an empty payload clears the topic", "[retained]") {
  retained_store s;
  s.put(make_message("a/b", "x", 0, true));
  s.put(make_message("a/b", "", 0, true));
  CHECK(s.size() == 0);
  CHECK(s.payload_bytes() == 0);
  CHECK(s.find("a/b") == nullptr);
  // Clearing a topic that holds nothing stores nothing (MQTT-3.3.1-11).
  s.put(make_message("never", "", 0, true));
  CHECK(s.size() == 0);
  CHECK(topics(s, "#") == names{});
}

TEST_CASE("retained_store matches filters", "[retained]") {
  retained_store s;
  for (const char* t : {"sport", "sport/tennis", "sport/tennis/player1", "sport/golf", "sports", "sport/", "/finance",
                        "$SYS/broker/uptime", "$other", "a/$b"})
    s.put(make_message(t, "p", 0, true));

  CHECK(topics(s, "sport") == names{"sport"});
  CHECK(topics(s, "sport/#") == names{"sport", "sport/", "sport/golf", "sport/tennis", "sport/tennis/player1"});
  CHECK(topics(s, "sport/+") == names{"sport/", "sport/golf", "sport/tennis"});
  CHECK(topics(s, "sport/tennis/#") == names{"sport/tennis", "sport/tennis/player1"});
  CHECK(topics(s, "+/tennis") == names{"sport/tennis"});
  CHECK(topics(s, "+/+") == names{"/finance", "a/$b", "sport/", "sport/golf", "sport/tennis"});
  CHECK(topics(s, "+") == names{"sport", "sports"});
  CHECK(topics(s, "/+") == names{"/finance"});
  CHECK(topics(s, "#") ==
        names{"/finance", "a/$b", "sport", "sport/", "sport/golf", "sport/tennis", "sport/tennis/player1", "sports"});
  CHECK(topics(s, "$SYS/#") == names{"$SYS/broker/uptime"});
  CHECK(topics(s, "$SYS/broker/+") == names{"$SYS/broker/uptime"});
  CHECK(topics(s, "+/broker/uptime") == names{});
  CHECK(topics(s, "$other") == names{"$other"});
  CHECK(topics(s, "nothing/#") == names{});
}

TEST_CASE("retained_store::for_each visits every message once", "[retained]") {
  retained_store s;
  s.put(make_message("x", "1", 0, true));
  s.put(make_message("y", "2", 0, true));
  s.put(make_message("x", "3", 0, true));
  std::vector<std::string> seen;
  s.for_each([&](const message_ptr& m) { seen.push_back(m->topic + "=" + m->payload); });
  std::sort(seen.begin(), seen.end());
  CHECK(seen == names{"x=3", "y=2"});
}
