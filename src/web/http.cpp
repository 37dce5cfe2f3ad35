// Plain HTTP values, the router and target parsing.
#include "hearth/web/http.hpp"

#include <algorithm>

namespace hearth::web {

std::string http_request::header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

http_response& http_response::set(std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (n == name) {
      v = std::move(value);
      return *this;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

http_response http_response::text(unsigned status, std::string body, std::string content_type) {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  r.set("Content-Type", std::move(content_type));
  return r;
}

void router::add(std::string method, std::string prefix, http_handler h, std::size_t max_body) {
  routes_.push_back(route{std::move(method), std::move(prefix), std::move(h), max_body});
}

void router::add_websocket(std::string prefix, ws_route r) { ws_routes_.emplace_back(std::move(prefix), std::move(r)); }

const router::route* router::match(std::string_view method, std::string_view path, bool* path_matched) const {
  const route* best = nullptr;
  std::size_t best_len = 0;
  bool any = false;
  for (const auto& r : routes_) {
    if (!path.starts_with(r.prefix)) continue;
    any = true;
    if (!r.method.empty() && r.method != method) continue;
    if (!best || r.prefix.size() > best_len) {
      best = &r;
      best_len = r.prefix.size();
    }
  }
  if (path_matched) *path_matched = any;
  return best;
}

const ws_route* router::match_websocket(std::string_view path) const {
  const ws_route* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& [prefix, r] : ws_routes_) {
    if (path.starts_with(prefix) && (!best || prefix.size() > best_len)) {
      best = &r;
      best_len = prefix.size();
    }
  }
  return best;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      const int hi = hex(s[i + 1]);
      const int lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

void parse_target(std::string_view target, std::string& path, std::map<std::string, std::string>& query) {
  const auto q = target.find('?');
  path = percent_decode(target.substr(0, q), false);
  query.clear();
  if (q == std::string_view::npos) return;
  std::string_view rest = target.substr(q + 1);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view item = rest.substr(0, amp);
    if (!item.empty()) {
      const auto eq = item.find('=');
      std::string key = percent_decode(item.substr(0, eq), true);
      std::string value = eq == std::string_view::npos ? std::string() : percent_decode(item.substr(eq + 1), true);
      query[std::move(key)] = std::move(value);
    }
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
}

}  // namespace hearth::web
