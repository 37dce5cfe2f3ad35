// The web UI's files, compiled into hearthd (cmake/embed_assets.cmake turns
// the list in assets/assets.cmake into a table), and the handler that serves
// them: GET, "/" as /index.html, a strong ETag (If-None-Match gives
// 304), the gzip copy made at build time when the client accepts gzip and it
// pays, and Cache-Control: no-cache so that browsers revalidate after an
// upgrade.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "hearth/web/http.hpp"

namespace hearth::web {

struct embedded_file {
  std::string_view path;          // "/index.html"
  std::string_view content_type;  // "text/html; charset=utf-8"
  const unsigned char* data;
  std::size_t size;
  const unsigned char* gzip;  // nullptr when compression does not pay
  std::size_t gzip_size;
  std::string_view etag;  // quoted
};

// The generated table (assets_table.cpp in the build tree).
std::span<const embedded_file> embedded_files();

// The answer to a request for a file of `files`; 404 when none matches.
http_response serve_static(const http_request& req, std::span<const embedded_file> files);

// GET on "/" (lowest priority: longer prefixes win) serve the files.
void mount_static(router& r, std::span<const embedded_file> files);

}  // namespace hearth::web
