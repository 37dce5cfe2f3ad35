// The shipped satellite ACL (packaging/acl-satellites.acl): what a node, an
// anonymous client (hearthd's in-process clients, since network clients
// cannot be anonymous without --allow-anonymous) and other users may do.
#include <catch2/catch.hpp>

#include "hearth/mqtt/acl.hpp"

using namespace hearth::mqtt;

namespace {

const acl& shipped() {
  static const acl a = acl::load(HEARTH_SOURCE_DIR "/packaging/acl-satellites.acl");
  return a;
}

acl_identity user(const std::string& name) {
  static std::string keep;
  keep = name;
  return acl_identity{keep, "client"};
}

}  // namespace

TEST_CASE("satellite ACL: a node writes only under home/<node>/", "[acl]") {
  const acl& a = shipped();
  CHECK(a.can_write(user("kitchen"), "home/kitchen/temperature"));
  CHECK(a.can_write(user("kitchen"), "home/kitchen/status"));
  CHECK(a.can_write(user("kitchen"), "home/kitchen/relay/light"));
  CHECK_FALSE(a.can_write(user("kitchen"), "home/garden/temperature"));
  CHECK_FALSE(a.can_write(user("kitchen"), "home/garden/relay/valve/set"));
  CHECK_FALSE(a.can_write(user("kitchen"), "elsewhere"));
  CHECK_FALSE(a.can_write(user("kitchen"), "$SYS/broker/uptime"));
}

TEST_CASE("satellite ACL: a node reads only its own relay commands", "[acl]") {
  const acl& a = shipped();
  CHECK(a.can_read(user("kitchen"), "home/kitchen/relay/light/set"));
  CHECK(a.can_subscribe(user("kitchen"), "home/kitchen/relay/+/set"));
  CHECK_FALSE(a.can_read(user("kitchen"), "home/garden/relay/valve/set"));
  CHECK_FALSE(a.can_read(user("kitchen"), "home/kitchen/temperature"));
  CHECK_FALSE(a.can_subscribe(user("kitchen"), "#"));
  CHECK_FALSE(a.can_subscribe(user("kitchen"), "home/+/relay/+/set"));
  CHECK_FALSE(a.can_subscribe(user("kitchen"), "home/kitchen/#"));
  // A user name with wildcards gets nothing from the patterns.
  CHECK_FALSE(a.can_read(user("#"), "home/x/relay/y/set"));
  CHECK_FALSE(a.can_write(user("+"), "home/+/temperature"));
}

TEST_CASE("satellite ACL: in-process clients (anonymous) read and command the house", "[acl]") {
  const acl& a = shipped();
  const acl_identity local{std::nullopt, "hearth-bridge"};
  CHECK(a.can_subscribe(local, "home/#"));
  CHECK(a.can_write(local, "home/kitchen/relay/light/set"));
  CHECK(a.can_subscribe(local, "$SYS/#"));
  CHECK_FALSE(a.can_write(local, "$SYS/broker/uptime"));
  CHECK_FALSE(a.can_subscribe(local, "#"));
}
