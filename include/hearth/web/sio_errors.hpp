// Why the Socket.IO layer refused a peer's packet or ended a session. Every
// reason the server closes an Engine.IO connection for is one of these, so
// the log line and the on_disconnect reason name it precisely.
#pragma once

#include <system_error>

namespace hearth::web::sio {

enum class errc {
  ok = 0,
  // codec: one Engine.IO message did not hold a valid Socket.IO packet
  empty_packet = 1,          // a text message with no packet type
  bad_packet_type,           // not a digit 0..6
  bad_attachment_count,      // BINARY_* without "<digits>-"
  too_many_attachments,      // more than codec_limits::max_attachments
  attachments_too_large,     // the attachments of one packet exceed max_attachment_bytes
  bad_ack_id,                // more digits than a JavaScript number holds exactly
  bad_json,                  // the payload is not JSON (or nests too deeply)
  bad_payload,               // valid JSON of the wrong shape for the packet type
  bad_placeholder,           // {"_placeholder":true} without a valid attachment index
  unexpected_binary,         // a binary message when no attachment was expected
  expected_binary,           // a text message while attachments were still due
  // server: a well-formed packet that makes no sense in the session's state
  not_connected,             // a packet for a namespace the client has not joined
  already_connected,         // a second CONNECT to the same namespace
  client_sent_connect_error, // CONNECT_ERROR travels only from server to client
  connect_timeout,           // no CONNECT within connect_timeout of the handshake
  handler_failed,            // an application handler threw on this client's packet
};

const std::error_category& sio_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), sio_category()}; }

}  // namespace hearth::web::sio

template <>
struct std::is_error_code_enum<hearth::web::sio::errc> : std::true_type {};
