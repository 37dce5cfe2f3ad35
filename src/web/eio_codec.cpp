// Engine.IO v4 packet and payload codec.
#include "hearth/web/eio_codec.hpp"

#include <array>

namespace hearth::web::eio {

namespace {

constexpr char record_separator = '\x1e';
constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_reverse() {
  std::array<std::int8_t, 256> r{};
  for (auto& v : r) v = -1;
  for (std::size_t i = 0; i < alphabet.size(); ++i) r[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  return r;
}
constexpr auto reverse = make_reverse();

bool valid_type(char c) noexcept { return c >= '0' && c <= '6'; }

}  // namespace

std::optional<packet> decode_text_packet(std::string_view text) {
  if (text.empty() || !valid_type(text.front())) return std::nullopt;
  packet p;
  p.type = static_cast<packet_type>(text.front());
  p.data.assign(text.substr(1));
  return p;
}

void encode_text_packet(std::string& out, const packet& p) {
  out.push_back(static_cast<char>(p.type));
  out.append(p.data);
}

payload_error decode_payload(std::string_view body, std::vector<packet>& out, std::size_t max_packets) {
  if (body.empty()) return payload_error::empty_packet;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = body.find(record_separator, start);
    const std::string_view item = body.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (item.empty()) return payload_error::empty_packet;
    if (out.size() >= max_packets) return payload_error::too_many;
    if (item.front() == 'b') {
      auto bytes = base64_decode(item.substr(1));
      if (!bytes) return payload_error::bad_base64;
      out.push_back(packet{packet_type::message, true, std::move(*bytes)});
    } else {
      auto p = decode_text_packet(item);
      if (!p) return payload_error::bad_type;
      out.push_back(std::move(*p));
    }
    if (end == std::string_view::npos) return payload_error::none;
    start = end + 1;
  }
}

void append_to_payload(std::string& out, const packet& p) {
  if (!out.empty()) out.push_back(record_separator);
  if (p.binary) {
    out.push_back('b');
    out.append(base64_encode(p.data));
  } else {
    encode_text_packet(out, p);
  }
}

std::size_t payload_size(bool binary, std::size_t data_size) noexcept {
  return 2 + (binary ? (data_size + 2) / 3 * 4 : data_size);  // separator, type or 'b', data
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out.push_back(alphabet[v >> 18 & 63]);
    out.push_back(alphabet[v >> 12 & 63]);
    out.push_back(alphabet[v >> 6 & 63]);
    out.push_back(alphabet[v & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = at(i) << 16;
    out.push_back(alphabet[v >> 18 & 63]);
    out.push_back(alphabet[v >> 12 & 63]);
    out.append("==");
  } else if (rest == 2) {
    const std::uint32_t v = at(i) << 16 | at(i + 1) << 8;
    out.push_back(alphabet[v >> 18 & 63]);
    out.push_back(alphabet[v >> 12 & 63]);
    out.push_back(alphabet[v >> 6 & 63]);
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::int32_t v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad) return std::nullopt;  // data after padding
      v[k] = reverse[static_cast<unsigned char>(c)];
      if (v[k] < 0) return std::nullopt;
    }
    const std::uint32_t n = static_cast<std::uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    out.push_back(static_cast<char>(n >> 16 & 0xff));
    if (pad < 2) out.push_back(static_cast<char>(n >> 8 & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

const char* to_string(payload_error e) noexcept {
  switch (e) {
    case payload_error::none: return "none";
    case payload_error::empty_packet: return "empty packet";
    case payload_error::bad_type: return "unknown packet type";
    case payload_error::bad_base64: return "invalid base64";
    case payload_error::too_many: return "too many packets";
  }
  return "?";
}

}  // namespace hearth::web::eio
