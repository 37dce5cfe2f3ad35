#include "hearth/mqtt/codec.hpp"

#include "hearth/mqtt/topic.hpp"
#include "hearth/mqtt/utf8.hpp"

namespace hearth::mqtt {
namespace {

// A bounds-checked reader over one packet's body. Every read sets `failed`
// instead of reading past the end; callers check once per field group.
class reader {
public:
  explicit reader(std::string_view in) : in_(in) {}

  bool failed() const noexcept { return failed_; }
  std::size_t left() const noexcept { return in_.size() - pos_; }

  std::uint8_t u8() {
    if (left() < 1) return fail(), 0;
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint16_t u16() {
    if (left() < 2) return fail(), 0;
    auto hi = static_cast<std::uint8_t>(in_[pos_]);
    auto lo = static_cast<std::uint8_t>(in_[pos_ + 1]);
    pos_ += 2;
    return static_cast<std::uint16_t>(hi << 8 | lo);
  }
  // A length-prefixed field (section 1.5.3 strings and binary data).
  std::string_view prefixed() {
    std::size_t n = u16();
    if (failed_ || left() < n) return fail(), std::string_view{};
    auto s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view rest() {
    auto s = in_.substr(pos_);
    pos_ = in_.size();
    return s;
  }

private:
  void fail() noexcept { failed_ = true; }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

void put_u16(std::uint16_t v, std::string& out) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put_prefixed(std::string_view s, std::string& out) {
  put_u16(static_cast<std::uint16_t>(s.size()), out);
  out.append(s);
}

std::uint8_t required_flags(packet_type t) noexcept {
  switch (t) {
    case packet_type::pubrel:
    case packet_type::subscribe:
    case packet_type::unsubscribe:
      return 0x2;
    default:
      return 0x0;
  }
}

std::error_code decode_connect(std::uint8_t header_flags, reader& r, connect_packet& p) {
  p.protocol_name = std::string(r.prefixed());
  p.protocol_level = r.u8();
  if (r.failed()) return errc::truncated;
  const bool v311 = p.protocol_name == "MQTT";
  const bool v31 = p.protocol_name == "MQIsdp";
  if (!v311 && !v31) return errc::bad_protocol_name;
  // A known protocol name with an unsupported level is answered with CONNACK
  // return code 1 by the broker; what follows may be another version's
  // layout (MQTT 5 properties), so decoding stops here.
  if ((v311 && p.protocol_level != 4) || (v31 && p.protocol_level != 3)) return {};

  // MQTT 3.1 defines neither the fixed-header flags nor the reserved connect
  // flag; Mosquitto ignores both there, and so do we.
  if (v311 && header_flags != 0) return errc::bad_fixed_header_flags;
  const std::uint8_t flags = r.u8();
  p.keepalive = r.u16();
  if (r.failed()) return errc::truncated;
  const bool reserved = v311 && (flags & 0x01);
  p.clean_session = flags & 0x02;
  const bool will_flag = flags & 0x04;
  const std::uint8_t will_qos = (flags >> 3) & 0x03;
  const bool will_retain = flags & 0x20;
  const bool password_flag = flags & 0x40;
  const bool username_flag = flags & 0x80;
  if (reserved) return errc::bad_connect_flags;
  if (will_qos == 3) return errc::bad_qos;
  if (!will_flag && (will_qos != 0 || will_retain)) return errc::bad_connect_flags;
  if (password_flag && !username_flag) return errc::bad_connect_flags;

  auto id = r.prefixed();
  if (r.failed()) return errc::truncated;
  if (!is_valid_mqtt_utf8(id)) return errc::bad_utf8;
  p.client_id = std::string(id);

  if (will_flag) {
    auto topic = r.prefixed();
    auto payload = r.prefixed();
    if (r.failed()) return errc::truncated;
    if (!is_valid_mqtt_utf8(topic)) return errc::bad_utf8;
    if (!is_valid_topic_name(topic)) return errc::bad_topic_name;
    if (topic_levels(topic) > max_topic_levels) return errc::too_many_topic_levels;
    p.will = will_message{std::string(topic), std::string(payload), will_qos, will_retain};
  }
  if (username_flag) {
    auto user = r.prefixed();
    if (r.failed()) return errc::truncated;
    if (!is_valid_mqtt_utf8(user)) return errc::bad_utf8;
    p.username = std::string(user);
  }
  if (password_flag) {
    auto pass = r.prefixed();
    if (r.failed()) return errc::truncated;
    p.password = std::string(pass);
  }
  if (r.left() != 0) return errc::trailing_bytes;
  return {};
}

std::error_code decode_publish(std::uint8_t flags, reader& r, publish_packet& p) {
  p.dup = flags & 0x08;
  p.qos = (flags >> 1) & 0x03;
  p.retain = flags & 0x01;
  if (p.qos == 3) return errc::bad_qos;
  if (p.qos == 0 && p.dup) return errc::bad_fixed_header_flags;  // MQTT-3.3.1-2
  p.topic = r.prefixed();
  p.packet_id = p.qos > 0 ? r.u16() : 0;
  if (r.failed()) return errc::truncated;
  if (!is_valid_mqtt_utf8(p.topic)) return errc::bad_utf8;
  if (!is_valid_topic_name(p.topic)) return errc::bad_topic_name;
  if (topic_levels(p.topic) > max_topic_levels) return errc::too_many_topic_levels;
  if (p.qos > 0 && p.packet_id == 0) return errc::bad_packet_id;
  p.payload = r.rest();
  return {};
}

std::error_code decode_ack(packet_type t, reader& r, ack_packet& p) {
  p.type = t;
  p.packet_id = r.u16();
  if (r.failed()) return errc::truncated;
  if (r.left() != 0) return errc::trailing_bytes;
  if (p.packet_id == 0) return errc::bad_packet_id;
  return {};
}

std::error_code decode_subscribe(reader& r, subscribe_packet& p) {
  p.packet_id = r.u16();
  if (r.failed()) return errc::truncated;
  if (p.packet_id == 0) return errc::bad_packet_id;
  while (r.left() > 0) {
    auto filter = r.prefixed();
    std::uint8_t options = r.u8();
    if (r.failed()) return errc::truncated;
    if (!is_valid_mqtt_utf8(filter)) return errc::bad_utf8;
    if (filter.empty()) return errc::empty_topic_filter;  // MQTT-4.7.3-1
    if (topic_levels(filter) > max_topic_levels) return errc::too_many_topic_levels;
    if (options & 0xfc) return errc::bad_subscribe_options;
    if (options == 3) return errc::bad_qos;
    p.topics.push_back({std::string(filter), options});
  }
  if (p.topics.empty()) return errc::empty_subscription_list;
  return {};
}

std::error_code decode_unsubscribe(reader& r, unsubscribe_packet& p) {
  p.packet_id = r.u16();
  if (r.failed()) return errc::truncated;
  if (p.packet_id == 0) return errc::bad_packet_id;
  while (r.left() > 0) {
    auto filter = r.prefixed();
    if (r.failed()) return errc::truncated;
    if (!is_valid_mqtt_utf8(filter)) return errc::bad_utf8;
    if (filter.empty()) return errc::empty_topic_filter;  // MQTT-4.7.3-1
    if (topic_levels(filter) > max_topic_levels) return errc::too_many_topic_levels;
    p.filters.emplace_back(filter);
  }
  if (p.filters.empty()) return errc::empty_subscription_list;
  return {};
}

std::error_code decode_connack(reader& r, connack_packet& p) {
  std::uint8_t flags = r.u8();
  std::uint8_t code = r.u8();
  if (r.failed()) return errc::truncated;
  if (r.left() != 0) return errc::trailing_bytes;
  if (flags & 0xfe) return errc::bad_connect_flags;
  if (code > 5) return errc::bad_connect_flags;
  p.session_present = flags & 0x01;
  p.code = static_cast<connack_code>(code);
  return {};
}

std::error_code decode_suback(reader& r, suback_packet& p) {
  p.packet_id = r.u16();
  if (r.failed()) return errc::truncated;
  // It answers a SUBSCRIBE, whose id is never 0 (MQTT-2.3.1-1); the other
  // acknowledgements refuse 0 the same way.
  if (p.packet_id == 0) return errc::bad_packet_id;
  while (r.left() > 0) {
    std::uint8_t rc = r.u8();
    if (rc > 2 && rc != suback_failure) return errc::bad_qos;
    p.return_codes.push_back(rc);
  }
  if (p.return_codes.empty()) return errc::empty_subscription_list;
  return {};
}

}  // namespace

std::string_view to_string(packet_type t) noexcept {
  switch (t) {
    case packet_type::connect: return "CONNECT";
    case packet_type::connack: return "CONNACK";
    case packet_type::publish: return "PUBLISH";
    case packet_type::puback: return "PUBACK";
    case packet_type::pubrec: return "PUBREC";
    case packet_type::pubrel: return "PUBREL";
    case packet_type::pubcomp: return "PUBCOMP";
    case packet_type::subscribe: return "SUBSCRIBE";
    case packet_type::suback: return "SUBACK";
    case packet_type::unsubscribe: return "UNSUBSCRIBE";
    case packet_type::unsuback: return "UNSUBACK";
    case packet_type::pingreq: return "PINGREQ";
    case packet_type::pingresp: return "PINGRESP";
    case packet_type::disconnect: return "DISCONNECT";
  }
  return "?";
}

header_result decode_fixed_header(std::string_view in, std::size_t max_packet,
                                  std::uint8_t protocol_level) noexcept {
  header_result r;
  if (in.empty()) return r;
  const auto b0 = static_cast<std::uint8_t>(in[0]);
  const std::uint8_t type = b0 >> 4;
  const std::uint8_t flags = b0 & 0x0f;
  if (type == 0 || type == 15) {
    r.status = decode_status::error;
    r.error = errc::bad_packet_type;
    return r;
  }
  const auto t = static_cast<packet_type>(type);
  // CONNECT's flags are checked by decode_connect, once the protocol name
  // tells whether they are defined (MQTT 3.1 defines none). MQTT 3.1 also let
  // a client set DUP on PUBREL, SUBSCRIBE and UNSUBSCRIBE when re-sending them.
  const bool dup_tolerated =
      protocol_level == 3 && (t == packet_type::pubrel || t == packet_type::subscribe || t == packet_type::unsubscribe);
  const std::uint8_t checked = dup_tolerated ? static_cast<std::uint8_t>(flags & ~0x08) : flags;
  if (t != packet_type::publish && t != packet_type::connect && checked != required_flags(t)) {
    r.status = decode_status::error;
    r.error = errc::bad_fixed_header_flags;
    return r;
  }
  std::size_t length = 0;
  std::size_t multiplier = 1;
  for (std::size_t i = 1;; ++i) {
    if (i > 4) {
      r.status = decode_status::error;
      r.error = errc::bad_remaining_length;
      return r;
    }
    if (i >= in.size()) return r;  // need_more
    const auto b = static_cast<std::uint8_t>(in[i]);
    length += (b & 0x7f) * multiplier;
    multiplier *= 128;
    if ((b & 0x80) == 0) {
      // A last length byte of 0 after a continuation byte is a longer
      // encoding of a smaller value; errors.hpp documents these as malformed,
      // and refusing them keeps decode/encode a byte-exact round trip.
      if (b == 0 && i > 1) {
        r.status = decode_status::error;
        r.error = errc::bad_remaining_length;
        return r;
      }
      r.header = {t, flags, length, i + 1};
      break;
    }
  }
  if (length > max_packet) {
    r.status = decode_status::error;
    r.error = errc::packet_too_large;
    return r;
  }
  r.status = decode_status::ok;
  return r;
}

std::error_code decode_packet(const fixed_header& h, std::string_view body, packet& out) {
  reader r(body);
  switch (h.type) {
    case packet_type::connect: {
      auto& p = out.emplace<connect_packet>();
      return decode_connect(h.flags, r, p);
    }
    case packet_type::connack: {
      auto& p = out.emplace<connack_packet>();
      return decode_connack(r, p);
    }
    case packet_type::publish: {
      auto& p = out.emplace<publish_packet>();
      return decode_publish(h.flags, r, p);
    }
    case packet_type::puback:
    case packet_type::pubrec:
    case packet_type::pubrel:
    case packet_type::pubcomp:
    case packet_type::unsuback: {
      auto& p = out.emplace<ack_packet>();
      return decode_ack(h.type, r, p);
    }
    case packet_type::subscribe: {
      auto& p = out.emplace<subscribe_packet>();
      return decode_subscribe(r, p);
    }
    case packet_type::suback: {
      auto& p = out.emplace<suback_packet>();
      return decode_suback(r, p);
    }
    case packet_type::unsubscribe: {
      auto& p = out.emplace<unsubscribe_packet>();
      return decode_unsubscribe(r, p);
    }
    case packet_type::pingreq:
    case packet_type::pingresp:
    case packet_type::disconnect:
      out.emplace<empty_packet>(empty_packet{h.type});
      if (!body.empty()) return errc::trailing_bytes;
      return {};
  }
  return errc::bad_packet_type;
}

decode_result decode(std::string_view in, std::size_t max_packet, packet& out) {
  decode_result res;
  auto h = decode_fixed_header(in, max_packet);
  if (h.status != decode_status::ok) {
    res.status = h.status;
    res.error = h.error;
    return res;
  }
  if (in.size() < h.header.total_length()) return res;  // need_more
  res.consumed = h.header.total_length();
  res.error = decode_packet(h.header, in.substr(h.header.header_length, h.header.remaining_length), out);
  res.status = res.error ? decode_status::error : decode_status::ok;
  return res;
}

void encode_remaining_length(std::size_t n, std::string& out) {
  do {
    auto b = static_cast<std::uint8_t>(n % 128);
    n /= 128;
    if (n > 0) b |= 0x80;
    out.push_back(static_cast<char>(b));
  } while (n > 0);
}

void encode(const connect_packet& p, std::string& out) {
  std::size_t len = 2 + p.protocol_name.size() + 1 + 1 + 2 + 2 + p.client_id.size();
  if (p.will) len += 2 + p.will->topic.size() + 2 + p.will->payload.size();
  if (p.username) len += 2 + p.username->size();
  if (p.password) len += 2 + p.password->size();
  out.push_back(static_cast<char>(0x10));
  encode_remaining_length(len, out);
  put_prefixed(p.protocol_name, out);
  out.push_back(static_cast<char>(p.protocol_level));
  std::uint8_t flags = 0;
  if (p.clean_session) flags |= 0x02;
  if (p.will) {
    flags |= 0x04;
    flags |= static_cast<std::uint8_t>((p.will->qos & 0x03) << 3);
    if (p.will->retain) flags |= 0x20;
  }
  if (p.password) flags |= 0x40;
  if (p.username) flags |= 0x80;
  out.push_back(static_cast<char>(flags));
  put_u16(p.keepalive, out);
  put_prefixed(p.client_id, out);
  if (p.will) {
    put_prefixed(p.will->topic, out);
    put_prefixed(p.will->payload, out);
  }
  if (p.username) put_prefixed(*p.username, out);
  if (p.password) put_prefixed(*p.password, out);
}

void encode(const connack_packet& p, std::string& out) {
  out.push_back(static_cast<char>(0x20));
  out.push_back(2);
  out.push_back(p.session_present ? 1 : 0);
  out.push_back(static_cast<char>(p.code));
}

void encode_publish_header(bool dup, std::uint8_t qos, bool retain, std::string_view topic,
                           std::uint16_t packet_id, std::size_t payload_size, std::string& out) {
  std::uint8_t b0 = 0x30;
  if (dup) b0 |= 0x08;
  b0 |= static_cast<std::uint8_t>((qos & 0x03) << 1);
  if (retain) b0 |= 0x01;
  out.push_back(static_cast<char>(b0));
  encode_remaining_length(2 + topic.size() + (qos > 0 ? 2 : 0) + payload_size, out);
  put_prefixed(topic, out);
  if (qos > 0) put_u16(packet_id, out);
}

void encode(const publish_packet& p, std::string& out) {
  encode_publish_header(p.dup, p.qos, p.retain, p.topic, p.packet_id, p.payload.size(), out);
  out.append(p.payload);
}

void encode(const ack_packet& p, std::string& out) {
  auto b0 = static_cast<std::uint8_t>(static_cast<std::uint8_t>(p.type) << 4);
  b0 |= required_flags(p.type);
  out.push_back(static_cast<char>(b0));
  out.push_back(2);
  put_u16(p.packet_id, out);
}

void encode(const subscribe_packet& p, std::string& out) {
  std::size_t len = 2;
  for (auto& t : p.topics) len += 2 + t.filter.size() + 1;
  out.push_back(static_cast<char>(0x82));
  encode_remaining_length(len, out);
  put_u16(p.packet_id, out);
  for (auto& t : p.topics) {
    put_prefixed(t.filter, out);
    out.push_back(static_cast<char>(t.qos));
  }
}

void encode(const suback_packet& p, std::string& out) {
  out.push_back(static_cast<char>(0x90));
  encode_remaining_length(2 + p.return_codes.size(), out);
  put_u16(p.packet_id, out);
  for (auto rc : p.return_codes) out.push_back(static_cast<char>(rc));
}

void encode(const unsubscribe_packet& p, std::string& out) {
  std::size_t len = 2;
  for (auto& f : p.filters) len += 2 + f.size();
  out.push_back(static_cast<char>(0xa2));
  encode_remaining_length(len, out);
  put_u16(p.packet_id, out);
  for (auto& f : p.filters) put_prefixed(f, out);
}

void encode(const empty_packet& p, std::string& out) {
  out.push_back(static_cast<char>(static_cast<std::uint8_t>(p.type) << 4));
  out.push_back(0);
}

void encode(const packet& p, std::string& out) {
  std::visit([&](const auto& v) { encode(v, out); }, p);
}

}  // namespace hearth::mqtt
