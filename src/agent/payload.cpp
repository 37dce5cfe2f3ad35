#include "hearth/agent/payload.hpp"

#include <cmath>
#include <cstdio>

namespace hearth::agent {

std::string format_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  std::string s(buf);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string reading_payload(const sensor_values& values, std::int64_t ts_ms) {
  // Ids are validated at start-up ([A-Za-z0-9_.-]+): nothing to escape.
  std::string out = "{";
  for (const auto& [id, v] : values) {
    out += '"' + id + "\":" + (v ? format_number(*v) : "null") + ",";
  }
  out += "\"ts\":" + std::to_string(ts_ms) + "}";
  return out;
}

std::string alarm_payload(const std::string& kind, const std::string& sensor, bool active, double value,
                          std::int64_t ts_ms) {
  return "{\"kind\":\"" + kind + "\",\"sensor\":\"" + sensor + "\",\"active\":" + (active ? "true" : "false") +
         ",\"value\":" + format_number(value) + ",\"ts\":" + std::to_string(ts_ms) + "}";
}

}  // namespace hearth::agent
