#include "hearth/bench/ws_client.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace hearth::bench::ws {

namespace {

constexpr std::string_view guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string base64(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether a comma-separated header value holds `token` (Connection: keep-alive, Upgrade).
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const auto comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string make_key(std::uint64_t seed) {
  unsigned char bytes[16];
  // splitmix64: a key only has to differ between connections, not be secret.
  for (int half = 0; half < 2; ++half) {
    seed += 0x9e3779b97f4a7c15ull;
    std::uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    for (int i = 0; i < 8; ++i) bytes[half * 8 + i] = static_cast<unsigned char>(z >> (8 * i));
  }
  return base64(bytes, sizeof bytes);
}

std::string accept_for(std::string_view key) {
  std::string text(key);
  text += guid;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha1(), nullptr);
  return base64(md, len);
}

void append_upgrade_request(std::string_view host, std::string_view target, std::string_view key, std::string& out) {
  out.append("GET ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  out.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ");
  out.append(key).append("\r\n\r\n");
}

upgrade_result parse_upgrade_response(std::string_view in, std::string_view key, std::size_t max_head) {
  upgrade_result r;
  const auto end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (in.size() > max_head) r.error = "HTTP response head over " + std::to_string(max_head) + " bytes";
    return r;
  }
  std::string_view head = in.substr(0, end + 2);
  const auto eol = head.find("\r\n");
  const std::string_view status = head.substr(0, eol);
  if (!status.starts_with("HTTP/1.1 101")) {
    r.error = "the server did not switch to WebSocket: " + std::string(status);
    return r;
  }
  bool upgrade = false, connection = false, accepted = false;
  const std::string want = accept_for(key);
  head.remove_prefix(eol + 2);
  while (!head.empty()) {
    const auto e = head.find("\r\n");
    const std::string_view line = head.substr(0, e);
    head.remove_prefix(e + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon), value = trim(line.substr(colon + 1));
    if (iequals(name, "upgrade")) upgrade = iequals(value, "websocket");
    else if (iequals(name, "connection")) connection = has_token(value, "upgrade");
    else if (iequals(name, "sec-websocket-accept")) accepted = value == want;
  }
  if (!upgrade || !connection) r.error = "the 101 answer lacks Upgrade: websocket or Connection: upgrade";
  else if (!accepted) r.error = "wrong or missing Sec-WebSocket-Accept";
  else r.consumed = end + 4;
  return r;
}

void append_frame(opcode op, std::string_view payload, std::uint32_t mask, std::string& out) {
  out.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(op)));
  const std::size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xff));
  }
  const char key[4] = {static_cast<char>(mask >> 24), static_cast<char>(mask >> 16), static_cast<char>(mask >> 8),
                       static_cast<char>(mask)};
  out.append(key, 4);
  const std::size_t at = out.size();
  out.append(payload);
  for (std::size_t i = 0; i < n; ++i) out[at + i] = static_cast<char>(out[at + i] ^ key[i & 3]);
}

decode_result decode_frame(std::string_view in, std::size_t max_payload, frame& out) {
  decode_result r;
  if (in.size() < 2) return r;
  const auto b0 = static_cast<std::uint8_t>(in[0]), b1 = static_cast<std::uint8_t>(in[1]);
  auto fail = [&](const char* why) {
    r.status = decode_status::error;
    r.error = why;
    return r;
  };
  if (b0 & 0x70) return fail("reserved bits set (no extension was negotiated)");
  const std::uint8_t op = b0 & 0x0f;
  if ((op > 2 && op < 8) || op > 10) return fail("reserved opcode");
  if (b1 & 0x80) return fail("masked frame from the server");
  const bool fin = (b0 & 0x80) != 0;
  std::uint64_t len = b1 & 0x7f;
  std::size_t off = 2;
  if (len == 126) {
    if (in.size() < 4) return r;
    len = (std::uint64_t{static_cast<std::uint8_t>(in[2])} << 8) | static_cast<std::uint8_t>(in[3]);
    if (len < 126) return fail("length not in its shortest form");
    off = 4;
  } else if (len == 127) {
    if (in.size() < 10) return r;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<std::uint8_t>(in[2 + i]);
    if (len >> 63) return fail("64-bit length with the top bit set");
    if (len <= 0xffff) return fail("length not in its shortest form");
    off = 10;
  }
  if (op >= 8 && (!fin || len > 125)) return fail("fragmented or oversized control frame");
  if (len > max_payload) return fail("frame over the payload limit");
  if (in.size() - off < len) return r;
  out.op = static_cast<opcode>(op);
  out.fin = fin;
  out.payload = in.substr(off, static_cast<std::size_t>(len));
  r.status = decode_status::ok;
  r.consumed = off + static_cast<std::size_t>(len);
  return r;
}

}  // namespace hearth::bench::ws
