// The in-process client on a real io_context: requests answered within the
// call, deliveries always posted, QoS 1/2 acknowledged by the client itself.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hearth/core/log.hpp"
#include "hearth/mqtt/broker.hpp"
#include "hearth/mqtt/codec.hpp"
#include "hearth/mqtt/errors.hpp"
#include "hearth/net/local_client.hpp"

using namespace hearth;
using namespace std::chrono_literals;

namespace {

struct fixture {
  core::logger log{core::log_level::off};
  net::io_context ioc;
  mqtt::broker broker{mqtt::broker_config{}, log};

  std::shared_ptr<local_client> client(std::string_view id, bool clean = true, std::size_t max_pending = 10000) {
    auto c = std::make_shared<local_client>(ioc, broker, max_pending);
    REQUIRE(c->connect(id, clean) == mqtt::connack_code::accepted);
    return c;
  }
  void run() {
    ioc.restart();
    ioc.run_for(200ms);
  }
};

struct received {
  std::vector<std::string> items;  // "topic=payload"
  local_client::handler handler() {
    return [this](const mqtt::message_ptr& m) { items.push_back(m->topic + "=" + m->payload); };
  }
};

}  // namespace

TEST_CASE("local_client: publish and subscribe, delivered from the io_context", "[local_client]") {
  fixture f;
  auto sub = f.client("sub");
  auto pub = f.client("pub");
  CHECK(sub->connected());
  received r;
  CHECK(sub->subscribe("home/+/temperature", 0, r.handler()) == 0);
  CHECK_FALSE(pub->publish("home/kitchen/temperature", "21.5"));
  CHECK_FALSE(pub->publish("home/kitchen/humidity", "40"));
  CHECK(r.items.empty());  // never from inside the broker call
  f.run();
  CHECK(r.items == std::vector<std::string>{"home/kitchen/temperature=21.5"});
}

TEST_CASE("local_client: QoS 1 and 2 deliveries are acknowledged", "[local_client]") {
  fixture f;
  auto sub = f.client("sub", false);
  auto pub = f.client("pub");
  received r;
  CHECK(sub->subscribe("q/#", 2, r.handler()) == 2);
  CHECK_FALSE(pub->publish("q/1", "one", 1));
  CHECK_FALSE(pub->publish("q/2", "two", 2));
  const mqtt::session* s = f.broker.find_session("sub");
  REQUIRE(s);
  CHECK(s->inflight().size() == 2);  // not yet acknowledged
  f.run();
  CHECK(r.items == std::vector<std::string>{"q/1=one", "q/2=two"});
  CHECK(s->inflight().empty());  // PUBACK, and PUBREC/PUBREL/PUBCOMP, done
  // The publisher's own QoS 2 completed within publish().
  const mqtt::session* p = f.broker.find_session("pub");
  REQUIRE(p);
  CHECK(p->incoming_qos2.empty());
}

TEST_CASE("local_client: more than a window of QoS 1 messages all arrive", "[local_client]") {
  fixture f;
  auto sub = f.client("sub");
  auto pub = f.client("pub");
  received r;
  sub->subscribe("t", 1, r.handler());
  for (int i = 0; i < 200; ++i) pub->publish("t", std::to_string(i), 1);  // window 32, the rest queued
  f.run();
  REQUIRE(r.items.size() == 200);
  CHECK(r.items.front() == "t=0");
  CHECK(r.items.back() == "t=199");
}

TEST_CASE("local_client: retained messages arrive after subscribing, posted", "[local_client]") {
  fixture f;
  auto pub = f.client("pub");
  pub->publish("home/a/status", "online", 1, true);
  auto sub = f.client("sub");
  received r;
  CHECK(sub->subscribe("home/#", 1, r.handler()) == 1);
  CHECK(r.items.empty());
  f.run();
  CHECK(r.items == std::vector<std::string>{"home/a/status=online"});
}

