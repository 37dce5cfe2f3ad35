// The client direction of the MQTT codec: what a client refuses from a
// server, and what the checked encoders refuse to write.
#include <catch2/catch.hpp>

#include "codec_support.hpp"
#include "hearth/mqtt/client_codec.hpp"

using namespace hearth::mqtt;
using hearth::test::bytes;

TEST_CASE("client codec: CONNACK, SUBACK, PUBACK, PINGRESP and PUBLISH decode", "[agent][codec]") {
  packet p;
  auto r = decode_from_server(bytes({0x20, 2, 1, 0}), 1024, p);
  REQUIRE(r.status == decode_status::ok);
  CHECK(r.consumed == 4);
  CHECK(std::get<connack_packet>(p).session_present);
  r = decode_from_server(bytes({0x90, 3, 0, 7, 1}), 1024, p);
  REQUIRE(r.status == decode_status::ok);
  CHECK(std::get<suback_packet>(p).return_codes == std::vector<std::uint8_t>{1});
  r = decode_from_server(bytes({0x40, 2, 0x12, 0x34}), 1024, p);
  REQUIRE(r.status == decode_status::ok);
  CHECK(std::get<ack_packet>(p).packet_id == 0x1234);
  r = decode_from_server(bytes({0xd0, 0}), 1024, p);
  REQUIRE(r.status == decode_status::ok);
  const std::string publish = bytes({0x32, 8, 0, 3, 'a', '/', 'b', 0, 9, 'x'});  // p refers into it
  r = decode_from_server(publish, 1024, p);
  REQUIRE(r.status == decode_status::ok);
  CHECK(std::get<publish_packet>(p).payload == "x");
  CHECK(decode_from_server(bytes({0x20, 2, 0}), 1024, p).status == decode_status::need_more);
}

TEST_CASE("client codec: packets only a client sends are refused from a server", "[agent][codec][malformed]") {
  packet p;
  for (const auto& b : {bytes({0x10, 0}), bytes({0x82, 6, 0, 1, 0, 1, 'a', 0}), bytes({0xa2, 5, 0, 1, 0, 1, 'a'}),
                        bytes({0xc0, 0}), bytes({0xe0, 0})}) {
    INFO(hearth::test::hex(b));
    auto r = decode_from_server(b, 1024, p);
    CHECK(r.status == decode_status::error);
    CHECK(r.error == client_errc::server_sent_client_packet);
    CHECK(r.consumed == 0);
  }
}

TEST_CASE("client codec: malformed server packets are errors", "[agent][codec][malformed]") {
  packet p;
  CHECK(decode_from_server(bytes({0x20, 2, 2, 0}), 1024, p).error == errc::bad_connect_flags);  // reserved ack flag
  CHECK(decode_from_server(bytes({0x20, 2, 0, 6}), 1024, p).error == errc::bad_connect_flags);  // return code 6
  CHECK(decode_from_server(bytes({0x20, 3, 0, 0, 0}), 1024, p).error == errc::trailing_bytes);
  CHECK(decode_from_server(bytes({0x90, 3, 0, 0, 1}), 1024, p).error == errc::bad_packet_id);
  CHECK(decode_from_server(bytes({0x90, 3, 0, 1, 3}), 1024, p).error == errc::bad_qos);
  CHECK(decode_from_server(bytes({0x40, 1, 0}), 1024, p).error == errc::truncated);
  CHECK(decode_from_server(bytes({0x30, 5, 0, 3, 'a', '/', '#'}), 1024, p).error == errc::bad_topic_name);
  CHECK(decode_from_server(bytes({0xd0, 1, 0}), 1024, p).error == errc::trailing_bytes);
  CHECK(decode_from_server(bytes({0x30, 0x80, 0x80, 0x80, 0x80, 1}), 1u << 30, p).error == errc::bad_remaining_length);
  CHECK(decode_from_server(bytes({0x30, 0xff, 0x7f}), 100, p).error == errc::packet_too_large);
  CHECK(decode_from_server(bytes({0x00, 0}), 100, p).error == errc::bad_packet_type);
}

TEST_CASE("client codec: CONNECT with a retained will round-trips", "[agent][codec]") {
  connect_packet c;
  c.protocol_name = "MQTT";
  c.client_id = "hearth-agent-kitchen";
  c.keepalive = 30;
  c.clean_session = false;
  c.will = will_message{"home/kitchen/status", "offline", 1, true};
  c.username = "kitchen";
  c.password = std::string("s\0cret", 6);
  std::string out;
  REQUIRE_FALSE(encode_connect(c, out));
  packet p;
  auto r = decode(out, 1024, p);
  REQUIRE(r.status == decode_status::ok);
  const auto& d = std::get<connect_packet>(p);
  CHECK(hearth::test::same(*d.will, *c.will));
  CHECK(d.password == c.password);
  CHECK_FALSE(d.clean_session);
}

TEST_CASE("client codec: checked encoders refuse what would not fit the wire", "[agent][codec][malformed]") {
  std::string out;
  connect_packet c;
  c.protocol_name = "MQTT";
  c.client_id = std::string(70000, 'a');
  CHECK(encode_connect(c, out) == client_errc::field_too_long);
  c.client_id = "\xff";
  CHECK(encode_connect(c, out) == client_errc::bad_client_id);
  c.client_id = "ok";
  c.will = will_message{"home/+/status", "offline", 1, true};
  CHECK(encode_connect(c, out) == client_errc::bad_will_topic);
  c.will = will_message{"", "offline", 1, true};
  CHECK(encode_connect(c, out) == client_errc::bad_will_topic);
  c.will = will_message{"a", "offline", 3, true};
  CHECK(encode_connect(c, out) == client_errc::bad_qos);
  CHECK(out.empty());

  publish_packet pub;
  pub.topic = "home/#";
  CHECK(encode_client_publish(pub, out) == client_errc::bad_topic);
  pub.topic = "home/a";
  pub.qos = 1;
  CHECK(encode_client_publish(pub, out) == errc::bad_packet_id);
  pub.qos = 3;
  pub.packet_id = 1;
  CHECK(encode_client_publish(pub, out) == client_errc::bad_qos);
  CHECK(out.empty());

  subscribe_packet sub;
  sub.packet_id = 1;
  CHECK(encode_client_subscribe(sub, out) == errc::empty_subscription_list);
  sub.topics = {{"home/a#", 1}};
  CHECK(encode_client_subscribe(sub, out) == client_errc::bad_filter);
  sub.topics = {{"home/+/relay/+/set", 1}};
  sub.packet_id = 0;
  CHECK(encode_client_subscribe(sub, out) == errc::bad_packet_id);
  CHECK(out.empty());
  sub.packet_id = 5;
  REQUIRE_FALSE(encode_client_subscribe(sub, out));
  CHECK(out == bytes({0x82, 23, 0, 5, 0, 18, 'h', 'o', 'm', 'e', '/', '+', '/', 'r', 'e', 'l', 'a', 'y', '/', '+', '/',
                      's', 'e', 't', 1}));
}

TEST_CASE("client codec: acknowledgements and one-byte packets", "[agent][codec]") {
  std::string out;
  encode_puback(0x0102, out);
  encode_pubrec(3, out);
  encode_pubcomp(4, out);
  encode_pingreq(out);
  encode_disconnect(out);
  CHECK(out == bytes({0x40, 2, 1, 2, 0x50, 2, 0, 3, 0x70, 2, 0, 4, 0xc0, 0, 0xe0, 0}));
  CHECK(make_error_code(client_errc::server_sent_client_packet).message().find("server") != std::string::npos);
}
