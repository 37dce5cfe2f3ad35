// A sans-I/O harness for broker tests: a fake link that records everything the
// broker sends (decoded back with the codec, so the bytes are checked too),
// packets fed to the broker through encode -> decode as a transport would, raw
// bytes fed through the codec at the connection's protocol level, and fake
// time for tick().
//
// A link the broker closes is reported back with on_close() only when the
// test calls settle(), as a real transport would post it to the io_context.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "catch_support.hpp"
#include "hearth/core/log.hpp"
#include "hearth/mqtt/broker.hpp"
#include "hearth/mqtt/codec.hpp"

namespace hearth::test {

// A PUBLISH as a client receives it, with owned strings.
struct received_publish {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;
};

class fake_link final : public mqtt::link {
 public:
  explicit fake_link(std::string peer) : peer_(std::move(peer)) {}

  // --- mqtt::link ---------------------------------------------------------------
  void send(std::string_view bytes) override {
    REQUIRE_FALSE(closed);  // the broker never writes to a link it closed
    wire_.emplace_back(bytes);
  }
  bool send_publish(const mqtt::message_ptr& m, std::uint8_t qos, bool retain, bool dup,
                    std::uint16_t packet_id) override {
    REQUIRE_FALSE(closed);
    REQUIRE(m);
    if (qos == 0 && refuse_qos0) return false;
    std::string frame;
    mqtt::encode_publish_header(dup, qos, retain, m->topic, packet_id, m->payload.size(), frame);
    frame += m->payload;
    wire_.push_back(std::move(frame));
    shared.push_back(m);
    return true;
  }
  void on_connected(std::uint16_t keepalive_seconds) override { keepalive = keepalive_seconds; }
  void close(std::error_code why) override {
    REQUIRE_FALSE(closed);  // close() exactly once
    closed = why;
  }
  std::string_view peer() const override { return peer_; }
  // Backpressure: the broker pauses a link at most once before resuming it,
  // never resumes one it did not pause, and leaves a closed link alone.
  void pause_reading() override {
    REQUIRE_FALSE(closed);
    REQUIRE(pauses == resumes);
    ++pauses;
  }
  void resume_reading() override {
    REQUIRE_FALSE(closed);
    REQUIRE(pauses == resumes + 1);
    ++resumes;
  }

  // --- what the test inspects -----------------------------------------------------
  // Every packet sent since the last take(), decoded, in order.
  std::vector<mqtt::packet> take() {
    std::vector<mqtt::packet> out;
    for (; taken_ < wire_.size(); ++taken_) {
      const std::string& bytes = wire_[taken_];
      mqtt::packet p;
      auto r = mqtt::decode(bytes, mqtt::max_remaining_length, p);
      INFO("broker sent " << hex(bytes));
      REQUIRE(r.status == mqtt::decode_status::ok);
      REQUIRE(r.consumed == bytes.size());
      out.push_back(std::move(p));  // a PUBLISH refers into wire_, which never moves
    }
    return out;
  }

  // The raw frames sent since the last take() or take_bytes(), not decoded:
  // for what the codec does not decode, such as the MQTT 5 CONNACK.
  std::vector<std::string> take_bytes() {
    std::vector<std::string> out(wire_.begin() + static_cast<std::ptrdiff_t>(taken_), wire_.end());
    taken_ = wire_.size();
    return out;
  }

  std::optional<std::error_code> closed;   // set by close()
  std::optional<std::uint16_t> keepalive;  // set by on_connected()
  bool refuse_qos0 = false;                // act as a write queue past its soft limit
  std::vector<mqtt::message_ptr> shared;   // messages handed to send_publish
  int pauses = 0;                          // pause_reading() calls
  int resumes = 0;                         // resume_reading() calls
  bool paused() const { return pauses > resumes; }

 private:
  std::string peer_;
  std::deque<std::string> wire_;  // a deque: decoded packets keep pointing into it
  std::size_t taken_ = 0;
};

struct connect_options {
  bool clean = true;
  std::uint16_t keepalive = 30;
  std::optional<mqtt::will_message> will;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string protocol_name = "MQTT";
  std::uint8_t level = 4;
};

// One client connection as a test drives it.
struct conn {
  std::unique_ptr<fake_link> link;
  mqtt::client* client = nullptr;
  bool reported = false;  // on_close() done; `client` is gone
};

class harness {
 public:
  explicit harness(mqtt::broker_config cfg = {})
      : log(core::log_level::debug, &log_text), broker(std::move(cfg), log) {}

  // A new connection, before any packet.
  conn& open(std::string peer = {}) {
    auto& c = conns_.emplace_back();
    c.link = std::make_unique<fake_link>(peer.empty() ? "test:" + std::to_string(conns_.size()) : peer);
    c.client = broker.on_open(*c.link);
    REQUIRE(c.client);
    return c;
  }

  // Feeds one packet the way a transport does: encoded, decoded, dispatched.
  void send(conn& c, const mqtt::packet& p) {
    REQUIRE_FALSE(c.reported);
    const std::string wire = encoded(p);
    mqtt::packet decoded;
    auto r = mqtt::decode(wire, mqtt::max_remaining_length, decoded);
    REQUIRE(r.status == mqtt::decode_status::ok);
    broker.on_packet(*c.client, decoded);
  }

