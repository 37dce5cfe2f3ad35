// Serving the embedded web UI files.
#include "hearth/web/static_files.hpp"

namespace hearth::web {

namespace {

// True when an Accept-Encoding header allows gzip (and does not say q=0).
bool accepts_gzip(std::string_view header) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find(',', pos);
    if (end == std::string_view::npos) end = header.size();
    std::string_view item = header.substr(pos, end - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const auto semi = item.find(';');
    std::string_view coding = item.substr(0, semi);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding == "gzip" || coding == "*") {
      const bool refused = semi != std::string_view::npos &&
                           (item.find("q=0", semi) != std::string_view::npos &&
                            item.find("q=0.", semi) == std::string_view::npos);
      if (!refused) return true;
    }
    pos = end + 1;
  }
  return false;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  std::size_t pos = 0;
  while (pos < if_none_match.size()) {
    std::size_t end = if_none_match.find(',', pos);
    if (end == std::string_view::npos) end = if_none_match.size();
    std::string_view tag = if_none_match.substr(pos, end - pos);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

http_response serve_static(const http_request& req, std::span<const embedded_file> files) {
  const std::string_view path = req.path == "/" ? std::string_view("/index.html") : std::string_view(req.path);
  const embedded_file* file = nullptr;
  for (const auto& f : files) {
    if (f.path == path) {
      file = &f;
      break;
    }
  }
  if (!file) return http_response::text(404, "not found\n");
  http_response r;
  r.set("ETag", std::string(file->etag));
  r.set("Cache-Control", "no-cache");
  r.set("Vary", "Accept-Encoding");
  if (etag_matches(req.header("if-none-match"), file->etag)) {
    r.status = 304;
    return r;
  }
  r.set("Content-Type", std::string(file->content_type));
  if (file->gzip && accepts_gzip(req.header("accept-encoding"))) {
    r.set("Content-Encoding", "gzip");
    r.body.assign(reinterpret_cast<const char*>(file->gzip), file->gzip_size);
  } else {
    r.body.assign(reinterpret_cast<const char*>(file->data), file->size);
  }
  return r;
}

void mount_static(router& r, std::span<const embedded_file> files) {
  r.add("GET", "/", [files](http_request&& req, responder respond) { respond(serve_static(req, files)); }, 0);
}

}  // namespace hearth::web
