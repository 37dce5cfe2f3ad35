// hearth-bench's e2e mode, its pure parts: the WebSocket client codec
// (bench/ws_client.hpp) and the reading / Engine.IO packets (bench/e2e_protocol.hpp).
#include <catch2/catch.hpp>

#include <string>

#include "hearth/bench/e2e_protocol.hpp"
#include "hearth/bench/options.hpp"
#include "hearth/bench/ws_client.hpp"

using namespace hearth::bench;

namespace {
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}
}  // namespace

TEST_CASE("ws: the accept value of RFC 6455's example", "[bench][ws]") {
  CHECK(ws::accept_for("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  const auto k = ws::make_key(1);
  CHECK(k.size() == 24);
  CHECK(k != ws::make_key(2));
}

TEST_CASE("ws: upgrade request and the 101 answer", "[bench][ws]") {
  std::string req;
  ws::append_upgrade_request("127.0.0.1:8080", "/socket.io/?EIO=4&transport=websocket", "dGhlIHNhbXBsZSBub25jZQ==", req);
  CHECK(req.starts_with("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"));
  CHECK(req.find("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n") != std::string::npos);
  CHECK(req.ends_with("\r\n\r\n"));

  const std::string ok = "HTTP/1.1 101 Switching Protocols\r\nupgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
                         "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  auto r = ws::parse_upgrade_response(ok + "\x81\x01" "2", "dGhlIHNhbXBsZSBub25jZQ==");
  CHECK(r.error.empty());
  CHECK(r.consumed == ok.size());
  r = ws::parse_upgrade_response(ok.substr(0, ok.size() - 2), "dGhlIHNhbXBsZSBub25jZQ==");
  CHECK(r.consumed == 0);
  CHECK(r.error.empty());

  SECTION("[malformed] refused or wrong answers") {
    CHECK_FALSE(ws::parse_upgrade_response("HTTP/1.1 400 Bad Request\r\n\r\n", "k").error.empty());
    CHECK_FALSE(ws::parse_upgrade_response(ok, "another key").error.empty());
    CHECK_FALSE(ws::parse_upgrade_response("HTTP/1.1 101 x\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
                                           "dGhlIHNhbXBsZSBub25jZQ==").error.empty());
    CHECK_FALSE(ws::parse_upgrade_response(std::string(20000, 'x'), "k").error.empty());
  }
}

TEST_CASE("ws: client frames are masked", "[bench][ws]") {
  std::string out;
  ws::append_frame(ws::opcode::text, "Hello", 0x37fa213d, out);
  // RFC 6455 5.7: a masked "Hello".
  CHECK(out == bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  out.clear();
  ws::append_frame(ws::opcode::binary, std::string(300, 'a'), 0, out);
  CHECK(out.substr(0, 4) == bytes({0x82, 0xfe, 0x01, 0x2c}));
  CHECK(out.size() == 4 + 4 + 300);
  out.clear();
  ws::append_frame(ws::opcode::text, std::string(70000, 'a'), 0, out);
  CHECK(out.substr(0, 10) == bytes({0x81, 0xff, 0, 0, 0, 0, 0, 1, 0x11, 0x70}));
}

TEST_CASE("ws: server frames decode, whole or in pieces", "[bench][ws]") {
  ws::frame f;
  const std::string hello = bytes({0x81, 0x05}) + "Hello";
  for (std::size_t n = 0; n < hello.size(); ++n)
    CHECK(ws::decode_frame(std::string_view(hello).substr(0, n), 1024, f).status == ws::decode_status::need_more);
  const std::string two = hello + "more";  // the frame's payload is a view into it
  auto r = ws::decode_frame(two, 1024, f);
  REQUIRE(r.status == ws::decode_status::ok);
  CHECK(r.consumed == 7);
  CHECK(f.op == ws::opcode::text);
  CHECK(f.fin);
  CHECK(f.payload == "Hello");

  const std::string first = bytes({0x01, 0x03}) + "Hel", cont = bytes({0x80, 0x02}) + "lo";
  REQUIRE(ws::decode_frame(first, 1024, f).status == ws::decode_status::ok);
  CHECK_FALSE(f.fin);
  REQUIRE(ws::decode_frame(cont, 1024, f).status == ws::decode_status::ok);
  CHECK(f.op == ws::opcode::continuation);
  CHECK(f.fin);

  const std::string big = bytes({0x82, 0x7e, 0x01, 0x00}) + std::string(256, 'z');
  REQUIRE(ws::decode_frame(big, 1024, f).status == ws::decode_status::ok);
  CHECK(f.payload.size() == 256);
  const std::string ping = bytes({0x89, 0x00});
  REQUIRE(ws::decode_frame(ping, 1024, f).status == ws::decode_status::ok);
  CHECK(f.op == ws::opcode::ping);

  SECTION("[malformed] protocol violations are errors") {
    auto err = [&](const std::string& in, std::size_t max = 1024) {
      return ws::decode_frame(in, max, f).status == ws::decode_status::error;
    };
    CHECK(err(bytes({0x81, 0x81, 1, 2, 3, 4, 'x'})));          // masked by the server
    CHECK(err(bytes({0xc1, 0x01, 'x'})));                      // RSV1 without an extension
    CHECK(err(bytes({0x83, 0x00})));                           // reserved opcode
    CHECK(err(bytes({0x09, 0x00})));                           // fragmented ping
    CHECK(err(bytes({0x89, 0x7e, 0x00, 0x7e}) + std::string(126, 'p')));  // control frame > 125
    CHECK(err(bytes({0x81, 0x7e, 0x00, 0x05}) + "Hello"));     // length not minimal
    CHECK(err(bytes({0x81, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0}))); // 64-bit top bit
    CHECK(err(big, 100));                                      // over the limit
  }
}

TEST_CASE("e2e: the reading published and the events received", "[bench]") {
  std::string p;
  e2e::append_reading_payload("seq", 12345, p);
  CHECK(p == "{\"seq\":12345}");
  CHECK(e2e::connect_packet("hth_ab\"c") == "40{\"token\":\"hth_ab\\\"c\"}");

  CHECK(e2e::classify("0{\"sid\":\"x\"}") == e2e::packet_kind::open);
  CHECK(e2e::classify("2") == e2e::packet_kind::ping);
  CHECK(e2e::classify("40{\"sid\":\"y\"}") == e2e::packet_kind::sio_connected);
  CHECK(e2e::classify("44{\"message\":\"login required\"}") == e2e::packet_kind::sio_error);
  CHECK(e2e::classify("42[\"reading\",{}]") == e2e::packet_kind::sio_event);
  CHECK(e2e::classify("6") == e2e::packet_kind::other);
  CHECK(e2e::classify("") == e2e::packet_kind::other);

  // As hearthd serialises it: the value is a double.
  const std::string ev = R"(42["reading",{"node":"hearth-bench","kind":"temperature","sensor":"seq","room":null,)"
                         R"("value":1.2345E4,"unit":"°C","ts":1764000000000}])";
  auto m = e2e::match_reading(ev, "hearth-bench", "seq");
  CHECK(m.is == e2e::reading_match::what::ours);
  CHECK(m.seq == 12345);
  CHECK(e2e::match_reading(ev, "other-node", "seq").is == e2e::reading_match::what::other);
  CHECK(e2e::match_reading(ev, "hearth-bench", "s2").is == e2e::reading_match::what::other);
  CHECK(e2e::match_reading(R"(42["node",{"node":"hearth-bench","online":true}])", "hearth-bench", "seq").is ==
        e2e::reading_match::what::other);

  SECTION("[malformed] not a reading of ours with a sequence number") {
    using w = e2e::reading_match::what;
    CHECK(e2e::match_reading("42[\"reading\"", "hearth-bench", "seq").is == w::malformed);
    CHECK(e2e::match_reading("42[\"reading\",5]", "hearth-bench", "seq").is == w::malformed);
    CHECK(e2e::match_reading(R"(42["reading",{"node":"hearth-bench","sensor":"seq","value":1.5}])", "hearth-bench",
                             "seq").is == w::malformed);
    CHECK(e2e::match_reading(R"(42["reading",{"node":"hearth-bench","sensor":"seq","value":-1}])", "hearth-bench",
                             "seq").is == w::malformed);
    CHECK(e2e::match_reading(R"(42["reading",{"node":"hearth-bench","sensor":"seq","value":"7"}])", "hearth-bench",
                             "seq").is == w::malformed);
  }
}

TEST_CASE("options: e2e mode", "[bench]") {
  std::vector<std::string_view> args{"e2e", "--web-port", "8080", "--token", "hth_x"};
  auto o = parse_options(args);
  CHECK(o.run_mode == mode::e2e);
  CHECK(o.qos == 1);
  CHECK(o.rate == 1000.0);
  CHECK(o.publishers == 1);
  CHECK(o.subscribers == 1);
  CHECK(o.token == "hth_x");
  CHECK(o.node == "hearth-bench");
  std::vector<std::string_view> env{"e2e", "--web-port", "8080", "--qos", "0", "--rate", "20000", "--node", "n1"};
  o = parse_options(env, "hth_env");
  CHECK(o.token == "hth_env");
  CHECK(o.qos == 0);
  CHECK(o.rate == 20000.0);
  CHECK(o.node == "n1");
  CHECK(usage().find("--web-port") != std::string::npos);
}