  // Feeds bytes holding whole packets the way the transport contract has it:
  // decoded at the connection's protocol level (3 once an MQTT 3.1 CONNECT is
  // accepted), a codec error reported with on_protocol_error() and the rest
  // of the bytes dropped.
  void feed(conn& c, std::string_view wire) {
    REQUIRE_FALSE(c.reported);
    while (!wire.empty() && !c.link->closed) {
      const auto h = mqtt::decode_fixed_header(wire, mqtt::max_remaining_length, c.client->protocol_level);
      if (h.status == mqtt::decode_status::error) return broker.on_protocol_error(*c.client, h.error);
      REQUIRE(h.status == mqtt::decode_status::ok);
      REQUIRE(wire.size() >= h.header.total_length());
      mqtt::packet p;
      const auto ec = mqtt::decode_packet(h.header, wire.substr(h.header.header_length, h.header.remaining_length), p);
      if (ec) return broker.on_protocol_error(*c.client, ec);
      broker.on_packet(*c.client, p);
      wire.remove_prefix(h.header.total_length());
    }
  }

  // Opens a connection and sends CONNECT; returns the connection, CONNACK not yet taken.
  conn& connect_raw(std::string client_id, const connect_options& o = {}) {
    auto& c = open();
    mqtt::connect_packet p;
    p.protocol_name = o.protocol_name;
    p.protocol_level = o.level;
    p.clean_session = o.clean;
    p.keepalive = o.keepalive;
    p.client_id = std::move(client_id);
    p.will = o.will;
    p.username = o.username;
    p.password = o.password;
    send(c, p);
    return c;
  }

  // Connects and expects CONNACK 0 with the given session-present flag.
  conn& connect(std::string client_id, const connect_options& o = {}, bool session_present = false) {
    auto& c = connect_raw(std::move(client_id), o);
    auto out = c.link->take();
    REQUIRE(out.size() >= 1);
    const auto* ack = std::get_if<mqtt::connack_packet>(&out.front());
    REQUIRE(ack);
    CHECK(ack->code == mqtt::connack_code::accepted);
    CHECK(ack->session_present == session_present);
    REQUIRE_FALSE(c.link->closed);
    pending_[&c] =
        std::vector<mqtt::packet>(std::make_move_iterator(out.begin() + 1), std::make_move_iterator(out.end()));
    return c;
  }

  // Everything sent to `c` since the last call (including what followed its CONNACK).
  std::vector<mqtt::packet> take(conn& c) {
    auto out = std::move(pending_[&c]);
    pending_.erase(&c);
    auto more = c.link->take();
    out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    return out;
  }

  // The PUBLISH packets among take(c); other packets must not be there.
  std::vector<received_publish> publishes(conn& c) {
    std::vector<received_publish> out;
    for (auto& p : take(c)) {
      INFO("unexpected " << describe(p));
      const auto* pub = std::get_if<mqtt::publish_packet>(&p);
      REQUIRE(pub);
      out.push_back(
          {std::string(pub->topic), std::string(pub->payload), pub->qos, pub->retain, pub->dup, pub->packet_id});
    }
    return out;
  }

  void subscribe(conn& c, std::vector<mqtt::subscription_request> topics, std::uint16_t id = 1) {
    send(c, mqtt::subscribe_packet{id, std::move(topics)});
  }

  void publish(conn& c, std::string_view topic, std::string_view payload, std::uint8_t qos = 0, bool retain = false,
               std::uint16_t id = 0, bool dup = false) {
    if (qos > 0 && id == 0) id = next_id_++;
    send(c, mqtt::publish_packet{dup, qos, retain, topic, id, payload});
  }

  // Publishes and, at QoS 2, releases the message with PUBREL right away:
  // inbound QoS 2 is routed on PUBREL (method A), so this is a publication
  // that reaches the subscribers now. The acknowledgements (PUBACK, or PUBREC
  // and PUBCOMP) stay among c's packets. Returns the packet id used.
  std::uint16_t publish_released(conn& c, std::string_view topic, std::string_view payload, std::uint8_t qos,
                                 bool retain = false) {
    const std::uint16_t id = qos > 0 ? next_id_++ : 0;
    publish(c, topic, payload, qos, retain, id);
    if (qos == 2) ack(c, mqtt::packet_type::pubrel, id);
    return id;
  }

  void ack(conn& c, mqtt::packet_type type, std::uint16_t id) { send(c, mqtt::ack_packet{type, id}); }

  // The transport reports the end of a connection the broker did not close
  // (peer gone, keepalive, ...).
  void drop(conn& c, std::error_code why = std::make_error_code(std::errc::connection_reset)) {
    REQUIRE_FALSE(c.reported);
    c.reported = true;
    broker.on_close(*c.client, why);
    c.client = nullptr;
  }

  // Reports on_close() for every link the broker has closed, as the transport
  // would once it flushed.
  void settle() {
    for (auto& c : conns_)
      if (!c.reported && c.link->closed) {
        c.reported = true;
        broker.on_close(*c.client, *c.link->closed);
        c.client = nullptr;
      }
  }

  std::string log_text;
  core::logger log;
  mqtt::broker broker;

 private:
  std::deque<conn> conns_;  // a deque: references handed out stay valid
  std::map<conn*, std::vector<mqtt::packet>> pending_;
  std::uint16_t next_id_ = 1;
};

// The single packet of `v`, which must be a T.
template <class T>
T only(const std::vector<mqtt::packet>& v) {
  INFO("packets: " << v.size() << (v.empty() ? "" : ", first " + describe(v.front())));
  REQUIRE(v.size() == 1);
  const T* p = std::get_if<T>(&v.front());
  REQUIRE(p);
  return *p;
}

// Time for tick(): a fixed origin far from the epoch, plus seconds.
inline mqtt::clock::time_point at(int seconds) {
  return mqtt::clock::time_point{} + std::chrono::hours(1000) + std::chrono::seconds(seconds);
}

}  // namespace hearth::test
