// The in-process client on a real io_context: requests answered within the
// call, deliveries always posted, QoS 1/2 acknowledged by the client itself.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "hearth/core/log.hpp"
#include "hearth/mqtt/broker.hpp"
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