TEST_CASE("local_client: a callback may publish and unsubscribe", "[local_client]") {
  fixture f;
  auto c = f.client("echo");
  received r;
  c->subscribe("ping", 0, [&](const mqtt::message_ptr& m) {
    c->publish("pong", m->payload);
    c->unsubscribe("ping");
  });
  c->subscribe("pong", 0, r.handler());
  c->publish("ping", "1");
  c->publish("ping", "2");  // already queued for delivery: skipped once unsubscribed
  f.run();
  CHECK(r.items == std::vector<std::string>{"pong=1"});
  c->publish("ping", "3");
  f.run();
  CHECK(r.items.size() == 1);
}

TEST_CASE("local_client: bad input is refused with a reason", "[local_client][malformed]") {
  fixture f;
  auto c = f.client("c");
  CHECK(c->publish("a/+/b", "x") == mqtt::errc::bad_topic_name);
  CHECK(c->publish("", "x") == mqtt::errc::bad_topic_name);
  CHECK(c->publish(std::string_view("a\0b", 3), "x") == mqtt::errc::bad_utf8);
  CHECK(c->publish("a", "x", 3) == mqtt::errc::bad_qos);
  received r;
  CHECK(c->subscribe("a/#/b", 0, r.handler()) == mqtt::suback_failure);
  CHECK(c->subscribe("a", 3, r.handler()) == mqtt::suback_failure);
  c->disconnect();
  CHECK_FALSE(c->connected());
  CHECK(c->publish("a", "x") == std::errc::not_connected);
  CHECK(c->subscribe("a", 0, r.handler()) == mqtt::suback_failure);
}

TEST_CASE("local_client: a persistent session keeps messages while away", "[local_client]") {
  fixture f;
  auto sub = f.client("keeper", false);
  received r;
  sub->subscribe("news", 1, r.handler());
  sub->disconnect();
  f.run();
  auto pub = f.client("pub");
  pub->publish("news", "while away", 1);
  // The session kept the subscription, and the client its callback.
  REQUIRE(sub->connect("keeper", false) == mqtt::connack_code::accepted);
  f.run();
  CHECK(r.items == std::vector<std::string>{"news=while away"});

  // A clean session starts without subscriptions, on both sides.
  sub->disconnect();
  REQUIRE(sub->connect("keeper", true) == mqtt::connack_code::accepted);
  pub->publish("news", "forgotten", 1);
  f.run();
  CHECK(r.items.size() == 1);
}

TEST_CASE("local_client: a second client with the same id takes the session over", "[local_client]") {
  fixture f;
  auto first = f.client("same");
  auto second = f.client("same");
  CHECK_FALSE(first->connected());
  CHECK(second->connected());
  f.run();
  CHECK(f.broker.stats().clients_connected == 1);
}

TEST_CASE("local_client: pending QoS 0 deliveries are bounded", "[local_client][overflow]") {
  fixture f;
  auto sub = f.client("slow", true, 3);
  auto pub = f.client("pub");
  received r;
  sub->subscribe("t", 0, r.handler());
  for (int i = 0; i < 10; ++i) pub->publish("t", std::to_string(i));
  CHECK(sub->dropped() == 7);
  CHECK(f.broker.stats().publish_dropped == 7);
  f.run();
  CHECK(r.items == std::vector<std::string>{"t=0", "t=1", "t=2"});
}

TEST_CASE("local_client: destroying a connected client ends its connection", "[local_client]") {
  fixture f;
  {
    auto c = f.client("temp");
    CHECK(f.broker.stats().clients_connected == 1);
  }
  CHECK(f.broker.stats().clients_connected == 0);
  CHECK(f.broker.session_count() == 0);  // clean session discarded
}

// ---- limits of what can be published in-process ------------------------------

namespace {

// A topic of `levels` levels ("a/a/.../a").
std::string deep_topic(std::size_t levels) {
  std::string t = "a";
  for (std::size_t i = 1; i < levels; ++i) t += "/a";
  return t;
}

// Records sizes only: Catch would print a huge topic or payload for minutes.
struct sizes {
  std::vector<std::pair<std::size_t, std::size_t>> items;  // topic, payload
  local_client::handler handler() {
    return [this](const mqtt::message_ptr& m) { items.emplace_back(m->topic.size(), m->payload.size()); };
  }
};

}  // namespace

