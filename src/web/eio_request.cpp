// Engine.IO request classification, in the reference server's order.
#include "hearth/web/eio_request.hpp"

namespace hearth::web::eio {

const char* error_message(error_code e) noexcept {
  switch (e) {
    case error_code::unknown_transport: return "Transport unknown";
    case error_code::unknown_sid: return "Session ID unknown";
    case error_code::bad_handshake_method: return "Bad handshake method";
    case error_code::bad_request: return "Bad request";
    case error_code::forbidden: return "Forbidden";
    case error_code::unsupported_protocol_version: return "Unsupported protocol version";
  }
  return "Bad request";
}

unsigned http_status(error_code e) noexcept { return e == error_code::forbidden ? 403 : 400; }

std::string error_body(error_code e) {
  return R"({"code":)" + std::to_string(static_cast<int>(e)) + R"(,"message":")" + error_message(e) + R"("})";
}

std::variant<request_target, error_code> classify(std::string_view method,
                                                  const std::map<std::string, std::string>& query,
                                                  bool websocket_upgrade, const session_lookup& session_transport) {
  request_target t;
  const auto tr = query.find("transport");
  if (tr == query.end()) return error_code::unknown_transport;
  if (tr->second == "polling") {
    t.via = transport::polling;
  } else if (tr->second == "websocket") {
    t.via = transport::websocket;
  } else {
    return error_code::unknown_transport;
  }
  if (websocket_upgrade != (t.via == transport::websocket)) return error_code::bad_request;

  const auto eio = query.find("EIO");
  if (eio == query.end() || eio->second != "4") return error_code::unsupported_protocol_version;

  const auto sid = query.find("sid");
  if (sid != query.end()) {
    const auto current = session_transport(sid->second);
    if (!current) return error_code::unknown_sid;
    t.sid = sid->second;
    if (websocket_upgrade) {
      // Joining a WebSocket to a session; whether it may (the session still
      // polls, and is not already upgrading) is the session's to say.
      if (method != "GET") return error_code::bad_request;
      t.kind = request_kind::upgrade;
      return t;
    }
    if (*current != t.via) return error_code::bad_request;  // e.g. polling after the upgrade
    if (method == "GET") {
      t.kind = request_kind::poll;
    } else if (method == "POST") {
      t.kind = request_kind::post;
    } else {
      return error_code::bad_request;
    }
    return t;
  }
  if (method != "GET") return error_code::bad_handshake_method;
  t.kind = request_kind::handshake;
  return t;
}

}  // namespace hearth::web::eio
