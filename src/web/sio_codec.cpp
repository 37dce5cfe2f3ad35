#include "hearth/web/sio_codec.hpp"

#include <array>
#include <cmath>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace hearth::web::sio {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool is_binary(packet_type t) noexcept {
  return t == packet_type::binary_event || t == packet_type::binary_ack;
}

// Event names a client may not use: the reference client and server emit
// these themselves (socket.io-parser's RESERVED_EVENTS).
bool is_reserved_event(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 6> reserved = {
      "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"};
  for (auto r : reserved)
    if (name == r) return true;
  return false;
}

bool payload_valid(packet_type t, const std::optional<boost::json::value>& data) {
  switch (t) {
    case packet_type::connect:
      return !data || data->is_object();
    case packet_type::disconnect:
      return !data;
    case packet_type::connect_error:
      return data && (data->is_object() || data->is_string());
    case packet_type::event:
    case packet_type::binary_event: {
      if (!data || !data->is_array() || data->as_array().empty()) return false;
      const auto& name = data->as_array().front();
      if (name.is_string()) return !is_reserved_event(name.as_string());
      return name.is_number();
    }
    case packet_type::ack:
    case packet_type::binary_ack:
      return !data || data->is_array();
  }
  return false;
}

// Every placeholder must name an attachment of this packet; the reference
// parser finds out only after the attachments arrived ("illegal attachments").
// Recursion is bounded by the parser's max_depth.
bool placeholders_valid(const boost::json::value& v, std::size_t count) {
  if (v.is_object()) {
    const auto& o = v.as_object();
    if (auto it = o.find("_placeholder"); it != o.end() && it->value().is_bool() && it->value().get_bool()) {
      auto n = placeholder_index(v);
      return n && *n < count;
    }
    for (const auto& kv : o)
      if (!placeholders_valid(kv.value(), count)) return false;
  } else if (v.is_array()) {
    for (const auto& e : v.as_array())
      if (!placeholders_valid(e, count)) return false;
  }
  return true;
}

// Boost.JSON reads a number too large for a double as infinity and writes it
// back as `Infinity`, which is not JSON: a client would fail on the packet.
// Like JSON.stringify, the codec turns non-finite numbers into null, on the
// way in and on the way out. Returns whether `v` held any.
bool null_non_finite(boost::json::value& v) {
  bool found = false;
  if (v.is_double()) {
    if (!std::isfinite(v.get_double())) {
      v = nullptr;
      found = true;
    }
  } else if (v.is_array()) {
    for (auto& e : v.get_array()) found |= null_non_finite(e);
  } else if (v.is_object()) {
    for (auto& kv : v.get_object()) found |= null_non_finite(kv.value());
  }
  return found;
}