TEST_CASE("local_client: a publish that no network client could send is refused", "[local_client][malformed]") {
  fixture f;
  auto sub = f.client("sub");
  auto pub = f.client("pub");
  sizes r;
  REQUIRE(sub->subscribe("#", 1, r.handler()) == 1);

  // The codec's length prefix is 16 bits: 65,535 bytes fit, one more does not.
  CHECK_FALSE(pub->publish(std::string(65535, 'a'), "x"));
  CHECK(pub->publish(std::string(65536, 'a'), "x") == mqtt::errc::bad_topic_name);
  CHECK(pub->publish(deep_topic(mqtt::max_topic_levels), "x") == std::error_code{});
  CHECK(pub->publish(deep_topic(mqtt::max_topic_levels + 1), "x") == mqtt::errc::too_many_topic_levels);
  CHECK(pub->publish("a/\xff", "x") == mqtt::errc::bad_utf8);
  CHECK(pub->publish("a/#", "x", 1) == mqtt::errc::bad_topic_name);
  f.run();
  CHECK(r.items == std::vector<std::pair<std::size_t, std::size_t>>{{65535, 1}, {401, 1}});
}

TEST_CASE("local_client: a publish over the largest packet is refused", "[local_client][malformed]") {
  fixture f;
  auto pub = f.client("pub");
  // Remaining length of a QoS 1 PUBLISH: 2 + topic + 2 (packet id) + payload.
  const std::string payload(mqtt::max_remaining_length - 2 - 1 - 2 + 1, '\0');
  const std::string_view over(payload);
  CHECK(pub->publish("t", over, 1) == mqtt::errc::packet_too_large);
  CHECK(pub->publish("t", over.substr(1), 1) == std::error_code{});  // exactly the maximum
  // Without a packet id at QoS 0, two more bytes of topic fit, not three.
  CHECK(pub->publish("ttt", over.substr(1), 0) == std::error_code{});
  CHECK(pub->publish("tttt", over.substr(1), 0) == mqtt::errc::packet_too_large);
  CHECK(pub->connected());
}

TEST_CASE("local_client: filters no network client could send are refused", "[local_client][malformed]") {
  fixture f;
  auto c = f.client("c");
  received r;
  CHECK(c->subscribe(std::string(65536, 'a'), 0, r.handler()) == mqtt::suback_failure);
  CHECK(c->subscribe(deep_topic(mqtt::max_topic_levels + 1), 0, r.handler()) == mqtt::suback_failure);
  CHECK(c->subscribe("a/\xff", 0, r.handler()) == mqtt::suback_failure);
  CHECK(c->subscribe("", 0, r.handler()) == mqtt::suback_failure);
  CHECK(f.broker.subscriptions().subscription_count() == 0);
  CHECK(c->subscribe(std::string(65535, 'a'), 0, r.handler()) == 0);
  CHECK(c->subscribe(deep_topic(mqtt::max_topic_levels), 0, r.handler()) == 0);
  CHECK(f.broker.subscriptions().subscription_count() == 2);
}

TEST_CASE("broker: an in-process publish is validated like a network one", "[local_client][broker][malformed]") {
  fixture f;
  auto sub = f.client("sub");
  sizes r;
  REQUIRE(sub->subscribe("#", 0, r.handler()) == 0);
  using mqtt::errc;
  CHECK(f.broker.publish(std::string(65536, 'a'), "x", 0, true) == errc::bad_topic_name);
  CHECK(f.broker.publish(deep_topic(mqtt::max_topic_levels + 1), "x", 0, true) == errc::too_many_topic_levels);
  CHECK(f.broker.publish("a/\xff", "x", 0, true) == errc::bad_utf8);
  CHECK(f.broker.publish("a/+", "x", 0, true) == errc::bad_topic_name);
  CHECK(f.broker.publish("t", "x", 3, true) == errc::bad_qos);
  // 2 + 1 + payload bytes of remaining length at QoS 0; 2 more at QoS 1.
  const std::string payload(mqtt::max_remaining_length - 2 - 1 + 1, '\0');
  CHECK(f.broker.publish("t", payload, 0, true) == errc::packet_too_large);
  CHECK(f.broker.publish("t", std::string_view(payload).substr(2), 1, true) == errc::packet_too_large);
  f.run();
  CHECK(r.items.size() == 0);
  CHECK(f.broker.retained().size() == 0);
  CHECK(f.broker.publish("t", "fine", 0, false) == std::error_code{});
  f.run();
  CHECK(r.items == std::vector<std::pair<std::size_t, std::size_t>>{{1, 4}});
}

