// Access control in Mosquitto's acl_file format.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "hearth/mqtt/acl.hpp"

using namespace hearth::mqtt;

namespace {

const acl_identity anonymous{std::nullopt, "anon-client"};

acl_identity user(const char* name, std::string_view client_id = "cid") {
  return acl_identity{std::string(name), client_id};
}

}  // namespace

TEST_CASE("acl: rules before the first user line apply to anonymous clients", "[acl]") {
  const auto a = acl::parse(
      "# comment\n"
      "\n"
      "topic read public/#\n"
      "topic write inbox/+\n"
      "user alice\n"
      "topic readwrite alice/#\n");
  CHECK(a.rule_count() == 3);

  CHECK(a.can_read(anonymous, "public/news"));
  CHECK_FALSE(a.can_write(anonymous, "public/news"));
  CHECK(a.can_write(anonymous, "inbox/x"));
  CHECK_FALSE(a.can_read(anonymous, "inbox/x"));
  CHECK_FALSE(a.can_read(anonymous, "alice/diary"));

  // alice's own rules apply to her, and the anonymous rules do not.
  CHECK(a.can_read(user("alice"), "alice/diary"));
  CHECK(a.can_write(user("alice"), "alice/diary"));
  CHECK_FALSE(a.can_read(user("alice"), "public/news"));
  // A user without rules gets nothing.
  CHECK_FALSE(a.can_read(user("bob"), "public/news"));
  CHECK_FALSE(a.can_read(user("bob"), "alice/diary"));
}

TEST_CASE("acl: a topic line without an access word is readwrite", "[acl]") {
  const auto a = acl::parse("topic both/#\n");
  CHECK(a.can_read(anonymous, "both/x"));
  CHECK(a.can_write(anonymous, "both/x"));
  CHECK_FALSE(a.can_write(anonymous, "other"));
}

TEST_CASE("acl: a matching deny rule wins over any grant", "[acl]") {
  const auto a = acl::parse(
      "topic readwrite home/#\n"
      "topic deny home/secret/#\n"
      "user carol\n"
      "topic deny house/alarm\n"
      "topic readwrite house/#\n");
  CHECK(a.can_read(anonymous, "home/kitchen"));
  CHECK_FALSE(a.can_read(anonymous, "home/secret/code"));
  CHECK_FALSE(a.can_write(anonymous, "home/secret"));
  // The order of the lines does not matter.
  CHECK(a.can_write(user("carol"), "house/door"));
  CHECK_FALSE(a.can_write(user("carol"), "house/alarm"));
  CHECK_FALSE(a.can_read(user("carol"), "house/alarm"));
}

TEST_CASE("acl: patterns substitute %u and %c for everyone", "[acl]") {
  const auto a = acl::parse(
      "pattern readwrite users/%u/#\n"
      "pattern write devices/%c/state\n"
      "user dave\n"
      "topic read shared\n");
  CHECK(a.can_write(user("dave", "d1"), "users/dave/x"));
  CHECK_FALSE(a.can_write(user("dave", "d1"), "users/erin/x"));
  CHECK(a.can_write(user("dave", "d1"), "devices/d1/state"));
  CHECK_FALSE(a.can_write(user("dave", "d1"), "devices/d2/state"));
  CHECK_FALSE(a.can_read(user("dave", "d1"), "devices/d1/state"));
  CHECK(a.can_read(user("dave", "d1"), "shared"));
  // Patterns also apply to users that have no rules of their own, and %c to anonymous clients.
  CHECK(a.can_write(user("erin", "e1"), "users/erin/y"));
  CHECK(a.can_write(acl_identity{std::nullopt, "anon7"}, "devices/anon7/state"));
  // An anonymous client never matches %u.
  CHECK_FALSE(a.can_write(acl_identity{std::nullopt, "x"}, "users//y"));
}

TEST_CASE("acl: a user name or client id with wildcards cannot widen a pattern", "[acl]") {
  // Without this, a client named "#" would be granted devices/#/state, and
  // a user named "+" users/+/#: every other user's topics (as Mosquitto refuses).
  const auto a = acl::parse(
      "pattern readwrite devices/%c/#\n"
      "pattern readwrite users/%u/#\n");
  CHECK_FALSE(a.can_read(acl_identity{std::nullopt, "#"}, "devices/other/x"));
  CHECK_FALSE(a.can_write(acl_identity{std::nullopt, "+"}, "devices/other/x"));
  CHECK_FALSE(a.can_read(user("+", "c1"), "users/victim/inbox"));
  CHECK_FALSE(a.can_read(user("#", "c1"), "users/victim/inbox"));
  CHECK_FALSE(a.can_subscribe(acl_identity{std::nullopt, "#"}, "devices/#"));
  // Ordinary names still work.
  CHECK(a.can_read(acl_identity{std::nullopt, "lamp"}, "devices/lamp/x"));
}

