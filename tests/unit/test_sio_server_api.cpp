// The C++ API that hearthd uses on top of the Socket.IO server: middleware,
// rooms and broadcasts, acknowledgements both ways, disconnects from either
// side; on fake connections and fake time.
#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>

#include <boost/json/parse.hpp>

#include "sio_harness.hpp"

using namespace hearth;
using namespace hearth::web;
using hearth::test::sio_harness;
using strings = std::vector<std::string>;
namespace json = boost::json;
using std::chrono::milliseconds;

TEST_CASE("sio api: middleware sees auth and request, refuses with CONNECT_ERROR", "[sio][server]") {
  sio_harness h;
  auto& root = h.io.of("/");
  root.use([](sio::socket& s) -> std::optional<sio::refusal> {
    const auto* token = s.auth().as_object().if_contains("token");
    if (!token || *token != "secret") return sio::refusal{"not authorized", json::object{{"code", 401}}};
    s.data()["user"] = s.request().headers.at("x-user");
    return std::nullopt;
  });
  std::string seen_user;
  root.on_connection([&](sio::socket& s) { seen_user = std::string(s.data().at("user").as_string()); });

  eio::request_info req;
  req.headers["x-user"] = "alice";
  auto& c = h.open(req);
  h.text(c, R"(0{"token":"wrong"})");
  CHECK(c.take() == strings{R"(4{"message":"not authorized","data":{"code":401}})"});
  CHECK(root.size() == 0);
  CHECK_FALSE(c.closed);  // the client may try again
  h.text(c, R"(0{"token":"secret"})");
  auto out = c.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].rfind("0{\"sid\":", 0) == 0);
  CHECK(seen_user == "alice");
}

TEST_CASE("sio api: a refusal without data sends only the message", "[sio][server]") {
  sio_harness h;
  h.io.of("admin").use([](sio::socket&) { return std::optional<sio::refusal>(sio::refusal{"no"}); });
  auto& c = h.open();
  h.text(c, "0/admin,");
  CHECK(c.take() == strings{R"(4/admin,{"message":"no"})"});
}

TEST_CASE("sio api: rooms, broadcasts and except", "[sio][server]") {
  sio_harness h;
  auto& root = h.io.of("/");
  std::vector<std::string> ids;
  root.on_connection([&](sio::socket& s) { ids.push_back(s.id()); });
  auto& a = h.joined();
  auto& b = h.joined();
  auto& c = h.joined();
  REQUIRE(ids.size() == 3);
  root.find(ids[0])->join("kitchen");
  root.find(ids[1])->join("kitchen");
  root.find(ids[1])->join("garden");
  auto rooms = root.find(ids[1])->rooms();
  CHECK(std::set<std::string>(rooms.begin(), rooms.end()) == std::set<std::string>{"garden", "kitchen", ids[1]});

  CHECK(root.to("kitchen").emit("reading", {21.5}) == 2);
  CHECK(a.take() == strings{R"(2["reading",2.15E1])"});
  CHECK(b.take().size() == 1);
  CHECK(c.take().empty());
  // Encoded once: both recipients queued the same buffer.
  CHECK(a.last_shared == b.last_shared);

  CHECK(root.to("kitchen").to("garden").except(ids[0]).emit("x") == 1);
  CHECK(a.take().empty());
  CHECK(b.take() == strings{R"(2["x"])"});

  CHECK(root.emit("all") == 3);
  CHECK(c.take() == strings{R"(2["all"])"});
  CHECK(root.find(ids[2])->broadcast().emit("others") == 2);
  CHECK(c.take().empty());
  CHECK(a.take() == strings{R"(2["all"])", R"(2["others"])"});

  CHECK(root.to(ids[2]).emit("just-you") == 1);  // a socket's own room
  CHECK(c.take() == strings{R"(2["just-you"])"});

  root.find(ids[0])->leave("kitchen");
  CHECK(root.to("kitchen").emit("y") == 1);
  CHECK(root.to("nowhere").emit("z") == 0);

  // A disconnect leaves every room.
  b.closed = true;
  h.settle(b, "transport close");
  CHECK(root.rooms().members("kitchen") == nullptr);
  CHECK(root.rooms().members("garden") == nullptr);
  CHECK(root.size() == 2);
}

