// Helpers shared by the codec tests and the codec fuzz target: building byte
// vectors, decoding one buffer, comparing decoded packets field by field, and
// describing a packet for failure messages.
//
// Packets have no operator== (packet.hpp is plain data for the broker), so
// equality lives here, next to the only code that needs it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include "hearth/mqtt/codec.hpp"
#include "hearth/mqtt/packet.hpp"

namespace hearth::test {

// Bytes as written in the tests: a list of small ints and character literals.
inline std::string bytes(std::initializer_list<int> list) {
  std::string out;
  out.reserve(list.size());
  for (int b : list) out.push_back(static_cast<char>(static_cast<std::uint8_t>(b)));
  return out;
}

inline std::string hex(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (char ch : s) {
    auto b = static_cast<std::uint8_t>(ch);
    if (!out.empty()) out.push_back(' ');
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

inline bool same(const mqtt::will_message& a, const mqtt::will_message& b) {
  return a.topic == b.topic && a.payload == b.payload && a.qos == b.qos && a.retain == b.retain;
}

inline bool same(const mqtt::connect_packet& a, const mqtt::connect_packet& b) {
  if (a.will.has_value() != b.will.has_value()) return false;
  if (a.will && !same(*a.will, *b.will)) return false;
  return a.protocol_name == b.protocol_name && a.protocol_level == b.protocol_level &&
         a.clean_session == b.clean_session && a.keepalive == b.keepalive && a.client_id == b.client_id &&
         a.username == b.username && a.password == b.password;
}
inline bool same(const mqtt::connack_packet& a, const mqtt::connack_packet& b) {
  return a.session_present == b.session_present && a.code == b.code;
}
inline bool same(const mqtt::publish_packet& a, const mqtt::publish_packet& b) {
  return a.dup == b.dup && a.qos == b.qos && a.retain == b.retain && a.topic == b.topic && a.packet_id == b.packet_id &&
         a.payload == b.payload;
}
inline bool same(const mqtt::ack_packet& a, const mqtt::ack_packet& b) {
  return a.type == b.type && a.packet_id == b.packet_id;
}
inline bool same(const mqtt::subscribe_packet& a, const mqtt::subscribe_packet& b) {
  if (a.packet_id != b.packet_id || a.topics.size() != b.topics.size()) return false;
  for (std::size_t i = 0; i < a.topics.size(); ++i)
    if (a.topics[i].filter != b.topics[i].filter || a.topics[i].qos != b.topics[i].qos) return false;
  return true;
}
inline bool same(const mqtt::suback_packet& a, const mqtt::suback_packet& b) {
  return a.packet_id == b.packet_id && a.return_codes == b.return_codes;
}
inline bool same(const mqtt::unsubscribe_packet& a, const mqtt::unsubscribe_packet& b) {
  return a.packet_id == b.packet_id && a.filters == b.filters;
}
inline bool same(const mqtt::empty_packet& a, const mqtt::empty_packet& b) {
  return a.type == b.type;
}

inline bool same(const mqtt::packet& a, const mqtt::packet& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        return same(x, std::get<T>(b));
      },
      a);
}

// One line per packet, for INFO() and failure messages.
inline std::string describe(const mqtt::packet& p) {
  using namespace mqtt;
  auto quoted = [](std::string_view s) { return "\"" + hex(s) + "\""; };
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, connect_packet>) {
          std::string s = "CONNECT " + v.protocol_name + "/" + std::to_string(v.protocol_level) +
                          " clean=" + std::to_string(v.clean_session) + " ka=" + std::to_string(v.keepalive) +
                          " id=" + v.client_id;
          if (v.will) s += " will=" + v.will->topic + " q" + std::to_string(v.will->qos) + (v.will->retain ? " r" : "");
          if (v.username) s += " user=" + *v.username;
          if (v.password) s += " pass=" + quoted(*v.password);
          return s;
        } else if constexpr (std::is_same_v<T, connack_packet>) {
          return "CONNACK sp=" + std::to_string(v.session_present) + " rc=" + std::to_string(static_cast<int>(v.code));
        } else if constexpr (std::is_same_v<T, publish_packet>) {
          return "PUBLISH " + std::string(v.topic) + " q" + std::to_string(v.qos) + (v.dup ? " dup" : "") +
                 (v.retain ? " retain" : "") + " id=" + std::to_string(v.packet_id) + " payload=" + quoted(v.payload);
        } else if constexpr (std::is_same_v<T, ack_packet>) {
          return std::string(to_string(v.type)) + " id=" + std::to_string(v.packet_id);
        } else if constexpr (std::is_same_v<T, subscribe_packet>) {
          std::string s = "SUBSCRIBE id=" + std::to_string(v.packet_id);
          for (auto& t : v.topics) s += " " + t.filter + ":" + std::to_string(t.qos);
          return s;
        } else if constexpr (std::is_same_v<T, suback_packet>) {
          std::string s = "SUBACK id=" + std::to_string(v.packet_id);
          for (auto rc : v.return_codes) s += " " + std::to_string(rc);
          return s;
        } else if constexpr (std::is_same_v<T, unsubscribe_packet>) {
          std::string s = "UNSUBSCRIBE id=" + std::to_string(v.packet_id);
          for (auto& f : v.filters) s += " " + f;
          return s;
        } else {
          return std::string(to_string(v.type));
        }
      },
      p);
}

// The result of decoding a whole buffer as one packet. A decoded PUBLISH
// refers into the buffer, so the caller keeps it alive.
struct decoded {
  mqtt::decode_result result;
  mqtt::packet packet;
  bool ok() const noexcept { return result.status == mqtt::decode_status::ok; }
  bool need_more() const noexcept { return result.status == mqtt::decode_status::need_more; }
};

inline decoded decode_one(std::string_view in, std::size_t max_packet = 1 << 20) {
  decoded d;
  d.result = mqtt::decode(in, max_packet, d.packet);
  return d;
}

inline std::string encoded(const mqtt::packet& p) {
  std::string out;
  mqtt::encode(p, out);
  return out;
}

}  // namespace hearth::test