TEST_CASE("acl: subscriptions must be covered by a readable rule", "[acl]") {
  const auto a = acl::parse(
      "topic read sensors/#\n"
      "topic read rooms/+/temp\n"
      "topic write cmd/#\n"
      "topic deny sensors/private/#\n");
  CHECK(a.can_subscribe(anonymous, "sensors/#"));
  CHECK(a.can_subscribe(anonymous, "sensors/+/x"));
  CHECK(a.can_subscribe(anonymous, "sensors"));  // "sensors/#" matches its parent
  CHECK(a.can_subscribe(anonymous, "rooms/+/temp"));
  CHECK(a.can_subscribe(anonymous, "rooms/kitchen/temp"));
  CHECK_FALSE(a.can_subscribe(anonymous, "rooms/#"));  // wider than the rule
  CHECK_FALSE(a.can_subscribe(anonymous, "rooms/+/+"));
  CHECK_FALSE(a.can_subscribe(anonymous, "#"));
  CHECK_FALSE(a.can_subscribe(anonymous, "cmd/#"));              // write-only
  CHECK_FALSE(a.can_subscribe(anonymous, "sensors/private/#"));  // covered by the deny rule
  CHECK_FALSE(a.can_subscribe(anonymous, "sensors/private/key"));
  // A wider subscription is allowed; the read check on delivery still hides the denied topics.
  CHECK(a.can_subscribe(anonymous, "sensors/+/key"));
  CHECK_FALSE(a.can_read(anonymous, "sensors/private/key"));
}

TEST_CASE("filter_covers: every topic of the filter is matched by the rule", "[acl]") {
  struct row {
    const char* rule;
    const char* filter;
    bool covers;
  };
  const row rows[] = {
      {"#", "a/b", true},     {"#", "#", true},         {"#", "+/+", true},
      {"a/#", "a", true},     {"a/#", "a/#", true},     {"a/#", "a/+/c", true},
      {"a/+", "a/b", true},   {"a/+", "a/+", true},     {"a/+", "a/#", false},
      {"a/+", "a", false},    {"a/+", "a/b/c", false},  {"+", "#", false},
      {"a/b", "a/+", false},  {"a/b", "a/b", true},     {"a/b", "a/b/c", false},
      {"#", "$SYS/x", false}, {"+/x", "$SYS/x", false}, {"$SYS/#", "$SYS/+/x", true},
      {"+/+", "/+", true},    {"+/+", "+", false},      {"a/#", "b/#", false},
  };
  for (const auto& r : rows) {
    INFO("rule '" << r.rule << "' filter '" << r.filter << "'");
    CHECK(filter_covers(r.rule, r.filter) == r.covers);
  }
}

TEST_CASE("acl: bad lines throw naming the line", "[acl][malformed]") {
  auto message_of = [](std::string_view text) -> std::string {
    try {
      acl::parse(text);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "(no exception)";
  };
  using Catch::Matchers::Contains;
  CHECK_THAT(message_of("topic read a\nbogus line\n"), Contains("line 2") && Contains("unknown keyword"));
  CHECK_THAT(message_of("\n\nuser\n"), Contains("line 3") && Contains("user without a name"));
  CHECK_THAT(message_of("topic read\n"), Contains("line 1") && Contains("missing topic"));
  CHECK_THAT(message_of("# ok\ntopic read a/#/b\n"), Contains("line 2") && Contains("invalid topic filter"));
  CHECK_THAT(message_of("pattern write x+\n"), Contains("line 1") && Contains("invalid topic filter"));
  CHECK_THAT(message_of("topic deny\n"), Contains("line 1"));
  // Windows line ends and surrounding blanks are tolerated.
  CHECK(acl::parse("  topic read a\r\n\tuser  bob \r\n").rule_count() == 1);
}

TEST_CASE("acl::load reads a file and names it in errors", "[acl]") {
  const std::string path = "hearth_test_acl_" + std::to_string(::getpid()) + ".acl";
  {
    std::ofstream out(path);
    out << "topic read a/#\nuser u\ntopic x/#\nzap\n";
  }
  try {
    acl::load(path);
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Matchers::Contains(path) && Catch::Matchers::Contains("line 4"));
  }
  {
    std::ofstream out(path);
    out << "topic read a/#\nuser u\ntopic x/#\n";
  }
  const auto a = acl::load(path);
  CHECK(a.rule_count() == 2);
  CHECK(a.can_write(user("u"), "x/1"));
  std::remove(path.c_str());
  CHECK_THROWS_AS(acl::load(path), std::runtime_error);
}
