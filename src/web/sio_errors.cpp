#include "hearth/web/sio_errors.hpp"

#include <string>

namespace hearth::web::sio {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "socket.io"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok: return "ok";
      case errc::empty_packet: return "empty packet";
      case errc::bad_packet_type: return "unknown packet type";
      case errc::bad_attachment_count: return "malformed attachment count";
      case errc::too_many_attachments: return "too many binary attachments";
      case errc::attachments_too_large: return "binary attachments too large";
      case errc::bad_ack_id: return "malformed acknowledgement id";
      case errc::bad_json: return "payload is not valid JSON";
      case errc::bad_payload: return "invalid payload for the packet type";
      case errc::bad_placeholder: return "invalid attachment placeholder";
      case errc::unexpected_binary: return "binary message without a pending packet";
      case errc::expected_binary: return "text message while attachments were due";
      case errc::not_connected: return "packet for a namespace the client has not joined";
      case errc::already_connected: return "second CONNECT to the same namespace";
      case errc::client_sent_connect_error: return "client sent CONNECT_ERROR";
      case errc::connect_timeout: return "no CONNECT before the deadline";
      case errc::handler_failed: return "an application handler failed on the packet";
    }
    return "unknown socket.io error";
  }
};

}  // namespace

const std::error_category& sio_category() noexcept {
  static const category c;
  return c;
}

}  // namespace hearth::web::sio
