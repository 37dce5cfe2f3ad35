// The Socket.IO server's protocol rules, on fake connections: the behaviour
// the official suite checks from outside (with the conformance handlers),
// checked here packet by packet.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "hearth/web/sio_conformance.hpp"
#include "sio_harness.hpp"

using namespace hearth;
using namespace hearth::web;
using hearth::test::sio_harness;
using strings = std::vector<std::string>;
namespace json = boost::json;

namespace {

// The sid of a CONNECT reply "0[/nsp,]{"sid":"..."}", checking its shape.
std::string connect_sid(const std::string& reply, std::string_view prefix) {
  REQUIRE(reply.substr(0, prefix.size()) == prefix);
  auto v = json::parse(reply.substr(prefix.size()));
  REQUIRE(v.as_object().size() == 1);
  return std::string(v.at("sid").as_string());
}

}  // namespace

TEST_CASE("sio server: CONNECT to the main namespace, then the connect handler's event", "[sio][server]") {
  sio_harness h;
  sio::mount_conformance_handlers(h.io);
  auto& c = h.open();
  h.text(c, "0");
  auto out = c.take();
  REQUIRE(out.size() == 2);
  auto sid = connect_sid(out[0], "0");
  CHECK(sid.size() == 20);
  CHECK(sid != c.id());  // a socket id is not the Engine.IO session id
  CHECK(out[1] == R"(2["auth",{}])");
  CHECK_FALSE(c.closed);
  REQUIRE(h.io.of("/").find(sid));
}

TEST_CASE("sio server: the auth payload reaches the handler", "[sio][server]") {
  sio_harness h;
  sio::mount_conformance_handlers(h.io);
  auto& c = h.open();
  h.text(c, R"(0{"token":"123"})");
  auto out = c.take();
  REQUIRE(out.size() == 2);
  CHECK(out[1] == R"(2["auth",{"token":"123"}])");

  h.text(c, R"(0/custom,{"token":"abc"})");
  out = c.take();
  REQUIRE(out.size() == 2);
  connect_sid(out[0], "0/custom,");
  CHECK(out[1] == R"(2/custom,["auth",{"token":"abc"}])");
}

TEST_CASE("sio server: an unknown namespace is refused, the session stays", "[sio][server]") {
  sio_harness h;
  sio::mount_conformance_handlers(h.io);
  auto& c = h.open();
  h.text(c, "0/random");
  CHECK(c.take() == strings{R"(4/random,{"message":"Invalid namespace"})"});
  CHECK_FALSE(c.closed);
  h.text(c, "0");
  CHECK(c.take().size() == 2);
  CHECK(h.io.stats().refused == 1);
}

