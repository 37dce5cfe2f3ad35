// The Socket.IO v5 codec: pure functions and one small state machine, no I/O.
//
// encode() turns a packet into the Engine.IO messages that carry it (one text
// message, then one binary message per attachment); they must be sent
// together (eio::connection::send_all). decode_header() parses one text
// message; decoder joins a header with the binary messages that follow it.
//
// Decoding follows the reference parser (socket.io-parser 4.x), including
// its payload checks: CONNECT carries an object or nothing, DISCONNECT
// nothing, EVENT a non-empty array whose first element is an event name (a
// string other than the reserved "connect", "disconnect", ... or a number),
// ACK an array, CONNECT_ERROR an object or a string. It is stricter where the
// reference is lax by accident: attachment counts must be digits, ack ids must
// fit a JavaScript number exactly, placeholders must name an attachment that
// exists, and a BINARY packet with zero attachments completes at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "hearth/web/engine_io.hpp"
#include "hearth/web/sio_errors.hpp"
#include "hearth/web/sio_packet.hpp"

namespace hearth::web::sio {

// Appends the text message of `p` (without attachments) to `out`. EVENT and
// ACK packets with attachments are written as BINARY_EVENT / BINARY_ACK.
void encode_header(const packet& p, std::string& out);

// The whole packet: its text message, then its attachments as binary messages.
std::vector<eio::message> encode(const packet& p);

// Parses one text message. On success `out` holds the packet with
// `attachments` empty and `attachment_count` says how many binary messages
// must follow. `out` is unspecified on error.
std::error_code decode_header(std::string_view text, const codec_limits& limits, packet& out,
                              std::size_t& attachment_count);

// Feeds Engine.IO messages in arrival order and yields whole packets.
class decoder {
 public:
  explicit decoder(codec_limits limits = {}) : limits_(limits) {}

  // Returns an error, or sets `out` when `m` completed a packet (it stays
  // empty while attachments are still due). After an error the decoder is
  // reset; the caller is expected to close the connection.
  std::error_code feed(eio::message&& m, std::optional<packet>& out);

  bool awaiting_attachments() const noexcept { return pending_.has_value(); }

 private:
  codec_limits limits_;
  std::optional<packet> pending_;
  std::size_t expected_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace hearth::web::sio
