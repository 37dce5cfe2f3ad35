// One decoded packet from a client, by type. The session-level rules follow
// the reference server's Client.ondecoded: CONNECT only to a namespace not
// yet joined, everything else only to a joined one, never CONNECT_ERROR.
#include <utility>

#include <boost/json/serialize.hpp>

#include "hearth/web/socketio.hpp"

namespace hearth::web::sio {

void server::handle(client& c, packet&& p) {
  auto it = c.sockets.find(p.nsp);
  if (p.type == packet_type::connect) {
    if (it != c.sockets.end()) return fail(c, errc::already_connected);
    return handle_connect(c, std::move(p));
  }
  if (p.type == packet_type::connect_error) return fail(c, errc::client_sent_connect_error);
  if (it == c.sockets.end()) return fail(c, errc::not_connected);
  auto s = it->second;  // keeps the socket alive while its handlers run
  switch (p.type) {
    case packet_type::disconnect:
      return remove_socket(*s, "client namespace disconnect");
    case packet_type::event:
    case packet_type::binary_event:
      return handle_event(*s, std::move(p));
    case packet_type::ack:
    case packet_type::binary_ack:
      return handle_ack(*s, std::move(p));
    default:
      return;
  }
}

void server::refuse(client& c, const std::string& nsp_name, refusal r) {
  ++stats_.refused;
  packet p;
  p.type = packet_type::connect_error;
  p.nsp = nsp_name;
  boost::json::object o;
  o["message"] = r.message;
  if (!r.data.is_null()) o["data"] = std::move(r.data);
  p.data = std::move(o);
  c.conn->send_all(encode(p));
}

void server::handle_connect(client& c, packet&& p) {
  nsp* space = find(p.nsp);
  if (!space) return refuse(c, p.nsp, refusal{"Invalid namespace"});

  boost::json::value auth = p.data ? std::move(*p.data) : boost::json::value(boost::json::object{});
  auto s = std::make_shared<socket>(*this, *space, make_id(), c.conn->request(), std::move(auth));
  // A copy: a middleware may add another middleware.
  const auto middlewares = space->middlewares_;
  for (const auto& m : middlewares) {
    auto r = m(*s);
    if (c.closing) return;
    if (r) return refuse(c, p.nsp, std::move(*r));
  }

  s->conn_ = c.conn;
  s->key_ = c.conn;
  s->connected_ = true;
  c.sockets[space->name()] = s;
  space->sockets_[s->id()] = s;
  space->rooms_.join(s->id(), s->id());
  c.connect_deadline.reset();

  packet reply;
  reply.type = packet_type::connect;
  reply.nsp = space->name();
  reply.data = boost::json::object{{"sid", s->id()}};
  c.conn->send_all(encode(reply));

  // After the CONNECT reply, so that what the handler emits follows it.
  if (auto h = space->on_connection_) h(*s);
}

void server::handle_event(socket& s, packet&& p) {
  auto& values = p.data->as_array();  // the codec guarantees [name, ...]
  event e;
  const auto& name = values.front();
  e.name = name.is_string() ? std::string(name.as_string()) : boost::json::serialize(name);
  values.erase(values.begin());
  e.data.values = std::move(values);
  e.data.attachments = std::move(p.attachments);
  if (p.id) {
    e.ack.state_ = std::make_shared<acknowledger::state>();
    e.ack.state_->target = s.weak_from_this();
    e.ack.state_->id = *p.id;
  }
  auto it = s.nsp_.handlers_.find(e.name);
  if (it == s.nsp_.handlers_.end()) return;
  auto h = it->second;  // a copy: the handler may replace itself
  h(s, e);
}

void server::handle_ack(socket& s, packet&& p) {
  auto it = s.acks_.find(p.id.value_or(max_ack_id + 1));
  if (it == s.acks_.end()) return;  // late (timed out) or never asked for: ignored
  auto cb = std::move(it->second.cb);
  s.acks_.erase(it);
  ack_reply r;
  if (p.data) r.data.values = std::move(p.data->as_array());
  r.data.attachments = std::move(p.attachments);
  if (cb) cb(std::move(r));
}

}  // namespace hearth::web::sio