TEST_CASE("sio server: events, acks and binary echo through the conformance handlers", "[sio][server]") {
  sio_harness h;
  sio::mount_conformance_handlers(h.io);
  auto& c = h.joined();

  h.text(c, R"(2["message",1,"2",{"3":[true]}])");
  CHECK(c.take() == strings{R"(2["message-back",1,"2",{"3":[true]}])"});

  h.text(c, R"(2456["message-with-ack",1,"2",{"3":[false]}])");
  CHECK(c.take() == strings{R"(3456[1,"2",{"3":[false]}])"});

  h.text(c, R"(52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  h.binary(c, "\x01\x02\x03");
  CHECK(c.take().empty());  // nothing until the last attachment
  h.binary(c, "\x04\x05\x06");
  CHECK(c.take() == strings{R"(52-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
                            "<bin:\x01\x02\x03>", "<bin:\x04\x05\x06>"});

  h.text(c, R"(52-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  h.binary(c, "a");
  h.binary(c, "b");
  CHECK(c.take() == strings{R"(62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])", "<bin:a>",
                            "<bin:b>"});

  h.text(c, R"(2["nobody-listens",1])");  // no handler: ignored
  h.text(c, R"(27["nobody-listens"])");
  CHECK(c.take().empty());
  CHECK_FALSE(c.closed);
}

TEST_CASE("sio server: emit-with-ack round trip (the newest official suite)", "[sio][server]") {
  sio_harness h;
  sio::mount_conformance_handlers(h.io);
  auto& c = h.joined();
  h.text(c, R"(2["emit-with-ack",1,"2",{"3":[true]}])");
  CHECK(c.take() == strings{R"(21["emit-with-ack",1,"2",{"3":[true]}])"});
  h.text(c, R"(31[1,"2",{"3":[true]}])");
  CHECK(c.take() == strings{R"(2["emit-with-ack",1,"2",{"3":[true]}])"});
}

TEST_CASE("sio server: DISCONNECT from a custom namespace keeps the main one", "[sio][server]") {
  sio_harness h;
  sio::mount_conformance_handlers(h.io);
  auto& c = h.joined();
  h.text(c, "0/custom");
  CHECK(c.take().size() == 2);
  CHECK(h.io.of("/custom").size() == 1);
  h.text(c, "1/custom");
  CHECK(h.io.of("/custom").size() == 0);
  h.text(c, R"(2["message","message to main namespace"])");
  CHECK(c.take() == strings{R"(2["message-back","message to main namespace"])"});

  // Leaving the last namespace does not end the Engine.IO session either.
  h.text(c, "1");
  CHECK_FALSE(c.closed);
  CHECK(h.io.of("/").size() == 0);
  CHECK(h.io.client_count() == 1);
}

TEST_CASE("sio server: protocol violations close the session", "[sio][server][malformed]") {
  sio_harness h;
  sio::mount_conformance_handlers(h.io);
  const char* bad[] = {
      "abc",                                   // unknown packet type (the suite's "4abc")
      "2{}",                                   // invalid payload
      R"(2abc["message-with-ack",1])",         // invalid ack id
      "0",                                     // second CONNECT to "/"
      R"(2/custom,["message"])",               // namespace not joined
      R"(4{"message":"x"})",                   // CONNECT_ERROR from a client
  };
  for (const char* b : bad) {
    INFO(b);
    auto& c = h.joined();
    int disconnects = 0;
    std::string reason;
    h.io.of("/").on_disconnect([&](sio::socket&, std::string_view r) {
      ++disconnects;
      reason = r;
    });
    h.text(c, b);
    CHECK(c.closed);
    CHECK(c.take().empty());
    h.text(c, R"(2["message",1])");  // after close(): ignored
    CHECK(c.take().empty());
    h.settle(c, "forced close");
    CHECK(disconnects == 1);
    CHECK(reason == "forced close");
  }
  CHECK(h.io.client_count() == 0);
  CHECK(h.io.stats().protocol_errors == std::size(bad));
}

TEST_CASE("sio server: binary messages out of place close the session", "[sio][server][malformed]") {
  sio_harness h;
  sio::mount_conformance_handlers(h.io);
  auto& c = h.joined();
  h.binary(c, "stray");
  CHECK(c.closed);

  auto& c2 = h.joined();
  h.text(c2, R"(51-["message",{"_placeholder":true,"num":0}])");
  h.text(c2, R"(2["message"])");
  CHECK(c2.closed);
}

TEST_CASE("sio server: a client that never sends CONNECT is closed after connect_timeout", "[sio][server]") {
  sio_harness h;
  sio::mount_conformance_handlers(h.io);
  const auto opened = h.sched.now();
  auto& idle = h.open();
  REQUIRE(h.sched.requested);
  CHECK(*h.sched.requested == opened + std::chrono::milliseconds(1000));
  h.advance(std::chrono::milliseconds(400));
  auto& active = h.open();  // its deadline is 400 ms later
  h.advance(std::chrono::milliseconds(100));
  h.text(active, "0");
  h.advance(std::chrono::milliseconds(499));
  CHECK_FALSE(idle.closed);
  h.advance(std::chrono::milliseconds(1));
  CHECK(idle.closed);
  CHECK(h.io.stats().connect_timeouts == 1);
  h.advance(std::chrono::milliseconds(5000));
  CHECK_FALSE(active.closed);  // it joined a namespace in time

  // A refused CONNECT does not count as joining.
  auto& refused = h.open();
  h.text(refused, "0/random");
  h.advance(std::chrono::milliseconds(1000));
  CHECK(refused.closed);
}
