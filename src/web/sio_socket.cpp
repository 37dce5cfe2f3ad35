#include <utility>

#include "hearth/web/socketio.hpp"

namespace hearth::web::sio {
socket::socket(server& srv, nsp& space, std::string id, const eio::request_info& request, boost::json::value auth)
    : server_(srv), nsp_(space), id_(std::move(id)), request_(request), auth_(std::move(auth)) {}

const std::string& socket::nsp_name() const noexcept { return nsp_.name(); }

bool socket::send(std::vector<eio::message> ms) {
  if (!conn_) return false;
  return conn_->send_all(std::move(ms));
}

bool socket::emit(std::string_view event, boost::json::array values, std::vector<std::string> attachments) {
  if (!conn_) return false;
  packet p;
  p.type = packet_type::event;
  p.nsp = nsp_.name();
  p.data = event_payload(event, std::move(values));
  p.attachments = std::move(attachments);
  return send(encode(p));
}

bool socket::emit_with_ack(std::string_view event, boost::json::array values, std::vector<std::string> attachments,
                           std::chrono::milliseconds timeout, ack_callback cb) {
  if (!conn_ || acks_.size() >= server_.opts_.max_pending_acks) return false;
  packet p;
  p.type = packet_type::event;
  p.nsp = nsp_.name();
  p.id = next_ack_id_;
  p.data = event_payload(event, std::move(values));
  p.attachments = std::move(attachments);
  if (!send(encode(p))) return false;
  const auto deadline = server_.sched_.now() + timeout;
  acks_.emplace(next_ack_id_++, pending_ack{deadline, std::move(cb)});
  if (next_ack_id_ > max_ack_id) next_ack_id_ = 1;
  server_.arm(deadline);
  return true;
}

void socket::join(std::string_view room) {
  if (connected_) nsp_.rooms_.join(id_, room);
}

void socket::leave(std::string_view room) {
  if (connected_) nsp_.rooms_.leave(id_, room);
}

std::vector<std::string> socket::rooms() const {
  const auto* r = nsp_.rooms_.rooms_of(id_);
  if (!r || !connected_) return {};
  return {r->begin(), r->end()};
}

broadcast_op socket::broadcast() { return nsp_.except(id_); }

void socket::disconnect(bool close_connection) {
  if (!connected_) return;
  auto* conn = conn_;
  if (conn) {
    packet p;
    p.type = packet_type::disconnect;
    p.nsp = nsp_.name();
    conn->send_all(encode(p));
  }
  auto self = shared_from_this();
  server_.remove_socket(*this, "server namespace disconnect");
  if (close_connection && conn) conn->close();
}

bool acknowledger::operator()(boost::json::array values, std::vector<std::string> attachments) const {
  if (!state_ || state_->sent) return false;
  auto s = state_->target.lock();
  if (!s || !s->conn_) return false;
  state_->sent = true;
  packet p;
  p.type = packet_type::ack;
  p.nsp = s->nsp_name();
  p.id = state_->id;
  p.data = std::move(values);
  p.attachments = std::move(attachments);
  return s->send(encode(p));
}

}  // namespace hearth::web::sio
