// The agent's MQTT payloads (DESIGN.md topic contract), pure.
//
// A reading is one JSON object per kind: {"<sensor-id>": value, ..., "ts":
// unix-ms}. Every reading carries "ts", the time it was taken (DESIGN.md
// allows it on any reading; buffered ones need it), so a reading sent from
// the outbox after an outage, or re-sent with DUP, keeps its original time.
// A sensor that is unavailable is null, never its last value. Numbers are
// written in plain decimal with at most three decimals ("21.5", not "2.15E1").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hearth::agent {

using sensor_values = std::vector<std::pair<std::string, std::optional<double>>>;

std::string format_number(double v);
std::string reading_payload(const sensor_values& values, std::int64_t ts_ms);

// {"kind":"gas","sensor":"gas","active":true,"value":1,"ts":...}
std::string alarm_payload(const std::string& kind, const std::string& sensor, bool active, double value,
                          std::int64_t ts_ms);

}  // namespace hearth::agent
