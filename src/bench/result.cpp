#include "hearth/bench/result.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

namespace hearth::bench {

namespace {

// A flat JSON object written by hand: Boost.JSON would print 274467.0 as
// 2.74467E5, valid but unpleasant to read in a terminal. Strings go through
// Boost.JSON for escaping.
class json_line {
public:
  json_line() { out_ = "{"; }
  json_line& add(std::string_view key, std::string_view v) {
    return raw(key, boost::json::serialize(boost::json::string(v)));
  }
  json_line& add(std::string_view key, bool v) { return raw(key, v ? "true" : "false"); }
  json_line& add(std::string_view key, std::uint64_t v) { return raw(key, std::to_string(v)); }
  json_line& add(std::string_view key, double v, int decimals) {
    if (!std::isfinite(v)) return raw(key, "null");
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return raw(key, buf);
  }
  json_line& add(std::string_view key, const std::optional<double>& v, int decimals) {
    return v ? add(key, *v, decimals) : raw(key, "null");
  }
  json_line& add(std::string_view key, const std::optional<std::uint64_t>& v) {
    return v ? add(key, *v) : raw(key, "null");
  }
  std::string str() const { return out_ + "}"; }

private:
  json_line& raw(std::string_view key, std::string_view value) {
    if (out_.size() > 1) out_ += ',';
    out_ += '"';
    out_ += key;
    out_ += "\":";
    out_ += value;
    return *this;
  }
  std::string out_;
};

double us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

std::string opt_text(const std::optional<double>& v, const char* fmt) {
  if (!v) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, *v);
  return buf;
}

}  // namespace

