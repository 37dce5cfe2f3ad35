// Which Engine.IO request this is, or which of the spec's errors it earns,
// decided from the method, the query and the session table alone (pure).
//
// The checks run in the order of the reference server: the transport, the
// protocol revision (EIO=4 only: Engine.IO 3 clients such as socket.io-client
// 2.x get code 5), the session id, then the method. Errors are answered
// with HTTP 400 (403 for forbidden) and a JSON body such as
// {"code":0,"message":"Transport unknown"}.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace hearth::web::eio {

enum class transport { polling, websocket };

enum class error_code {
  unknown_transport = 0,
  unknown_sid = 1,
  bad_handshake_method = 2,
  bad_request = 3,
  forbidden = 4,
  unsupported_protocol_version = 5,
};

unsigned http_status(error_code e) noexcept;
std::string error_body(error_code e);  // {"code":N,"message":"..."}
const char* error_message(error_code e) noexcept;

enum class request_kind {
  handshake,  // a new session (GET polling, or a WebSocket without sid)
  poll,       // GET with sid: long-poll for what the server has queued
  post,       // POST with sid: a payload from the client
  upgrade,    // a WebSocket with the sid of a polling session (2probe follows)
};

struct request_target {
  request_kind kind = request_kind::handshake;
  transport via = transport::polling;
  std::string sid;
};

// `session_transport(sid)`: the current transport of a live session, or
// nullopt when no session has that id.
using session_lookup = std::function<std::optional<transport>(std::string_view sid)>;

std::variant<request_target, error_code> classify(std::string_view method,
                                                  const std::map<std::string, std::string>& query,
                                                  bool websocket_upgrade, const session_lookup& session_transport);

}  // namespace hearth::web::eio
