// The subscription index: subscribe, unsubscribe, pruning, overlapping
// filters, and agreement with topic_matches() on every filter.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hearth/mqtt/session.hpp"
#include "hearth/mqtt/topic.hpp"
#include "hearth/mqtt/topic_tree.hpp"

using namespace hearth::mqtt;

namespace {

// (client id, qos) pairs of the matches, sorted, for comparing as sets.
std::vector<std::pair<std::string, int>> matches(const topic_tree& t, std::string_view topic) {
  std::vector<subscriber_match> out;
  t.match(topic, out);
  std::vector<std::pair<std::string, int>> r;
  for (auto& m : out) r.emplace_back(m.subscriber->client_id(), m.qos);
  std::sort(r.begin(), r.end());
  return r;
}

using hits = std::vector<std::pair<std::string, int>>;

}  // namespace

TEST_CASE("topic_tree matches literal and wildcard filters", "[tree]") {
  topic_tree t;
  session a("a", true), b("b", true), c("c", true);
  CHECK(t.subscribe("sport/tennis/player1", &a, 0));
  CHECK(t.subscribe("sport/+/player1", &b, 1));
  CHECK(t.subscribe("sport/#", &c, 2));
  CHECK(t.subscription_count() == 3);

  CHECK(matches(t, "sport/tennis/player1") == hits{{"a", 0}, {"b", 1}, {"c", 2}});
  CHECK(matches(t, "sport/golf/player1") == hits{{"b", 1}, {"c", 2}});
  CHECK(matches(t, "sport") == hits{{"c", 2}});  // '#' matches the parent level
  CHECK(matches(t, "sport/") == hits{{"c", 2}});
  CHECK(matches(t, "sports") == hits{});
  CHECK(matches(t, "sport/tennis/player1/x") == hits{{"c", 2}});
}

TEST_CASE("topic_tree: '+' matches empty levels, '$' topics need a literal first level", "[tree]") {
  topic_tree t;
  session all("all", true), plus("plus", true), sys("sys", true), mon("mon", true), root("root", true);
  t.subscribe("#", &all, 0);
  t.subscribe("+/+", &plus, 0);
  t.subscribe("$SYS/#", &sys, 1);
  t.subscribe("+/monitor/Clients", &mon, 0);
  t.subscribe("/+", &root, 0);

  CHECK(matches(t, "/finance") == hits{{"all", 0}, {"plus", 0}, {"root", 0}});
  CHECK(matches(t, "/") == hits{{"all", 0}, {"plus", 0}, {"root", 0}});
  CHECK(matches(t, "x/monitor/Clients") == hits{{"all", 0}, {"mon", 0}});
  CHECK(matches(t, "$SYS/monitor/Clients") == hits{{"sys", 1}});
  CHECK(matches(t, "$SYS") == hits{{"sys", 1}});
  CHECK(matches(t, "$other/x") == hits{});
  CHECK(matches(t, "a/$SYS") == hits{{"all", 0}, {"plus", 0}});
}

TEST_CASE("topic_tree: one session, overlapping filters, one entry per filter", "[tree]") {
  topic_tree t;
  session s("s", false);
  t.subscribe("a/+", &s, 0);
  t.subscribe("a/#", &s, 2);
  t.subscribe("a/b", &s, 1);
  // The broker folds these into one delivery at the highest QoS.
  CHECK(matches(t, "a/b") == hits{{"s", 0}, {"s", 1}, {"s", 2}});
  CHECK(matches(t, "a") == hits{{"s", 2}});
}

TEST_CASE("topic_tree: re-subscribing replaces the QoS", "[tree]") {
  topic_tree t;
  session s("s", true);
  CHECK(t.subscribe("x/y", &s, 0));
  CHECK_FALSE(t.subscribe("x/y", &s, 2));
  CHECK(t.subscription_count() == 1);
  CHECK(matches(t, "x/y") == hits{{"s", 2}});
}

TEST_CASE("topic_tree: unsubscribe removes one subscriber and prunes empty branches", "[tree]") {
  topic_tree t;
  session a("a", true), b("b", true);
  t.subscribe("a/b/c/d", &a, 1);
  t.subscribe("a/b/c/d", &b, 1);
  t.subscribe("a/b", &a, 0);

  CHECK_FALSE(t.unsubscribe("a/b/c", &a));      // an inner node without a subscription
  CHECK_FALSE(t.unsubscribe("a/b/c/d/e", &a));  // below the deepest node
  CHECK_FALSE(t.unsubscribe("x", &a));
  CHECK(t.subscription_count() == 3);

  CHECK(t.unsubscribe("a/b/c/d", &a));
  CHECK_FALSE(t.unsubscribe("a/b/c/d", &a));  // already gone
  CHECK(matches(t, "a/b/c/d") == hits{{"b", 1}});
  CHECK(t.unsubscribe("a/b/c/d", &b));
  CHECK(matches(t, "a/b/c/d") == hits{});
  // The pruned branch does not take the subscription on "a/b" with it.
  CHECK(matches(t, "a/b") == hits{{"a", 0}});
  CHECK(t.unsubscribe("a/b", &a));
  CHECK(t.subscription_count() == 0);

  // The tree is usable after pruning everything.
  CHECK(t.subscribe("a/b/c/d", &a, 2));
  CHECK(matches(t, "a/b/c/d") == hits{{"a", 2}});
}

TEST_CASE("topic_tree agrees with topic_matches on every filter and name", "[tree]") {
  const std::vector<std::string> filters = {"#",    "+",      "+/+",    "/+",    "+/#",   "a",  "a/#",
                                            "a/+",  "a/b",    "a/+/c",  "a/b/#", "+/b/+", "/",  "//",
                                            "a//c", "$SYS/#", "$SYS/+", "+/$x",  "a/",    "+/", "#"};
  const std::vector<std::string> names = {"a", "a/b",  "a/b/c",  "a//c",     "/",    "//",      "/a", "a/",
                                          "b", "$SYS", "$SYS/x", "$SYS/x/y", "x/$x", "a/b/c/d", "$x"};
  topic_tree t;
  std::vector<std::unique_ptr<session>> sessions;
  for (std::size_t i = 0; i < filters.size(); ++i) {
    sessions.push_back(std::make_unique<session>(std::to_string(i), true));
    t.subscribe(filters[i], sessions.back().get(), 1);
  }
  for (const auto& name : names) {
    hits expected;
    for (std::size_t i = 0; i < filters.size(); ++i)
      if (topic_matches(filters[i], name)) expected.emplace_back(std::to_string(i), 1);
    std::sort(expected.begin(), expected.end());
    INFO("name '" << name << "'");
    CHECK(matches(t, name) == expected);
  }
}