TEST_CASE("sio api: server-sent events with acknowledgements", "[sio][server]") {
  sio_harness h;
  auto& root = h.io.of("/");
  sio::socket_ref ref;
  root.on_connection([&](sio::socket& s) { ref = s.weak_from_this(); });
  auto& c = h.joined();
  auto s = ref.lock();
  REQUIRE(s);

  std::vector<sio::ack_reply> replies;
  auto record = [&](sio::ack_reply&& r) { replies.push_back(std::move(r)); };
  REQUIRE(s->emit_with_ack("question", {1}, {}, milliseconds(500), record));
  REQUIRE(s->emit_with_ack("blob", {sio::placeholder(0)}, {"raw"}, milliseconds(800), record));
  CHECK(c.take() == strings{R"(21["question",1])", R"(51-2["blob",{"_placeholder":true,"num":0}])", "<bin:raw>"});
  CHECK(s->pending_acks() == 2);

  h.text(c, R"(31["answer"])");
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].status == sio::ack_status::ok);
  CHECK(replies[0].data.values == json::array{"answer"});

  h.advance(milliseconds(799));
  CHECK(replies.size() == 1);
  h.advance(milliseconds(1));
  REQUIRE(replies.size() == 2);
  CHECK(replies[1].status == sio::ack_status::timeout);
  CHECK(h.io.stats().ack_timeouts == 1);

  h.text(c, R"(32["too late"])");  // ignored
  h.text(c, R"(399["never asked"])");
  CHECK(replies.size() == 2);
  CHECK_FALSE(c.closed);

  // A binary ack arrives with its attachment.
  REQUIRE(s->emit_with_ack("q2", {}, {}, milliseconds(500), record));
  c.take();
  h.text(c, R"(61-3[{"_placeholder":true,"num":0}])");
  h.binary(c, "bytes");
  REQUIRE(replies.size() == 3);
  CHECK(replies[2].data.attachments == strings{"bytes"});

  // Pending acks fail when the socket goes.
  REQUIRE(s->emit_with_ack("q3", {}, {}, milliseconds(500), record));
  c.closed = true;
  h.settle(c, "ping timeout");
  REQUIRE(replies.size() == 4);
  CHECK(replies[3].status == sio::ack_status::disconnected);
  CHECK_FALSE(s->emit_with_ack("q4", {}, {}, milliseconds(500), record));
  CHECK_FALSE(s->emit("after"));
}

TEST_CASE("sio api: pending acks per socket are bounded", "[sio][server]") {
  auto o = hearth::test::test_options();
  o.max_pending_acks = 2;
  sio_harness h(o);
  sio::socket_ref ref;
  h.io.of("/").on_connection([&](sio::socket& s) { ref = s.weak_from_this(); });
  h.joined();
  auto s = ref.lock();
  int calls = 0;
  auto cb = [&](sio::ack_reply&&) { ++calls; };
  CHECK(s->emit_with_ack("a", {}, {}, milliseconds(100), cb));
  CHECK(s->emit_with_ack("b", {}, {}, milliseconds(100), cb));
  CHECK_FALSE(s->emit_with_ack("c", {}, {}, milliseconds(100), cb));
  h.advance(milliseconds(100));
  CHECK(calls == 2);
  CHECK(s->emit_with_ack("d", {}, {}, milliseconds(100), cb));
}

