// History queries over readings.db for the REST API and the charts:
// (series, from, to, max points) -> raw rows, or per-bucket min/avg/max.
//
// Raw rows are returned when the range is still fully raw (no hourly row in
// it) and holds at most `max_points` rows. Otherwise the range is bucketed:
// a bucket is a whole number of hours, the smallest giving at most
// `max_points` buckets (one more where the range straddles bucket edges), and each bucket combines the hourly rows and the raw
// rows that fall in it (count-weighted). So a chart of a year and a chart of
// the last hour cost about the same to draw.
//
// query_history() only reads; to_csv() and to_json() are pure, for a REST
// handler to serve as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "hearth/store/sqlite.hpp"

namespace hearth::store {

struct history_query {
  std::string node;
  std::string kind;
  std::string sensor;
  std::int64_t from = 0;  // unix ms, inclusive
  std::int64_t to = 0;    // unix ms, exclusive
  std::size_t max_points = 1000;
};

struct history_point {
  std::int64_t ts = 0;  // the row's time, or the bucket's start
  double min = 0;
  double avg = 0;  // the value itself for a raw row
  double max = 0;
  std::int64_t count = 1;
};

struct history {
  history_query query;
  bool raw = true;
  std::int64_t bucket_ms = 0;  // 0 for raw rows
  std::vector<history_point> points;
};

// Throws sqlite_error on a database failure. An unknown series, an empty or
// inverted range give no points. max_points 0 is taken as 1.
history query_history(database& db, const history_query& q);

// "time,ts,value" for raw rows, "time,ts,min,avg,max,count" for buckets;
// time is ISO 8601 UTC with milliseconds. A header line first.
std::string to_csv(const history& h);

// {node, kind, sensor, from, to, raw, bucket_ms, points: [[ts, value]] or
// [[ts, min, avg, max, count]]}: arrays keep a year of points small.
boost::json::value to_json(const history& h);

// The series stored: [{node, kind, sensor, first, last}] (first/last unix ms
// of the raw or hourly rows; 0 when none).
struct series_info {
  std::string node, kind, sensor;
  std::int64_t first = 0, last = 0;
};
std::vector<series_info> list_series(database& db);

}  // namespace hearth::store
