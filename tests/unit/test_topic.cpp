// Topic names, topic filters and matching (MQTT 3.1.1 section 4.7).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hearth/mqtt/topic.hpp"

using namespace hearth::mqtt;

TEST_CASE("topic names: not empty, no wildcards", "[topic]") {
  CHECK(is_valid_topic_name("a"));
  CHECK(is_valid_topic_name("/"));
  CHECK(is_valid_topic_name("/finance"));
  CHECK(is_valid_topic_name("a//b/"));
  CHECK(is_valid_topic_name("$SYS/broker"));
  CHECK(is_valid_topic_name(" "));
  CHECK_FALSE(is_valid_topic_name(""));
  CHECK_FALSE(is_valid_topic_name("+"));
  CHECK_FALSE(is_valid_topic_name("#"));
  CHECK_FALSE(is_valid_topic_name("a/+/b"));
  CHECK_FALSE(is_valid_topic_name("sport/tennis#"));
  CHECK_FALSE(is_valid_topic_name("a+"));
}

TEST_CASE("topic filters: wildcards occupy whole levels, '#' is last", "[topic]") {
  for (const char* f : {"#", "+", "/", "+/+", "/+", "+/", "sport/#", "sport/tennis/+", "+/tennis/#", "sport/+/player1",
                        "$SYS/#", "a//b", "//#"}) {
    INFO(f);
    CHECK(is_valid_topic_filter(f));
  }
  for (const char* f :
       {"", "sport/tennis#", "sport/#/ranking", "#/", "#/#", "sport+", "+sport", "a/b+/c", "a/#b", "++", "##"}) {
    INFO(f);
    CHECK_FALSE(is_valid_topic_filter(f));
  }
}

TEST_CASE("topic_levels counts levels, empty ones too", "[topic]") {
  CHECK(topic_levels("a") == 1);
  CHECK(topic_levels("") == 1);
  CHECK(topic_levels("a/b") == 2);
  CHECK(topic_levels("/") == 2);
  CHECK(topic_levels("/finance") == 2);
  CHECK(topic_levels("a//b/") == 4);
  CHECK(topic_levels("+/+/#") == 3);
}

TEST_CASE("matching follows the examples of section 4.7", "[topic]") {
  struct row {
    const char* filter;
    const char* name;
    bool matches;
  };
  const row rows[] = {
      // 4.7.1.2: '#' matches the parent level and any number of levels below
      {"sport/tennis/player1/#", "sport/tennis/player1", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
      {"sport/#", "sport", true},
      {"sport/#", "sport/", true},
      {"sport/#", "sports", false},
      {"#", "sport/tennis", true},
      {"#", "/", true},
      // 4.7.1.3: '+' matches exactly one level, which may be empty
      {"sport/tennis/+", "sport/tennis/player1", true},
      {"sport/tennis/+", "sport/tennis/player2", true},
      {"sport/tennis/+", "sport/tennis/player1/ranking", false},
      {"sport/+", "sport", false},
      {"sport/+", "sport/", true},
      {"+/+", "/finance", true},
      {"/+", "/finance", true},
      {"+", "/finance", false},
      {"+", "finance", true},
      {"+/+/+", "a//c", true},
      {"a/+/c", "a//c", true},
      {"+/monitor/Clients", "x/monitor/Clients", true},
      {"sport/+/player1", "sport/tennis/player1", true},
      {"+/tennis/#", "sport/tennis", true},
      // literal levels are case-sensitive and compared whole
      {"ACCOUNTS", "Accounts", false},
      {"a/b", "a/b/", false},
      {"a/b/", "a/b", false},
      {"a", "a", true},
      // 4.7.2: wildcards at the first level do not match '$' topics
      {"#", "$SYS/broker/clients", false},
      {"+/monitor/Clients", "$SYS/monitor/Clients", false},
      {"+", "$SYS", false},
      {"$SYS/#", "$SYS/monitor/Clients", true},
      {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
      {"$SYS/#", "$SYS", true},
      {"a/#", "a/$b", true},  // only the first level is special
      {"+/$b", "a/$b", true},
  };
  for (const auto& r : rows) {
    INFO("filter '" << r.filter << "' name '" << r.name << "'");
    CHECK(topic_matches(r.filter, r.name) == r.matches);
  }
}

TEST_CASE("level_iterator yields every level, empty ones too", "[topic]") {
  auto levels = [](std::string_view t) {
    std::vector<std::string> out;
    for (level_iterator it(t); it; ++it) out.emplace_back(*it);
    return out;
  };
  CHECK(levels("a/b/c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(levels("/finance") == std::vector<std::string>{"", "finance"});
  CHECK(levels("a/") == std::vector<std::string>{"a", ""});
  CHECK(levels("/") == std::vector<std::string>{"", ""});
  CHECK(levels("x") == std::vector<std::string>{"x"});
}
