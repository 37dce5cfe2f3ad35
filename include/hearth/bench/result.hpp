// One hearth-bench run's figures and their machine-readable form: a single
// JSON object on one line, which the bench script parses. Pure: the engine
// fills `run_result`, format_result_line() derives the rates, percentiles and
// CPU per message and serialises them; no clock or I/O in here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "hearth/bench/options.hpp"
#include "hearth/bench/stats.hpp"

namespace hearth::bench {

struct run_result {
  options opts;
  double measured_s = 0;           // actual length of the measurement window
  // Counted inside the measurement window.
  std::uint64_t sent = 0;          // PUBLISH packets built and queued by the publishers
  std::uint64_t delivered = 0;     // PUBLISH packets received by the subscribers
  latency_histogram latency_ns;    // of the deliveries in the window
  double bench_cpu_s = 0;          // this process, user + system
  std::optional<double> broker_cpu_s;
  // Counted over the whole run (warm-up, window and drain).
  std::uint64_t sent_total = 0;
  std::uint64_t expected_total = 0;  // sent_total x subscribers per publisher
  std::uint64_t received_total = 0;
  std::uint64_t lost = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t malformed = 0;       // payloads without a valid stamp
  std::uint64_t protocol_errors = 0; // unexpected acks, undecodable bytes
  std::uint64_t disconnects = 0;     // connections the broker closed or refused
  // Idle mode.
  std::uint32_t connected = 0;
  std::optional<std::uint64_t> broker_rss_before_kib;
  std::optional<std::uint64_t> broker_rss_after_kib;
  std::string error;                 // non-empty: the run failed (still reported)
};

// Per-second rate; 0 for an empty window.
double per_second(std::uint64_t count, double seconds) noexcept;
// Microseconds of CPU per message; nullopt when there was no message.
std::optional<double> cpu_us_per_message(double cpu_s, std::uint64_t messages) noexcept;
// (after - before) / connections, in KiB; nullopt without both readings.
std::optional<double> kib_per_connection(const run_result& r) noexcept;

// The JSON result line (no trailing newline).
std::string format_result_line(const run_result& r);
// A few human-readable lines for stderr.
std::string format_summary(const run_result& r);

}  // namespace hearth::bench
