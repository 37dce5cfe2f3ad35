#include "hearth/store/history.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "hearth/store/retention.hpp"

namespace hearth::store {

namespace {

std::int64_t count_of(database& db, const char* sql, std::int64_t id, std::int64_t from, std::int64_t to) {
  statement s(db, sql);
  s.bind(1, id).bind(2, from).bind(3, to);
  s.step();
  return s.column_int(0);
}

std::string iso_time(std::int64_t ms) {
  std::int64_t secs = ms / 1000;
  std::int64_t rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(rem));
  return buf;
}

// Shortest text that reads back as the same double.
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  for (int precision = 6; precision < 17; ++precision) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, v);
    if (std::strtod(shorter, nullptr) == v) return shorter;
  }
  return buf;
}

}  // namespace

history query_history(database& db, const history_query& q) {
  history h;
  h.query = q;
  const std::size_t max_points = std::max<std::size_t>(q.max_points, 1);
  if (q.to <= q.from) return h;
  statement find(db, "SELECT id FROM series WHERE node = ? AND kind = ? AND sensor = ?");
  find.bind(1, std::string_view(q.node)).bind(2, std::string_view(q.kind)).bind(3, std::string_view(q.sensor));
  if (!find.step()) return h;
  const std::int64_t id = find.column_int(0);

  // An hourly row covers [hour, hour + 1h): it overlaps the range when its
  // hour is after from - 1h.
  const std::int64_t hour_from = q.from - (q.from % ms_per_hour);
  const std::int64_t raw_rows = count_of(
      db, "SELECT count(*) FROM reading WHERE series = ?1 AND ts >= ?2 AND ts < ?3", id, q.from, q.to);
  const std::int64_t hourly_rows = count_of(
      db, "SELECT count(*) FROM hourly WHERE series = ?1 AND hour >= ?2 AND hour < ?3", id, hour_from, q.to);

  if (hourly_rows == 0 && static_cast<std::size_t>(raw_rows) <= max_points) {
    statement s(db, "SELECT ts, value FROM reading WHERE series = ?1 AND ts >= ?2 AND ts < ?3 ORDER BY ts");
    s.bind(1, id).bind(2, q.from).bind(3, q.to);
    while (s.step()) {
      const double v = s.column_double(1);
      h.points.push_back({s.column_int(0), v, v, v, 1});
    }
    return h;
  }

  h.raw = false;
  const std::int64_t range = q.to - hour_from;
  const std::int64_t per_bucket = (range + static_cast<std::int64_t>(max_points) - 1) /
                                  static_cast<std::int64_t>(max_points);
  h.bucket_ms = std::max<std::int64_t>(1, (per_bucket + ms_per_hour - 1) / ms_per_hour) * ms_per_hour;
  statement s(db, R"sql(
    SELECT b, min(mn), sum(av * n) / sum(n), max(mx), sum(n) FROM (
      SELECT hour - (hour % ?4) AS b, min AS mn, avg AS av, max AS mx, n
        FROM hourly WHERE series = ?1 AND hour >= ?5 AND hour < ?3
      UNION ALL
      SELECT ts - (ts % ?4), min(value), avg(value), max(value), count(*)
        FROM reading WHERE series = ?1 AND ts >= ?2 AND ts < ?3 GROUP BY 1)
    GROUP BY b ORDER BY b)sql");
  s.bind(1, id).bind(2, q.from).bind(3, q.to).bind(4, h.bucket_ms).bind(5, hour_from);
  while (s.step())
    h.points.push_back({s.column_int(0), s.column_double(1), s.column_double(2), s.column_double(3), s.column_int(4)});
  return h;
}

std::string to_csv(const history& h) {
  std::string out = h.raw ? "time,ts,value\n" : "time,ts,min,avg,max,count\n";
  for (const history_point& p : h.points) {
    out += iso_time(p.ts) + ',' + std::to_string(p.ts) + ',';
    if (h.raw) {
      out += number(p.avg);
    } else {
      out += number(p.min) + ',' + number(p.avg) + ',' + number(p.max) + ',' + std::to_string(p.count);
    }
    out += '\n';
  }
  return out;
}

boost::json::value to_json(const history& h) {
  boost::json::array points;
  points.reserve(h.points.size());
  for (const history_point& p : h.points) {
    if (h.raw)
      points.push_back(boost::json::array{p.ts, p.avg});
    else
      points.push_back(boost::json::array{p.ts, p.min, p.avg, p.max, p.count});
  }
  return boost::json::object{{"node", h.query.node},     {"kind", h.query.kind}, {"sensor", h.query.sensor},
                             {"from", h.query.from},     {"to", h.query.to},     {"raw", h.raw},
                             {"bucket_ms", h.bucket_ms}, {"points", std::move(points)}};
}

std::vector<series_info> list_series(database& db) {
  std::vector<series_info> out;
  statement s(db, R"sql(
    SELECT node, kind, sensor,
      coalesce(min((SELECT min(hour) FROM hourly WHERE series = s.id),
                   (SELECT min(ts) FROM reading WHERE series = s.id)),
               (SELECT min(hour) FROM hourly WHERE series = s.id),
               (SELECT min(ts) FROM reading WHERE series = s.id), 0),
      coalesce((SELECT max(ts) FROM reading WHERE series = s.id),
               (SELECT max(hour) FROM hourly WHERE series = s.id), 0)
    FROM series s ORDER BY node, kind, sensor)sql");
  while (s.step()) out.push_back({s.column_text(0), s.column_text(1), s.column_text(2), s.column_int(3), s.column_int(4)});
  return out;
}

}  // namespace hearth::store
