// Will messages (MQTT 3.1.1 sections 3.1.2.5-3.1.2.7 and 3.14): published on
// every ungraceful end, never after DISCONNECT, with their QoS and retain.
#include "broker_harness.hpp"

using namespace hearth;
using namespace hearth::mqtt;
using namespace hearth::test;

namespace {

connect_options with_will(std::uint8_t qos = 0, bool retain = false) {
  connect_options o;
  o.will = will_message{"status/dev", "offline", qos, retain};
  return o;
}

}  // namespace

TEST_CASE("broker: the will is published when the connection is lost", "[broker]") {
  const std::error_code endings[] = {
      std::make_error_code(std::errc::connection_reset),
      make_error_code(errc::keepalive_timeout),
      make_error_code(errc::write_queue_overflow),
  };
  for (const auto& why : endings) {
    INFO(why.message());
    harness h;
    auto& watcher = h.connect("watcher");
    h.subscribe(watcher, {{"status/#", 2}});
    h.take(watcher);
    auto& dev = h.connect("dev", with_will(1));
    h.drop(dev, why);
    auto got = h.publishes(watcher);
    REQUIRE(got.size() == 1);
    CHECK(got[0].topic == "status/dev");
    CHECK(got[0].payload == "offline");
    CHECK(got[0].qos == 1);  // the will's QoS, under the granted 2
    CHECK_FALSE(got[0].retain);
    CHECK(h.broker.retained().size() == 0);
  }
}

TEST_CASE("broker: the will is not published after DISCONNECT", "[broker]") {
  harness h;
  auto& watcher = h.connect("watcher");
  h.subscribe(watcher, {{"status/#", 0}});
  h.take(watcher);
  auto& dev = h.connect("dev", with_will(0, true));
  h.send(dev, empty_packet{packet_type::disconnect});
  h.settle();  // the transport then reports the end: still no will
  CHECK(h.publishes(watcher).empty());
  CHECK(h.broker.retained().size() == 0);
}

TEST_CASE("broker: the will is published on a protocol violation", "[broker]") {
  harness h;
  auto& watcher = h.connect("watcher");
  h.subscribe(watcher, {{"status/#", 0}});
  h.take(watcher);
  auto& dev = h.connect("dev", with_will());
  h.send(dev, connack_packet{});  // a server-only packet
  REQUIRE(dev.link->closed);
  CHECK(h.publishes(watcher).size() == 1);
  h.settle();
  CHECK(h.publishes(watcher).empty());  // once only
}

TEST_CASE("broker: a retained will is stored as the retained message", "[broker][retained]") {
  harness h;
  auto& dev = h.connect("dev", with_will(1, true));
  h.drop(dev);
  REQUIRE(h.broker.retained().find("status/dev"));
  CHECK((*h.broker.retained().find("status/dev"))->payload == "offline");

  auto& late = h.connect("late");
  h.subscribe(late, {{"status/+", 2}});
  auto out = h.take(late);
  REQUIRE(out.size() == 2);
  const auto& p = std::get<publish_packet>(out[1]);
  CHECK(p.topic == "status/dev");
  CHECK(p.retain);
  CHECK(p.qos == 1);
}

TEST_CASE("broker: a will reaches a persistent subscriber that is away", "[broker][session]") {
  harness h;
  connect_options away;
  away.clean = false;
  auto& sub = h.connect("sub", away);
  h.subscribe(sub, {{"status/dev", 1}});
  h.take(sub);
  h.drop(sub);
  auto& dev = h.connect("dev", with_will(1));
  h.drop(dev);
  auto& back = h.connect("sub", away, true);
  auto got = h.publishes(back);
  REQUIRE(got.size() == 1);
  CHECK(got[0].payload == "offline");
}

TEST_CASE("broker: a will the ACL forbids is dropped", "[broker][acl]") {
  harness h;
  h.broker.set_acl(acl::parse("topic read status/#\n"));
  auto& watcher = h.connect("watcher");
  h.subscribe(watcher, {{"status/#", 0}});
  h.take(watcher);
  auto& dev = h.connect("dev", with_will());
  h.drop(dev);
  CHECK(h.publishes(watcher).empty());
  CHECK(h.broker.stats().publish_denied == 1);
}

TEST_CASE("broker: a connection refused at CONNECT has no will", "[broker]") {
  harness h;
  auto& watcher = h.connect("watcher");
  h.subscribe(watcher, {{"status/#", 0}});
  h.take(watcher);
  h.broker.set_authenticator([](const connect_packet& p, std::string_view) {
    return p.client_id == "dev" ? connack_code::not_authorized : connack_code::accepted;
  });
  auto& dev = h.connect_raw("dev", with_will());
  CHECK(only<connack_packet>(dev.link->take()).code == connack_code::not_authorized);
  h.settle();
  CHECK(h.publishes(watcher).empty());
}