double per_second(std::uint64_t count, double seconds) noexcept {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

std::optional<double> cpu_us_per_message(double cpu_s, std::uint64_t messages) noexcept {
  if (messages == 0) return std::nullopt;
  return cpu_s * 1e6 / static_cast<double>(messages);
}

std::optional<double> kib_per_connection(const run_result& r) noexcept {
  if (!r.broker_rss_before_kib || !r.broker_rss_after_kib || r.connected == 0) return std::nullopt;
  return (static_cast<double>(*r.broker_rss_after_kib) - static_cast<double>(*r.broker_rss_before_kib)) /
         static_cast<double>(r.connected);
}

std::string format_result_line(const run_result& r) {
  const options& o = r.opts;
  json_line j;
  j.add("mode", to_string(o.run_mode)).add("label", o.label).add("ok", r.error.empty());
  if (!r.error.empty()) j.add("error", r.error);
  j.add("host", o.host).add("port", std::uint64_t{o.port});
  j.add("broker_pid", o.broker_pid ? std::optional<std::uint64_t>(o.broker_pid) : std::nullopt);
  if (o.run_mode == mode::idle) {
    j.add("connections", std::uint64_t{o.connections})
        .add("connected", std::uint64_t{r.connected})
        .add("disconnects", r.disconnects)
        .add("held_s", r.measured_s, 3)
        .add("broker_rss_before_kib", r.broker_rss_before_kib)
        .add("broker_rss_after_kib", r.broker_rss_after_kib)
        .add("kib_per_connection", kib_per_connection(r), 3);
    return j.str();
  }
  if (o.run_mode == mode::e2e) j.add("web_port", std::uint64_t{o.web_port}).add("node", o.node).add("sensor", o.sensor);
  j.add("qos", std::uint64_t{o.qos})
      .add("payload", std::uint64_t{o.payload})
      .add("publishers", std::uint64_t{o.publishers})
      .add("subscribers", std::uint64_t{o.subscribers})
      .add("rate", o.rate, 1)
      .add("inflight", std::uint64_t{o.inflight})
      .add("warmup_s", o.warmup, 3)
      .add("duration_s", r.measured_s, 3)
      .add("sent", r.sent)
      .add("delivered", r.delivered)
      .add("sent_per_s", per_second(r.sent, r.measured_s), 0)
      .add("delivered_per_s", per_second(r.delivered, r.measured_s), 0)
      .add("sent_total", r.sent_total)
      .add("expected_total", r.expected_total)
      .add("received_total", r.received_total)
      .add("lost", r.lost)
      .add("lost_pct",
           r.expected_total ? 100.0 * static_cast<double>(r.lost) / static_cast<double>(r.expected_total) : 0.0, 3)
      .add("duplicated", r.duplicated)
      .add("out_of_order", r.out_of_order)
      .add("malformed", r.malformed)
      .add("protocol_errors", r.protocol_errors)
      .add("disconnects", r.disconnects)
      .add("latency_count", r.latency_ns.count())
      .add("latency_p50_us", us(r.latency_ns.percentile(0.50)), 1)
      .add("latency_p99_us", us(r.latency_ns.percentile(0.99)), 1)
      .add("latency_p999_us", us(r.latency_ns.percentile(0.999)), 1)
      .add("latency_max_us", us(r.latency_ns.max()), 1)
      .add("bench_cpu_s", r.bench_cpu_s, 3)
      .add("bench_cpu_us_per_msg", cpu_us_per_message(r.bench_cpu_s, r.delivered), 3)
      .add("broker_cpu_s", r.broker_cpu_s, 3)
      .add("broker_cpu_us_per_msg",
           r.broker_cpu_s ? cpu_us_per_message(*r.broker_cpu_s, r.delivered) : std::nullopt, 3);
  return j.str();
}

std::string format_summary(const run_result& r) {
  char buf[768];
  const options& o = r.opts;
  if (!r.error.empty()) {
    std::snprintf(buf, sizeof buf, "hearth-bench %s: FAILED: %s\n", std::string(to_string(o.run_mode)).c_str(),
                  r.error.c_str());
    return buf;
  }
  if (o.run_mode == mode::idle) {
    auto k = kib_per_connection(r);
    auto kib = [](const std::optional<std::uint64_t>& v) {
      return v ? opt_text(static_cast<double>(*v), "%.0f") : std::string("?");
    };
    std::snprintf(buf, sizeof buf,
                  "hearth-bench idle: %u/%u connections held %.1f s; broker RSS %s -> %s KiB; %s KiB/conn\n",
                  r.connected, o.connections, r.measured_s, kib(r.broker_rss_before_kib).c_str(),
                  kib(r.broker_rss_after_kib).c_str(), opt_text(k, "%.3f").c_str());
    return buf;
  }
  auto broker_us = r.broker_cpu_s ? cpu_us_per_message(*r.broker_cpu_s, r.delivered) : std::nullopt;
  std::snprintf(buf, sizeof buf,
                "hearth-bench %s qos %u, %u -> %u, %zu B: sent %.0f/s delivered %.0f/s over %.2f s\n"
                "  lost %llu of %llu, dup %llu, out of order %llu, disconnects %llu\n"
                "  latency us p50 %.1f p99 %.1f p99.9 %.1f max %.1f (%llu samples)\n"
                "  cpu: bench %.2f s (%.2f us/msg), broker %s s (%s us/msg)\n",
                std::string(to_string(o.run_mode)).c_str(), o.qos, o.publishers, o.subscribers, o.payload,
                per_second(r.sent, r.measured_s), per_second(r.delivered, r.measured_s), r.measured_s,
                static_cast<unsigned long long>(r.lost), static_cast<unsigned long long>(r.expected_total),
                static_cast<unsigned long long>(r.duplicated), static_cast<unsigned long long>(r.out_of_order),
                static_cast<unsigned long long>(r.disconnects), us(r.latency_ns.percentile(0.5)),
                us(r.latency_ns.percentile(0.99)), us(r.latency_ns.percentile(0.999)), us(r.latency_ns.max()),
                static_cast<unsigned long long>(r.latency_ns.count()), r.bench_cpu_s,
                cpu_us_per_message(r.bench_cpu_s, r.delivered).value_or(0.0),
                opt_text(r.broker_cpu_s, "%.2f").c_str(), opt_text(broker_us, "%.2f").c_str());
  return buf;
}

}  // namespace hearth::bench
