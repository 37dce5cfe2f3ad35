// /api/history(.csv), /api/command, /api/audit and /api/backup.
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json/array.hpp>

#include "hearth/app/routes.hpp"
#include "hearth/store/backup.hpp"
#include "hearth/store/history.hpp"
#include "hearth/web/api.hpp"

namespace hearth::web {

namespace json = boost::json;

namespace {

constexpr std::size_t max_points = 10000;

std::optional<std::int64_t> number_param(const http_request& req, const std::string& name) {
  auto it = req.query.find(name);
  if (it == req.query.end()) return std::nullopt;
  std::int64_t v = 0;
  const auto& s = it->second;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string text_param(const http_request& req, const std::string& name) {
  auto it = req.query.find(name);
  return it == req.query.end() ? std::string() : it->second;
}

}  // namespace

http_response api::history(const http_request& req, bool csv) {
  store::history_query q;
  q.node = text_param(req, "node");
  q.kind = text_param(req, "kind");
  q.sensor = text_param(req, "sensor");
  if (q.node.empty() || q.kind.empty() || q.sensor.empty()) return json_error(400, "node, kind and sensor are required");
  const auto from = number_param(req, "from");
  const auto to = number_param(req, "to");
  if (!from || !to) return json_error(400, "from and to must be unix milliseconds");
  if (*from >= *to) return json_error(400, "from must be before to");
  q.from = *from;
  q.to = *to;
  if (req.query.contains("points")) {
    const auto p = number_param(req, "points");
    if (!p || *p < 1) return json_error(400, "points must be a positive number");
    q.max_points = static_cast<std::size_t>(std::min<std::int64_t>(*p, max_points));
  }
  house_.flush_readings();
  const auto h = store::query_history(house_.db(), q);
  if (csv) {
    auto r = http_response::text(200, store::to_csv(h), "text/csv; charset=utf-8");
    r.set("Content-Disposition", "attachment; filename=\"" + q.node + "-" + q.kind + "-" + q.sensor + ".csv\"");
    r.set("Cache-Control", "no-store");
    return r;
  }
  json::array rows;
  rows.reserve(h.points.size());
  for (const auto& p : h.points) {
    if (h.raw) rows.push_back(json::array{p.ts, p.avg});
    else rows.push_back(json::array{p.ts, p.min, p.avg, p.max});
  }
  return json_response(200, json::object{{"resolution", h.raw ? "raw" : "hour"},
                                         {"bucket_ms", h.bucket_ms},
                                         {"unit", home::unit_of(q.kind)},
                                         {"rows", std::move(rows)}});
}

void api::command(const principal& p, const http_request& req, reply_fn reply) {
  http_response error;
  auto body = parse_object(req.body, error);
  if (!body) return reply(std::move(error));
  home::command_request c;
  c.user = p.user;
  auto str = [&](std::string_view k) {
    const auto* v = body->if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  };
  c.node = str("node");
  c.relay = str("relay");
  c.state = str("state");
  house_.command(c, [reply = std::move(reply)](command_reply r) {
    if (r.ok) return reply(json_response(200, json::object{{"ok", true}}));
    reply(json_response(200, json::object{{"ok", false}, {"error", r.error}}));
  });
}

http_response api::audit(const http_request& req) {
  store::audit_query q;
  if (req.query.contains("limit")) {
    const auto n = number_param(req, "limit");
    if (!n || *n < 1) return json_error(400, "limit must be a positive number");
    q.limit = static_cast<std::size_t>(std::min<std::int64_t>(*n, 1000));
  }
  json::array out;
  for (const auto& e : house_.audit().query(q)) {
    std::string detail = e.node + "/" + e.relay + " " + e.state;
    if (!e.detail.empty()) detail += " (" + e.detail + ")";
    // The UI marks anything but "ok" as a failure; a confirmed command is ok.
    const std::string outcome = e.outcome == "confirmed" ? "ok" : e.outcome;
    out.push_back(json::object{
        {"ts", e.ts}, {"user", e.user}, {"action", "command"}, {"detail", detail}, {"outcome", outcome}});
  }
  return json_response(200, out);
}

http_response api::backup() {
  house_.flush_readings();
  const auto dir = opts_.backup_dir.empty() ? std::filesystem::temp_directory_path()
                                            : std::filesystem::path(opts_.backup_dir);
  const auto file = dir / ("backup-" + random_hex(8) + ".db");
  store::backup_to(house_.db(), file.string());
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    bytes = s.str();
  }
  std::error_code ignored;
  std::filesystem::remove(file, ignored);
  if (bytes.empty()) return json_error(500, "the backup could not be read back");
  auto r = http_response::text(200, std::move(bytes), "application/octet-stream");
  r.set("Content-Disposition", "attachment; filename=\"hearth-readings.db\"");
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace hearth::web
