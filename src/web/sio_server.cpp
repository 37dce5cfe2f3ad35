// The server's life cycle: sessions opening and closing, time, socket ids.
// What arrives on a session is handled in sio_dispatch.cpp.
#include <algorithm>
#include <utility>
#include <vector>

#include "hearth/web/socketio.hpp"

namespace hearth::web::sio {

server::server(scheduler& sched, core::logger& log, server_options opts)
    : sched_(sched), log_(log), opts_(opts), rng_(std::random_device{}()) {}

server::~server() = default;

nsp& server::of(std::string_view name) {
  std::string n(name);
  if (n.empty() || n.front() != '/') n.insert(n.begin(), '/');
  auto it = nsps_.find(n);
  if (it == nsps_.end()) it = nsps_.emplace(n, std::make_unique<nsp>(*this, n)).first;
  return *it->second;
}

nsp* server::find(std::string_view name) const {
  auto it = nsps_.find(name);
  return it == nsps_.end() ? nullptr : it->second.get();
}

void server::on_open(eio::connection& c) {
  log_.debug() << "socket.io " << c.request().remote << " (" << c.id() << "): open";
  auto cl = std::make_unique<client>();
  cl->conn = &c;
  cl->dec = decoder(opts_.limits);
  const auto deadline = sched_.now() + opts_.connect_timeout;
  cl->connect_deadline = deadline;
  clients_[&c] = std::move(cl);
  arm(deadline);
}

void server::on_message(eio::connection& c, eio::message&& m) {
  auto it = clients_.find(&c);
  if (it == clients_.end() || it->second->closing) return;
  client& cl = *it->second;
  std::optional<packet> p;
  if (auto ec = cl.dec.feed(std::move(m), p)) return fail(cl, ec);
  if (!p) return;  // attachments still due
  ++stats_.packets_in;
  guarded(&cl, "packet", [&] { handle(cl, std::move(*p)); });
}

void server::on_close(eio::connection& c, std::string_view reason) {
  auto it = clients_.find(&c);
  if (it == clients_.end()) return;
  log_.debug() << "socket.io " << c.request().remote << " (" << c.id() << "): closed, " << reason;
  client& cl = *it->second;
  cl.closing = true;
  // No handler may write to this connection from here on.
  for (auto& kv : cl.sockets) kv.second->conn_ = nullptr;
  while (!cl.sockets.empty()) {
    auto s = cl.sockets.begin()->second;
    remove_socket(*s, reason);
  }
  clients_.erase(&c);
}

void server::fail(client& c, std::error_code why) {
  if (c.closing) return;
  if (why == errc::connect_timeout)
    ++stats_.connect_timeouts;
  else
    ++stats_.protocol_errors;
  log_.info() << "socket.io " << c.conn->request().remote << " (" << c.conn->id() << "): " << why.message()
              << ", closing";
  c.closing = true;
  for (auto& kv : c.sockets) kv.second->conn_ = nullptr;
  c.conn->close();  // on_close follows and disconnects the sockets
}

void server::remove_socket(socket& s, std::string_view reason) {
  if (!s.connected_) return;
  auto self = s.shared_from_this();
  s.connected_ = false;
  s.conn_ = nullptr;
  if (auto it = clients_.find(s.key_); it != clients_.end()) it->second->sockets.erase(s.nsp_name());
  s.nsp_.rooms_.leave_all(s.id_);
  s.nsp_.sockets_.erase(s.id_);
  auto acks = std::move(s.acks_);
  s.acks_.clear();
  for (auto& kv : acks)
    if (kv.second.cb) guarded(nullptr, "ack", [&] { kv.second.cb(ack_reply{ack_status::disconnected, {}}); });
  if (auto h = s.nsp_.on_disconnect_) guarded(nullptr, "disconnect", [&] { h(s, reason); });
}

void server::handler_failed(client* c, const char* what, const char* why) noexcept {
  ++stats_.handler_errors;
  try {
    log_.warn() << "socket.io: " << what << " handler threw: " << why;
  } catch (...) {
  }
  if (c) fail(*c, errc::handler_failed);
}

std::string server::make_id() {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string id(20, ' ');
  for (auto& ch : id) ch = alphabet[rng_() % 64];
  return id;
}

void server::arm(scheduler::clock::time_point deadline) {
  if (wake_ && *wake_ <= deadline) return;
  wake_ = deadline;
  sched_.wake_at(deadline);
}

void server::rearm() {
  std::optional<scheduler::clock::time_point> next;
  auto consider = [&](scheduler::clock::time_point t) {
    if (!next || t < *next) next = t;
  };
  for (const auto& kv : clients_)
    if (kv.second->connect_deadline && !kv.second->closing) consider(*kv.second->connect_deadline);
  for (const auto& n : nsps_)
    for (const auto& s : n.second->sockets_)
      for (const auto& a : s.second->acks_) consider(a.second.deadline);
  wake_.reset();
  if (next) arm(*next);
}

void server::tick() {
  const auto now = sched_.now();
  std::vector<client*> late;
  for (auto& kv : clients_) {
    auto& c = *kv.second;
    if (c.connect_deadline && *c.connect_deadline <= now && !c.closing) late.push_back(&c);
  }
  for (auto* c : late) {
    c->connect_deadline.reset();
    fail(*c, errc::connect_timeout);
  }

  // Collect first: a callback may emit, disconnect, or add acks.
  std::vector<std::pair<std::shared_ptr<socket>, std::uint64_t>> expired;
  for (const auto& n : nsps_)
    for (const auto& s : n.second->sockets_)
      for (const auto& a : s.second->acks_)
        if (a.second.deadline <= now) expired.emplace_back(s.second, a.first);
  for (auto& [s, id] : expired) {
    auto it = s->acks_.find(id);
    if (it == s->acks_.end()) continue;
    auto cb = std::move(it->second.cb);
    s->acks_.erase(it);
    ++stats_.ack_timeouts;
    if (cb) guarded(nullptr, "ack", [&] { cb(ack_reply{ack_status::timeout, {}}); });
  }
  rearm();
}

}  // namespace hearth::web::sio
