#include "hearth/bench/e2e_protocol.hpp"

#include <boost/json.hpp>
#include <cmath>

namespace hearth::bench::e2e {

void append_reading_payload(std::string_view sensor, std::uint64_t seq, std::string& out) {
  out.append("{\"").append(sensor).append("\":").append(std::to_string(seq)).push_back('}');
}

std::string connect_packet(std::string_view token) {
  return "40" + boost::json::serialize(boost::json::object{{"token", token}});
}

packet_kind classify(std::string_view p) {
  if (p.empty()) return packet_kind::other;
  switch (p[0]) {
    case '0': return packet_kind::open;
    case '1': return packet_kind::close;
    case '2': return packet_kind::ping;
    case '4':
      if (p.size() < 2) return packet_kind::other;
      switch (p[1]) {
        case '0': return packet_kind::sio_connected;
        case '1': return packet_kind::sio_disconnect;
        case '2': return packet_kind::sio_event;
        case '4': return packet_kind::sio_error;
        default: return packet_kind::other;
      }
    default: return packet_kind::other;
  }
}

reading_match match_reading(std::string_view packet, std::string_view node, std::string_view sensor) {
  using what = reading_match::what;
  reading_match m;
  if (classify(packet) != packet_kind::sio_event) return m;
  std::string_view body = packet.substr(2);
  // An ack id may come before the array; hearthd's broadcasts carry none.
  while (!body.empty() && body.front() >= '0' && body.front() <= '9') body.remove_prefix(1);
  // Parsed into a stack buffer: nothing on the heap per event at 20,000/s.
  unsigned char buffer[4096];
  boost::json::monotonic_resource mr(buffer, sizeof buffer);
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(body, ec, &mr);
  if (ec || !v.is_array() || v.as_array().empty() || !v.as_array()[0].is_string()) return m;
  const auto& a = v.as_array();
  if (a[0].as_string() != "reading") {
    m.is = what::other;
    return m;
  }
  if (a.size() < 2 || !a[1].is_object()) return m;
  const auto& o = a[1].as_object();
  const auto* n = o.if_contains("node");
  const auto* s = o.if_contains("sensor");
  const auto* val = o.if_contains("value");
  if (!n || !s || !val || !n->is_string() || !s->is_string() || !val->is_number()) return m;
  if (n->as_string() != node || s->as_string() != sensor) {
    m.is = what::other;
    return m;
  }
  const double d = val->to_number<double>();
  if (!(d >= 0) || d > 9007199254740992.0 || std::floor(d) != d) return m;
  m.is = what::ours;
  m.seq = static_cast<std::uint64_t>(d);
  return m;
}

}  // namespace hearth::bench::e2e
