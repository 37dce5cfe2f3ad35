// The Socket.IO v5 codec (sio_codec.hpp) on the exact strings of the
// protocol's documentation and the official test suite. The text here is an
// Engine.IO message's data: the Engine.IO type '4' is already stripped, so
// the wire's "42[...]" is "2[...]" here.
#include <catch2/catch.hpp>

#include <limits>

#include <boost/json/parse.hpp>

#include "catch_support.hpp"
#include "hearth/web/sio_codec.hpp"

using namespace hearth::web;
using namespace hearth::web::sio;
namespace json = boost::json;

namespace {

packet decode_ok(std::string_view text, std::size_t expect_attachments = 0) {
  packet p;
  std::size_t n = 99;
  auto ec = decode_header(text, codec_limits{}, p, n);
  INFO(text);
  REQUIRE_FALSE(ec);
  CHECK(n == expect_attachments);
  return p;
}

std::error_code decode_err(std::string_view text, codec_limits limits = {}) {
  packet p;
  std::size_t n = 0;
  return decode_header(text, limits, p, n);
}

std::string header(const packet& p) {
  std::string s;
  encode_header(p, s);
  return s;
}

packet make(packet_type t, std::string nsp, std::optional<std::uint64_t> id, std::string_view json_text,
            std::vector<std::string> attachments = {}) {
  packet p;
  p.type = t;
  p.nsp = std::move(nsp);
  p.id = id;
  if (!json_text.empty()) p.data = json::parse(json_text);
  p.attachments = std::move(attachments);
  return p;
}

}  // namespace

TEST_CASE("sio: encode the server's packets", "[sio][codec]") {
  CHECK(header(make(packet_type::connect, "/", {}, R"({"sid":"abc"})")) == R"(0{"sid":"abc"})");
  CHECK(header(make(packet_type::connect, "/custom", {}, R"({"sid":"abc"})")) == R"(0/custom,{"sid":"abc"})");
  CHECK(header(make(packet_type::connect_error, "/random", {}, R"({"message":"Invalid namespace"})")) ==
        R"(4/random,{"message":"Invalid namespace"})");
  CHECK(header(make(packet_type::disconnect, "/", {}, "")) == "1");
  CHECK(header(make(packet_type::disconnect, "/admin", {}, "")) == "1/admin,");
  CHECK(header(make(packet_type::event, "/", {}, R"(["message-back",1,"2",{"3":[true]}])")) ==
        R"(2["message-back",1,"2",{"3":[true]}])");
  CHECK(header(make(packet_type::event, "/admin", 13, R"(["x"])")) == R"(2/admin,13["x"])");
  CHECK(header(make(packet_type::ack, "/", 456, R"([1,"2",{"3":[false]}])")) == R"(3456[1,"2",{"3":[false]}])");
}