TEST_CASE("sio api: an acknowledger answers once", "[sio][server]") {
  sio_harness h;
  std::vector<sio::acknowledger> kept;
  h.io.of("/").on("cmd", [&](sio::socket&, sio::event& e) {
    CHECK(e.name == "cmd");
    kept.push_back(e.ack);
    kept.push_back(e.ack);  // copies share one state
  });
  auto& c = h.joined();
  h.text(c, R"(25["cmd",{"node":"a"}])");
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].requested());
  CHECK(kept[0](json::array{json::object{{"ok", true}}}));
  CHECK_FALSE(kept[1]());
  CHECK(c.take() == strings{R"(35[{"ok":true}])"});

  h.text(c, R"(2["cmd"])");  // no ack asked for
  REQUIRE(kept.size() == 4);
  CHECK_FALSE(kept[2].requested());
  CHECK_FALSE(kept[2]());

  h.text(c, R"(26["cmd"])");
  c.closed = true;
  h.settle(c, "transport close");
  CHECK_FALSE(kept.back()());  // the socket is gone
}

TEST_CASE("sio api: disconnect from the server side", "[sio][server]") {
  sio_harness h;
  auto& root = h.io.of("/");
  h.io.of("/other");
  std::vector<std::string> reasons;
  root.on_disconnect([&](sio::socket& s, std::string_view r) {
    CHECK_FALSE(s.connected());
    reasons.emplace_back(r);
  });
  root.on("bye", [](sio::socket& s, sio::event&) { s.disconnect(); });  // from inside its own handler
  root.on("kick", [](sio::socket& s, sio::event&) { s.disconnect(true); });

  auto& c = h.joined();
  h.text(c, R"(2["bye"])");
  CHECK(c.take() == strings{"1"});
  CHECK(reasons == strings{"server namespace disconnect"});
  CHECK_FALSE(c.closed);
  h.text(c, R"(2["bye"])");  // the namespace is left: a violation now
  CHECK(c.closed);

  auto& d = h.joined();
  h.text(d, "0/other");
  d.take();
  h.text(d, R"(2["kick"])");
  CHECK(d.take() == strings{"1"});
  CHECK(d.closed);
  h.settle(d, "forced close");
  CHECK(h.io.of("/other").size() == 0);
}

TEST_CASE("sio api: a full write queue makes emits fail without harm", "[sio][server]") {
  sio_harness h;
  sio::socket_ref ref;
  h.io.of("/").on_connection([&](sio::socket& s) { ref = s.weak_from_this(); });
  auto& c = h.joined();
  c.refuse_sends = true;
  auto s = ref.lock();
  CHECK_FALSE(s->emit("x"));
  CHECK_FALSE(s->emit_with_ack("x", {}, {}, milliseconds(10), [](sio::ack_reply&&) { FAIL("called"); }));
  CHECK(s->pending_acks() == 0);
  CHECK(h.io.of("/").emit("y") == 0);
}

TEST_CASE("sio api: namespace names get their leading slash", "[sio][server]") {
  sio_harness h;
  auto& a = h.io.of("chat");
  CHECK(a.name() == "/chat");
  CHECK(&h.io.of("/chat") == &a);
  CHECK(h.io.find("/chat") == &a);
  CHECK(h.io.find("/nope") == nullptr);
}

TEST_CASE("sio api: a handler that throws closes its client, not the server", "[sio][server][malformed]") {
  sio_harness h;
  auto& root = h.io.of("/");
  root.on("cmd", [](sio::socket&, sio::event& e) {
    (void)e.data.values.at(0).as_object();  // throws on a client's unexpected argument
  });
  root.on_disconnect([](sio::socket&, std::string_view) { throw std::runtime_error("disconnect handler bug"); });
  auto& c = h.joined();
  h.text(c, R"(2["cmd",{"node":"a"}])");
  CHECK_FALSE(c.closed);
  h.text(c, R"(2["cmd","not an object"])");
  CHECK(c.closed);
  CHECK(h.io.stats().handler_errors == 1);
  h.settle(c);  // the throwing disconnect handler is contained too
  CHECK(h.io.stats().handler_errors == 2);
  CHECK(h.io.client_count() == 0);
  CHECK(h.log_lines.find("handler threw") != std::string::npos);

  auto& d = h.joined();  // the server goes on
  CHECK_FALSE(d.closed);
}
