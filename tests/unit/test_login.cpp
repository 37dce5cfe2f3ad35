// Who may connect (login_checker) and how repeated failures are slowed down
// (login_throttle), with fake time.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "hearth/mqtt/login.hpp"

using namespace hearth::mqtt;
using hearth::core::password_file;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const clock::time_point t0 = clock::time_point() + std::chrono::hours(1);

connect_packet connect_as(std::optional<std::string> user, std::optional<std::string> password) {
  connect_packet p;
  p.protocol_name = "MQTT";
  p.protocol_level = 4;
  p.client_id = "c";
  p.username = std::move(user);
  p.password = std::move(password);
  return p;
}

std::shared_ptr<const password_file> users() {
  auto f = std::make_shared<password_file>();
  f->set("alice", "secret");
  return f;
}

}  // namespace

TEST_CASE("login throttle: the delay doubles per failure up to the cap", "[login]") {
  login_throttle t;
  CHECK(t.delay("192.0.2.1", t0) == milliseconds(0));
  const milliseconds expected[] = {milliseconds(500), milliseconds(1000), milliseconds(2000),
                                   milliseconds(4000), milliseconds(8000), milliseconds(8000)};
  unsigned n = 0;
  for (const milliseconds e : expected) {
    CHECK(t.failed("192.0.2.1", t0) == ++n);
    CHECK(t.delay("192.0.2.1", t0) == e);
  }
  for (int i = 0; i < 100; ++i) t.failed("192.0.2.1", t0);
  CHECK(t.delay("192.0.2.1", t0) == milliseconds(8000));
  // Other addresses are not affected.
  CHECK(t.delay("192.0.2.2", t0) == milliseconds(0));
}

TEST_CASE("login throttle: an address is forgotten after a quiet period", "[login]") {
  login_throttle t(login_throttle::limits{milliseconds(500), milliseconds(8000), seconds(60), 16});
  t.failed("a", t0);
  t.failed("a", t0 + seconds(30));
  CHECK(t.delay("a", t0 + seconds(89)) == milliseconds(1000));  // 59 s after the last failure
  CHECK(t.delay("a", t0 + seconds(90)) == milliseconds(0));
  CHECK(t.size() == 0);
  // A failure after the quiet period starts again from the first delay.
  t.failed("b", t0);
  t.failed("b", t0);
  CHECK(t.failed("b", t0 + seconds(61)) == 1);
}

TEST_CASE("login throttle: the table is bounded", "[login]") {
  login_throttle t(login_throttle::limits{milliseconds(500), milliseconds(8000), seconds(600), 4});
  for (int i = 0; i < 100; ++i) t.failed("10.0.0." + std::to_string(i), t0 + seconds(i));
  CHECK(t.size() == 4);
  // The most recent ones stay.
  CHECK(t.delay("10.0.0.99", t0 + seconds(100)) == milliseconds(500));
  CHECK(t.delay("10.0.0.0", t0 + seconds(100)) == milliseconds(0));
}

TEST_CASE("login throttle: the address of a peer", "[login]") {
  CHECK(login_throttle::address_of("192.0.2.7:5000") == "192.0.2.7");
  CHECK(login_throttle::address_of("[::1]:5000") == "[::1]");
  CHECK(login_throttle::address_of("[::1]") == "[::1]");
  CHECK(login_throttle::address_of("unknown") == "unknown");
}