bool has_non_finite(const boost::json::value& v) {
  if (v.is_double()) return !std::isfinite(v.get_double());
  if (v.is_array()) {
    for (const auto& e : v.get_array())
      if (has_non_finite(e)) return true;
  } else if (v.is_object()) {
    for (const auto& kv : v.get_object())
      if (has_non_finite(kv.value())) return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(packet_type t) noexcept {
  switch (t) {
    case packet_type::connect: return "CONNECT";
    case packet_type::disconnect: return "DISCONNECT";
    case packet_type::event: return "EVENT";
    case packet_type::ack: return "ACK";
    case packet_type::connect_error: return "CONNECT_ERROR";
    case packet_type::binary_event: return "BINARY_EVENT";
    case packet_type::binary_ack: return "BINARY_ACK";
  }
  return "?";
}

boost::json::array event_payload(std::string_view name, boost::json::array values) {
  boost::json::array a;
  a.reserve(values.size() + 1);
  a.emplace_back(name);
  for (auto& v : values) a.push_back(std::move(v));
  return a;
}

boost::json::object placeholder(std::size_t n) {
  boost::json::object o;
  o["_placeholder"] = true;
  o["num"] = n;
  return o;
}

std::optional<std::size_t> placeholder_index(const boost::json::value& v) noexcept {
  const auto* o = v.if_object();
  if (!o) return std::nullopt;
  auto flag = o->find("_placeholder");
  auto num = o->find("num");
  if (flag == o->end() || num == o->end() || !flag->value().is_bool() || !flag->value().get_bool())
    return std::nullopt;
  const auto& n = num->value();
  if (n.is_int64() && n.get_int64() >= 0) return static_cast<std::size_t>(n.get_int64());
  if (n.is_uint64()) return static_cast<std::size_t>(n.get_uint64());
  return std::nullopt;
}

void encode_header(const packet& p, std::string& out) {
  packet_type t = p.type;
  if (!p.attachments.empty()) {
    if (t == packet_type::event) t = packet_type::binary_event;
    if (t == packet_type::ack) t = packet_type::binary_ack;
  }
  out += static_cast<char>('0' + static_cast<int>(t));
  if (is_binary(t)) {
    out += std::to_string(p.attachments.size());
    out += '-';
  }
  if (p.nsp != "/") {
    out += p.nsp;
    out += ',';
  }
  if (p.id) out += std::to_string(*p.id);
  if (!p.data) return;
  if (has_non_finite(*p.data)) {
    auto copy = *p.data;
    null_non_finite(copy);
    out += boost::json::serialize(copy);
  } else {
    out += boost::json::serialize(*p.data);
  }
}

std::vector<eio::message> encode(const packet& p) {
  std::vector<eio::message> ms;
  ms.reserve(1 + p.attachments.size());
  ms.push_back({false, {}});
  encode_header(p, ms.back().data);
  for (const auto& a : p.attachments) ms.push_back({true, a});
  return ms;
}

std::error_code decode_header(std::string_view s, const codec_limits& limits, packet& out,
                              std::size_t& attachment_count) {
  attachment_count = 0;
  if (s.empty()) return errc::empty_packet;
  if (s[0] < '0' || s[0] > '6') return errc::bad_packet_type;
  out.type = static_cast<packet_type>(s[0] - '0');
  std::size_t i = 1;

  if (is_binary(out.type)) {
    const std::size_t start = i;
    std::size_t n = 0;
    while (i < s.size() && is_digit(s[i])) {
      n = n * 10 + static_cast<std::size_t>(s[i] - '0');
      if (n > limits.max_attachments) return errc::too_many_attachments;
      ++i;
    }
    if (i == start || i == s.size() || s[i] != '-') return errc::bad_attachment_count;
    ++i;
    attachment_count = n;
  }

  out.nsp = "/";
  if (i < s.size() && s[i] == '/') {
    const auto comma = s.find(',', i);
    const auto end = comma == std::string_view::npos ? s.size() : comma;
    out.nsp.assign(s.substr(i, end - i));
    i = comma == std::string_view::npos ? s.size() : comma + 1;
  }

  out.id.reset();
  if (i < s.size() && is_digit(s[i])) {
    std::uint64_t id = 0;
    while (i < s.size() && is_digit(s[i])) {
      id = id * 10 + static_cast<std::uint64_t>(s[i] - '0');
      if (id > max_ack_id) return errc::bad_ack_id;
      ++i;
    }
    out.id = id;
  }

  out.data.reset();
  out.attachments.clear();
  if (i < s.size()) {
    boost::json::parse_options opts;
    opts.max_depth = limits.max_json_depth;
    boost::system::error_code ec;
    auto v = boost::json::parse(s.substr(i), ec, {}, opts);
    if (ec) return errc::bad_json;
    null_non_finite(v);
    out.data = std::move(v);
  }
  if (!payload_valid(out.type, out.data)) return errc::bad_payload;
  if (is_binary(out.type) && out.data && !placeholders_valid(*out.data, attachment_count))
    return errc::bad_placeholder;
  return {};
}

std::error_code decoder::feed(eio::message&& m, std::optional<packet>& out) {
  out.reset();
  if (m.binary) {
    if (!pending_) return errc::unexpected_binary;
    bytes_ += m.data.size();
    if (bytes_ > limits_.max_attachment_bytes) {
      pending_.reset();
      return errc::attachments_too_large;
    }
    pending_->attachments.push_back(std::move(m.data));
    if (pending_->attachments.size() == expected_) {
      out = std::move(pending_);
      pending_.reset();
    }
    return {};
  }
  if (pending_) {
    pending_.reset();
    return errc::expected_binary;
  }
  packet p;
  std::size_t count = 0;
  if (auto ec = decode_header(m.data, limits_, p, count)) return ec;
  if (count == 0) {
    out = std::move(p);
    return {};
  }
  p.attachments.reserve(count);
  pending_ = std::move(p);
  expected_ = count;
  bytes_ = 0;
  return {};
}

}  // namespace hearth::web::sio