TEST_CASE("sio: an event or ack with attachments becomes BINARY_EVENT / BINARY_ACK", "[sio][codec]") {
  auto ev = make(packet_type::event, "/", {}, R"(["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
                 {std::string("\x01\x02\x03", 3), std::string("\x04\x05\x06", 3)});
  auto ms = encode(ev);
  REQUIRE(ms.size() == 3);
  CHECK_FALSE(ms[0].binary);
  CHECK(ms[0].data == R"(52-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  CHECK(ms[1].binary);
  CHECK(ms[1].data == std::string("\x01\x02\x03", 3));
  CHECK(ms[2].binary);

  auto ack = make(packet_type::ack, "/custom", 789, R"([{"_placeholder":true,"num":0}])", {"x"});
  CHECK(header(ack) == R"(61-/custom,789[{"_placeholder":true,"num":0}])");
}

TEST_CASE("sio: decode the official suite's packets", "[sio][codec]") {
  auto p = decode_ok("0");
  CHECK(p.type == packet_type::connect);
  CHECK(p.nsp == "/");
  CHECK_FALSE(p.data);

  p = decode_ok(R"(0{"token":"123"})");
  CHECK(p.data == json::parse(R"({"token":"123"})"));

  p = decode_ok("0/custom,");
  CHECK(p.nsp == "/custom");
  CHECK_FALSE(p.data);

  p = decode_ok(R"(0/custom,{"token":"abc"})");
  CHECK(p.nsp == "/custom");
  CHECK(p.data == json::parse(R"({"token":"abc"})"));

  p = decode_ok("0/random");  // no comma: the namespace runs to the end
  CHECK(p.nsp == "/random");

  p = decode_ok("1/custom");
  CHECK(p.type == packet_type::disconnect);
  CHECK(p.nsp == "/custom");

  p = decode_ok(R"(2["message",1,"2",{"3":[true]}])");
  CHECK(p.type == packet_type::event);
  CHECK_FALSE(p.id);
  CHECK(p.data == json::parse(R"(["message",1,"2",{"3":[true]}])"));

  p = decode_ok(R"(2456["message-with-ack",1,"2",{"3":[false]}])");
  CHECK(p.id == 456u);

  p = decode_ok(R"(52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])", 2);
  CHECK(p.type == packet_type::binary_event);

  p = decode_ok(R"(52-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])", 2);
  CHECK(p.id == 789u);

  p = decode_ok(R"(3/admin,7["ok"])");
  CHECK(p.type == packet_type::ack);
  CHECK(p.nsp == "/admin");
  CHECK(p.id == 7u);

  p = decode_ok(R"(2[42,"numeric event names are allowed"])");
  CHECK(p.type == packet_type::event);
}

TEST_CASE("sio: encode then decode gives the packet back", "[sio][codec]") {
  const packet cases[] = {
      make(packet_type::connect, "/", {}, ""),
      make(packet_type::connect, "/home", {}, R"({"token":"x"})"),
      make(packet_type::disconnect, "/chat", {}, ""),
      make(packet_type::event, "/", 0, R"(["e",null,1.5,-3,"\u00e9\u20ac"])"),
      make(packet_type::event, "/chat", max_ack_id, R"(["e"])"),
      make(packet_type::ack, "/", 12, "[]"),
      make(packet_type::ack, "/", 12, ""),
      make(packet_type::connect_error, "/x", {}, R"({"message":"no","data":{"code":3}})"),
      make(packet_type::event, "/", 5, R"(["b",{"_placeholder":true,"num":0}])", {std::string("\0\xff", 2)}),
  };
  for (const auto& p : cases) {
    auto ms = encode(p);
    INFO(ms[0].data);
    decoder d;
    std::optional<packet> out;
    for (auto& m : ms) REQUIRE_FALSE(d.feed(std::move(m), out));
    REQUIRE(out);
    packet expected = p;
    if (!expected.attachments.empty()) expected.type = packet_type::binary_event;
    CHECK(*out == expected);
  }
}

TEST_CASE("sio: the decoder joins a binary packet with its attachments", "[sio][codec]") {
  decoder d;
  std::optional<packet> out;
  REQUIRE_FALSE(d.feed({false, R"(52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"}, out));
  CHECK_FALSE(out);
  CHECK(d.awaiting_attachments());
  REQUIRE_FALSE(d.feed({true, "abc"}, out));
  CHECK_FALSE(out);
  REQUIRE_FALSE(d.feed({true, "def"}, out));
  REQUIRE(out);
  CHECK_FALSE(d.awaiting_attachments());
  CHECK(out->attachments == std::vector<std::string>{"abc", "def"});

  // Zero attachments: complete at once, and the next text is a new packet.
  REQUIRE_FALSE(d.feed({false, R"(50-["x"])"}, out));
  REQUIRE(out);
  REQUIRE_FALSE(d.feed({false, R"(2["y"])"}, out));
  REQUIRE(out);
}

TEST_CASE("sio: numbers beyond a double become null, as JSON.stringify does", "[sio][codec]") {
  auto p = decode_ok(R"(2["e",2e333,[-1e999],{"a":1e400},1.5])");
  CHECK(p.data == json::parse(R"(["e",null,[null],{"a":null},1.5])"));
  packet out = make(packet_type::event, "/", {}, R"(["e"])");
  out.data->as_array().push_back(std::numeric_limits<double>::infinity());
  out.data->as_array().push_back(std::numeric_limits<double>::quiet_NaN());
  CHECK(header(out) == R"(2["e",null,null])");
}

TEST_CASE("sio: placeholder helpers", "[sio][codec]") {
  CHECK(placeholder_index(json::value(placeholder(3))) == 3u);
  CHECK_FALSE(placeholder_index(json::parse(R"({"_placeholder":false,"num":0})")));
  CHECK_FALSE(placeholder_index(json::parse(R"({"_placeholder":true,"num":-1})")));
  CHECK_FALSE(placeholder_index(json::parse(R"({"_placeholder":true,"num":"0"})")));
  CHECK_FALSE(placeholder_index(json::parse(R"([0])")));
  CHECK(event_payload("e", {1, 2}) == json::parse(R"(["e",1,2])").as_array());
}

TEST_CASE("sio: malformed packets are refused with a reason", "[sio][codec][malformed]") {
  CHECK(decode_err("") == errc::empty_packet);
  CHECK(decode_err("7") == errc::bad_packet_type);
  CHECK(decode_err("abc") == errc::bad_packet_type);           // the suite's "4abc"
  CHECK(decode_err("2{}") == errc::bad_payload);               // the suite's "42{}"
  CHECK(decode_err(R"(2abc["message-with-ack",1])") == errc::bad_json);  // "42abc[...]"
  CHECK(decode_err("2") == errc::bad_payload);                 // an event needs a name
  CHECK(decode_err("2[]") == errc::bad_payload);
  CHECK(decode_err("2[{}]") == errc::bad_payload);
  CHECK(decode_err("2[null]") == errc::bad_payload);
  CHECK(decode_err(R"(2["connect"])") == errc::bad_payload);   // reserved names
  CHECK(decode_err(R"(2["disconnect",1])") == errc::bad_payload);
  CHECK(decode_err(R"(2["removeListener"])") == errc::bad_payload);
  CHECK(decode_err("0[]") == errc::bad_payload);               // CONNECT: an object or nothing
  CHECK(decode_err(R"(0"x")") == errc::bad_payload);
  CHECK(decode_err("0null") == errc::bad_payload);
  CHECK(decode_err("1{}") == errc::bad_payload);               // DISCONNECT: nothing
  CHECK(decode_err("3{}") == errc::bad_payload);               // ACK: an array
  CHECK(decode_err("4") == errc::bad_payload);                 // CONNECT_ERROR: object or string
  CHECK(decode_err("4[]") == errc::bad_payload);
  CHECK(decode_err(R"(2["x")") == errc::bad_json);
  CHECK(decode_err(R"(2["x"] trailing)") == errc::bad_json);
  CHECK(decode_err("2[\"\xff\"]") == errc::bad_json);          // not UTF-8
  CHECK(decode_err("29007199254740992[\"x\"]") == errc::bad_ack_id);  // 2^53
  CHECK(decode_err("299999999999999999999999[\"x\"]") == errc::bad_ack_id);
  CHECK_FALSE(decode_err("29007199254740991[\"x\"]"));
  // attachments
  CHECK(decode_err(R"(5["x"])") == errc::bad_attachment_count);
  CHECK(decode_err(R"(5-["x"])") == errc::bad_attachment_count);
  CHECK(decode_err("51") == errc::bad_attachment_count);
  CHECK(decode_err(R"(5a-["x"])") == errc::bad_attachment_count);
  CHECK(decode_err(R"(517-["x"])") == errc::too_many_attachments);
  CHECK(decode_err(R"(599999999999999999999999999-["x"])") == errc::too_many_attachments);
  CHECK(decode_err(R"(51-["x",{"_placeholder":true,"num":1}])") == errc::bad_placeholder);
  CHECK(decode_err(R"(51-["x",{"_placeholder":true,"num":-1}])") == errc::bad_placeholder);
  CHECK(decode_err(R"(51-["x",{"_placeholder":true,"num":0.5}])") == errc::bad_placeholder);
  CHECK(decode_err(R"(51-["x",{"_placeholder":true}])") == errc::bad_placeholder);
  CHECK(decode_err(R"(51-["x",{"a":[{"_placeholder":true,"num":"0"}]}])") == errc::bad_placeholder);
  // Placeholders mean nothing outside BINARY packets: plain JSON there.
  CHECK_FALSE(decode_err(R"(2["x",{"_placeholder":true,"num":9}])"));
}

TEST_CASE("sio: JSON nesting is bounded", "[sio][codec][malformed]") {
  codec_limits limits;
  limits.max_json_depth = 8;
  CHECK_FALSE(decode_err(R"(2["x",[[[[[[1]]]]]]])", limits));
  CHECK(decode_err(R"(2["x",[[[[[[[[1]]]]]]]]])", limits) == errc::bad_json);
  CHECK(decode_err("2[\"x\"," + std::string(100'000, '[') + std::string(100'000, ']') + "]") == errc::bad_json);
}

TEST_CASE("sio: the decoder refuses messages out of order or too large", "[sio][codec][malformed]") {
  std::optional<packet> out;
  SECTION("binary without a pending packet") {
    decoder d;
    CHECK(d.feed({true, "x"}, out) == errc::unexpected_binary);
  }
  SECTION("text while attachments are due") {
    decoder d;
    REQUIRE_FALSE(d.feed({false, R"(51-["x",{"_placeholder":true,"num":0}])"}, out));
    CHECK(d.feed({false, R"(2["y"])"}, out) == errc::expected_binary);
    CHECK_FALSE(d.awaiting_attachments());
  }
  SECTION("attachments over the byte limit") {
    codec_limits limits;
    limits.max_attachment_bytes = 10;
    decoder d(limits);
    REQUIRE_FALSE(d.feed({false, R"(52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])"}, out));
    REQUIRE_FALSE(d.feed({true, std::string(6, 'a')}, out));
    CHECK(d.feed({true, std::string(5, 'b')}, out) == errc::attachments_too_large);
    CHECK_FALSE(out);
    CHECK_FALSE(d.awaiting_attachments());
  }
  SECTION("a malformed header") {
    decoder d;
    CHECK(d.feed({false, "2{}"}, out) == errc::bad_payload);
    CHECK_FALSE(out);
  }
}