TEST_CASE("login: a password file decides, CONNACK 4 for bad credentials, 5 without", "[login]") {
  login_checker l(login_policy{});
  l.set_users(users());
  const auto good = connect_as("alice", "secret");
  const auto wrong = connect_as("alice", "nope");
  const auto unknown = connect_as("mallory", "secret");
  const auto no_password = connect_as("alice", std::nullopt);
  const auto anonymous = connect_as(std::nullopt, std::nullopt);
  CHECK(l.check({good, "192.0.2.1:1", {}}, t0).code == connack_code::accepted);
  CHECK(l.check({good, "192.0.2.1:1", {}}, t0).delay == milliseconds(0));
  CHECK(l.check({wrong, "192.0.2.2:1", {}}, t0).code == connack_code::bad_username_or_password);
  CHECK(l.check({unknown, "192.0.2.3:1", {}}, t0).code == connack_code::bad_username_or_password);
  CHECK(l.check({no_password, "192.0.2.4:1", {}}, t0).code == connack_code::bad_username_or_password);
  // Anonymous is refused, even from loopback, once there are users...
  const auth_verdict v = l.check({anonymous, "127.0.0.1:1", {}}, t0);
  CHECK(v.code == connack_code::not_authorized);
  CHECK_THAT(v.reason, Catch::Matchers::Contains("anonymous clients are not allowed"));
  // ...unless allowed; users still need their right password.
  l.set_policy(login_policy{true, false});
  CHECK(l.check({anonymous, "192.0.2.5:1", {}}, t0).code == connack_code::accepted);
  CHECK(l.check({wrong, "192.0.2.5:1", {}}, t0).code == connack_code::bad_username_or_password);
  // In-process clients are not asked.
  l.set_policy(login_policy{});
  CHECK(l.check({anonymous, "local:bridge", {}}, t0).code == connack_code::accepted);
}

TEST_CASE("login: failures delay every later answer to that address", "[login]") {
  login_checker l(login_policy{});
  l.set_users(users());
  const auto good = connect_as("alice", "secret");
  const auto wrong = connect_as("alice", "nope");
  const auth_verdict first = l.check({wrong, "192.0.2.9:1000", {}}, t0);
  CHECK(first.delay == milliseconds(500));
  CHECK_THAT(first.reason, Catch::Matchers::Contains("failure 1 from 192.0.2.9; answered after 500 ms"));
  CHECK(l.check({wrong, "192.0.2.9:1001", {}}, t0).delay == milliseconds(1000));
  // A right password from there is answered as late, so that the time of
  // the answer does not give the guess away.
  const auth_verdict ok = l.check({good, "192.0.2.9:1002", {}}, t0);
  CHECK(ok.code == connack_code::accepted);
  CHECK(ok.delay == milliseconds(1000));
  CHECK(l.check({good, "192.0.2.10:1", {}}, t0).delay == milliseconds(0));
  CHECK(l.check({good, "192.0.2.9:1003", {}}, t0 + std::chrono::minutes(11)).delay == milliseconds(0));
}

TEST_CASE("login: without a password file, loopback, certificates or --allow-anonymous", "[login]") {
  login_checker l(login_policy{});
  const auto anonymous = connect_as(std::nullopt, std::nullopt);
  CHECK(l.check({anonymous, "127.0.0.1:1", {}}, t0).code == connack_code::accepted);
  CHECK(l.check({anonymous, "[::1]:1", {}}, t0).code == connack_code::accepted);
  CHECK(l.check({anonymous, "192.0.2.1:1", {}}, t0).code == connack_code::not_authorized);
  CHECK(l.check({anonymous, "192.0.2.1:1", "node1"}, t0).code == connack_code::accepted);
  l.set_policy(login_policy{true, false});
  CHECK(l.check({anonymous, "192.0.2.2:1", {}}, t0).code == connack_code::accepted);
}

TEST_CASE("login: a certificate's CN as the user name", "[login]") {
  login_checker l(login_policy{false, true});
  l.set_users(users());
  const auto claims = connect_as("alice", std::nullopt);
  const auth_verdict v = l.check({claims, "192.0.2.1:1", "node1"}, t0);
  CHECK(v.code == connack_code::accepted);
  REQUIRE(v.username);
  CHECK(*v.username == "node1");  // not what the CONNECT claimed
  // Without a certificate the password file applies.
  CHECK(l.check({claims, "192.0.2.1:1", {}}, t0).code == connack_code::bad_username_or_password);
}
