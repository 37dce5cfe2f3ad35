#include <utility>

#include "hearth/web/socketio.hpp"

namespace hearth::web::sio {

broadcast_op& broadcast_op::to(std::string room) {
  rooms_.push_back(std::move(room));
  return *this;
}

broadcast_op& broadcast_op::except(std::string room) {
  except_.push_back(std::move(room));
  return *this;
}

std::size_t broadcast_op::emit(std::string_view event, boost::json::array values,
                               std::vector<std::string> attachments) {
  std::vector<std::string> sids;
  if (rooms_.empty()) {
    // The whole namespace: every socket is in the room named by its id.
    std::vector<std::string> all;
    all.reserve(nsp_.sockets_.size());
    for (const auto& kv : nsp_.sockets_) all.push_back(kv.first);
    sids = nsp_.rooms_.select(all, except_);
  } else {
    sids = nsp_.rooms_.select(rooms_, except_);
  }
  return nsp_.deliver(sids, event, std::move(values), std::move(attachments));
}

std::size_t nsp::emit(std::string_view event, boost::json::array values, std::vector<std::string> attachments) {
  return broadcast_op(*this).emit(event, std::move(values), std::move(attachments));
}

broadcast_op nsp::to(std::string room) {
  broadcast_op op(*this);
  op.to(std::move(room));
  return op;
}

broadcast_op nsp::except(std::string room) {
  broadcast_op op(*this);
  op.except(std::move(room));
  return op;
}

socket* nsp::find(std::string_view sid) const {
  auto it = sockets_.find(sid);
  return it == sockets_.end() ? nullptr : it->second.get();
}

std::size_t nsp::deliver(const std::vector<std::string>& sids, std::string_view event, boost::json::array values,
                         std::vector<std::string> attachments) {
  if (sids.empty()) return 0;
  packet p;
  p.type = packet_type::event;
  p.nsp = name_;
  p.data = event_payload(event, std::move(values));
  p.attachments = std::move(attachments);
  // Encoded once; every recipient queues the same buffer.
  const auto shared = std::make_shared<const std::vector<eio::message>>(encode(p));
  std::size_t queued = 0;
  for (const auto& sid : sids) {
    auto* s = find(sid);
    if (s && s->conn_ && s->conn_->send_shared(shared)) ++queued;
  }
  return queued;
}

}  // namespace hearth::web::sio
