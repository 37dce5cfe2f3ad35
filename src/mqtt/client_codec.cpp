#include "hearth/mqtt/client_codec.hpp"

#include "hearth/mqtt/topic.hpp"
#include "hearth/mqtt/utf8.hpp"

namespace hearth::mqtt {
namespace {

constexpr std::size_t max_field = 65535;

class client_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "mqtt-client"; }
  std::string message(int e) const override {
    switch (static_cast<client_errc>(e)) {
      case client_errc::ok: return "ok";
      case client_errc::server_sent_client_packet: return "the server sent a packet only a client may send";
      case client_errc::field_too_long: return "a field is longer than 65535 bytes";
      case client_errc::bad_client_id: return "the client id is not valid UTF-8";
      case client_errc::bad_will_topic: return "the will topic is not a valid topic name";
      case client_errc::bad_topic: return "not a valid topic name";
      case client_errc::bad_filter: return "not a valid topic filter";
      case client_errc::bad_qos: return "QoS must be 0, 1 or 2";
      case client_errc::connection_refused: return "the server refused the connection";
    }
    return "unknown client codec error";
  }
};

bool valid_name(std::string_view t) { return is_valid_mqtt_utf8(t) && is_valid_topic_name(t) && t.size() <= max_field; }

}  // namespace

const std::error_category& client_category() noexcept {
  static const client_category_impl c;
  return c;
}

decode_result decode_from_server(std::string_view in, std::size_t max_packet, packet& out) {
  // Peek at the type first: a client-only packet is refused before its body
  // is decoded (and before any of it is allocated).
  if (!in.empty()) {
    switch (static_cast<packet_type>(static_cast<std::uint8_t>(in[0]) >> 4)) {
      case packet_type::connect:
      case packet_type::subscribe:
      case packet_type::unsubscribe:
      case packet_type::pingreq:
      case packet_type::disconnect:
        return {decode_status::error, 0, client_errc::server_sent_client_packet};
      default:
        break;
    }
  }
  return decode(in, max_packet, out);
}

std::error_code encode_connect(const connect_packet& p, std::string& out) {
  if (p.client_id.size() > max_field) return client_errc::field_too_long;
  if (!is_valid_mqtt_utf8(p.client_id)) return client_errc::bad_client_id;
  if (p.will) {
    if (!valid_name(p.will->topic)) return client_errc::bad_will_topic;
    if (p.will->payload.size() > max_field) return client_errc::field_too_long;
    if (p.will->qos > 2) return client_errc::bad_qos;
  }
  if (p.username && (p.username->size() > max_field || !is_valid_mqtt_utf8(*p.username)))
    return client_errc::field_too_long;
  if (p.password && p.password->size() > max_field) return client_errc::field_too_long;
  encode(p, out);
  return {};
}

std::error_code encode_client_publish(const publish_packet& p, std::string& out) {
  if (!valid_name(p.topic)) return client_errc::bad_topic;
  if (p.qos > 2) return client_errc::bad_qos;
  if (p.qos > 0 && p.packet_id == 0) return errc::bad_packet_id;
  if (2 + p.topic.size() + 2 + p.payload.size() > max_remaining_length) return errc::packet_too_large;
  encode(p, out);
  return {};
}

std::error_code encode_client_subscribe(const subscribe_packet& p, std::string& out) {
  if (p.topics.empty()) return errc::empty_subscription_list;
  if (p.packet_id == 0) return errc::bad_packet_id;
  for (const auto& t : p.topics) {
    if (t.filter.size() > max_field || !is_valid_mqtt_utf8(t.filter) || !is_valid_topic_filter(t.filter))
      return client_errc::bad_filter;
    if (t.qos > 2) return client_errc::bad_qos;
  }
  encode(p, out);
  return {};
}

void encode_puback(std::uint16_t id, std::string& out) { encode(ack_packet{packet_type::puback, id}, out); }
void encode_pubrec(std::uint16_t id, std::string& out) { encode(ack_packet{packet_type::pubrec, id}, out); }
void encode_pubcomp(std::uint16_t id, std::string& out) { encode(ack_packet{packet_type::pubcomp, id}, out); }
void encode_pingreq(std::string& out) { encode(empty_packet{packet_type::pingreq}, out); }
void encode_disconnect(std::string& out) { encode(empty_packet{packet_type::disconnect}, out); }

}  // namespace hearth::mqtt
