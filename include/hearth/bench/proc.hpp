// What hearth-bench reads about the processes it measures: the broker's
// resident memory (/proc/PID/status VmRSS) and CPU time (/proc/PID/stat
// utime + stime, all threads), and its own CPU time (getrusage).
// The parsers are pure so they are tested on captured text; the readers
// return nullopt when the process or the field is gone.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hearth::bench {

// "VmRSS:\t  1234 kB" line of /proc/PID/status -> 1234.
std::optional<std::uint64_t> parse_vm_rss_kib(std::string_view status_text) noexcept;

// utime + stime (fields 14 and 15) of /proc/PID/stat, in clock ticks. The
// command name (field 2) may contain spaces and parentheses: fields are
// counted after its last ')'.
std::optional<std::uint64_t> parse_stat_cpu_ticks(std::string_view stat_text) noexcept;

std::optional<std::uint64_t> read_rss_kib(int pid);
std::optional<double> read_cpu_seconds(int pid);

// This process's user + system CPU time, in seconds.
double own_cpu_seconds() noexcept;

// CLOCK_MONOTONIC in nanoseconds: the clock of every stamp.
std::uint64_t monotonic_ns() noexcept;

}  // namespace hearth::bench