// ---- reconnection --------------------------------------------------------------

TEST_CASE("local_client: a new connection drops the old one's pending acks", "[local_client]") {
  fixture f;
  auto c = f.client("c");
  received r;
  REQUIRE(c->subscribe("x", 2, r.handler()) == 2);
  f.broker.publish("x", "first", 2, false);  // packet id 1, not yet delivered
  // A new clean session: the first message went with the old one.
  REQUIRE(c->connect("c", true) == mqtt::connack_code::accepted);
  REQUIRE(c->subscribe("x", 2, r.handler()) == 2);
  f.broker.publish("x", "second", 2, false);  // packet id 1 again, a different message
  f.run();
  CHECK(r.items == std::vector<std::string>{"x=second"});
  const mqtt::session* s = f.broker.find_session("c");
  REQUIRE(s);
  CHECK(s->inflight().empty());  // completed by its own PUBREC and PUBCOMP
}

TEST_CASE("local_client: a QoS 2 id left unreleased by an old session is free in a new one",
          "[local_client]") {
  fixture f;
  auto c = f.client("c");
  local_client* self = c.get();
  received r;
  // The first delivery starts a new clean session before its PUBREC could go
  // out: id 1 is never released, and that PUBREC belongs to no one any more.
  // The new session's first QoS 2 message gets id 1 as well.
  std::function<void(const mqtt::message_ptr&)> on_first = [&](const mqtt::message_ptr& m) {
    r.items.push_back(m->topic + "=" + m->payload);
    REQUIRE(self->connect("c", true) == mqtt::connack_code::accepted);
    REQUIRE(self->subscribe("x", 2, r.handler()) == 2);
    f.broker.publish("x", "second", 2, false);
  };
  REQUIRE(c->subscribe("x", 2, on_first) == 2);
  f.broker.publish("x", "first", 2, false);
  f.run();
  CHECK(r.items == std::vector<std::string>{"x=first", "x=second"});
  CHECK(c->connected());
  const mqtt::session* s = f.broker.find_session("c");
  REQUIRE(s);
  CHECK(s->inflight().empty());
}

TEST_CASE("local_client: a resumed session redelivers what the old connection never handled",
          "[local_client]") {
  fixture f;
  auto c = f.client("c", false);
  received r;
  REQUIRE(c->subscribe("x/#", 2, r.handler()) == 2);
  f.broker.publish("x/1", "one", 1, false);
  f.broker.publish("x/2", "two", 2, false);
  // Reconnected before the deliveries ran: the broker sends both again.
  REQUIRE(c->connect("c", false) == mqtt::connack_code::accepted);
  f.run();
  CHECK(r.items == std::vector<std::string>{"x/1=one", "x/2=two"});
  const mqtt::session* s = f.broker.find_session("c");
  REQUIRE(s);
  CHECK(s->inflight().empty());
}

TEST_CASE("local_client: a session resumed from a callback does not deliver that message twice",
          "[local_client]") {
  fixture f;
  auto c = f.client("c", false);
  local_client* self = c.get();
  received r;
  bool resumed = false;
  REQUIRE(c->subscribe("x", 2, [&](const mqtt::message_ptr& m) {
    r.items.push_back(m->topic + "=" + m->payload);
    // Before the PUBREC: the broker sends this message again on resuming.
    if (!std::exchange(resumed, true)) REQUIRE(self->connect("c", false) == mqtt::connack_code::accepted);
  }) == 2);
  f.broker.publish("x", "once", 2, false);
  f.run();
  CHECK(r.items == std::vector<std::string>{"x=once"});
  const mqtt::session* s = f.broker.find_session("c");
  REQUIRE(s);
  CHECK(s->inflight().empty());
}
