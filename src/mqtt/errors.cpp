#include "hearth/mqtt/errors.hpp"

#include <string>

namespace hearth::mqtt {
namespace {

class category final : public std::error_category {
public:
  const char* name() const noexcept override { return "mqtt"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok: return "ok";
      case errc::bad_remaining_length: return "malformed remaining length";
      case errc::packet_too_large: return "packet larger than the maximum packet size";
      case errc::bad_packet_type: return "reserved packet type";
      case errc::bad_fixed_header_flags: return "reserved fixed-header flags not as required";
      case errc::truncated: return "packet ends inside a field";
      case errc::trailing_bytes: return "unexpected bytes after the last field";
      case errc::bad_utf8: return "malformed UTF-8 string";
      case errc::bad_protocol_name: return "unknown protocol name";
      case errc::bad_connect_flags: return "invalid CONNECT flags";
      case errc::bad_qos: return "QoS 3 is reserved";
      case errc::bad_topic_name: return "invalid topic name";
      case errc::bad_packet_id: return "packet identifier 0";
      case errc::empty_subscription_list: return "no topic filter in packet";
      case errc::bad_subscribe_options: return "reserved bits set in requested QoS";
      case errc::empty_topic_filter: return "zero-length topic filter";
      case errc::too_many_topic_levels: return "topic or filter has more than 200 separators";
      case errc::first_packet_not_connect: return "first packet is not CONNECT";
      case errc::second_connect: return "second CONNECT on a connection";
      case errc::server_only_packet: return "client sent a packet only a server may send";
      case errc::unexpected_ack: return "acknowledgement for an unknown packet identifier";
      case errc::connect_timeout: return "no CONNECT before the deadline";
      case errc::keepalive_timeout: return "keepalive expired";
      case errc::session_taken_over: return "session taken over by a new connection";
      case errc::write_queue_overflow: return "write queue over its hard limit";
      case errc::qos2_window_full: return "too many unreleased QoS 2 messages";
    }
    return "unknown mqtt error";
  }
};

}  // namespace

const std::error_category& mqtt_category() noexcept {
  static const category c;
  return c;
}

}  // namespace hearth::mqtt
