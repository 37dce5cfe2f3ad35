// e2e mode's Socket.IO client: hearthd's `reading` events over WebSocket,
// with the Engine.IO v4 and Socket.IO v5 framing done by hand (the pure
// parts are ws_client.hpp and e2e_protocol.hpp). One connection, read like
// the MQTT ones: big reads into the shared buffer, every frame of a read
// handled in one pass, answers (pongs) coalesced into one write.
#include <errno.h>
#include <unistd.h>

#include <cstring>
#include <random>

#include "hearth/bench/e2e_protocol.hpp"
#include "hearth/bench/engine.hpp"
#include "hearth/bench/proc.hpp"

namespace hearth::bench {

namespace {
// hearthd's events are ~200 bytes. A partial frame waits in the connection's
// tail and is copied back in front of the next read: the engine's read
// buffer (256 KiB) must hold it with room to spare.
constexpr std::size_t max_ws_message = 64 * 1024;
}  // namespace

void engine::ws_start(connection& c) {
  c.st = state::awaiting_upgrade;
  std::random_device rd;
  ws_key_ = ws::make_key((std::uint64_t{rd()} << 32) ^ rd() ^ monotonic_ns());
  ws_mask_ = rd();
  const std::string host = (opts_.host.find(':') != std::string::npos ? "[" + opts_.host + "]" : opts_.host) + ":" +
                           std::to_string(opts_.web_port);
  ws::append_upgrade_request(host, "/socket.io/?EIO=4&transport=websocket", ws_key_, c.tx);
  mark_dirty(c);
}

void engine::ws_send(connection& c, ws::opcode op, std::string_view payload) {
  ws_mask_ = ws_mask_ * 1664525u + 1013904223u;  // masks only have to vary (RFC 6455 5.3)
  ws::append_frame(op, payload, ws_mask_, c.tx);
  mark_dirty(c);
}

void engine::ws_read(connection& c) {
  const std::size_t keep = c.tail.size();
  if (keep) std::memcpy(scratch_.data(), c.tail.data(), keep);
  const ssize_t n = ::read(c.fd, scratch_.data() + keep, scratch_.size() - keep);
  if (n == 0) return drop(c, "closed by hearthd");
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR) drop(c, std::strerror(errno));
    return;
  }
  const std::uint64_t now = monotonic_ns();
  std::string_view in(scratch_.data(), keep + static_cast<std::size_t>(n));
  std::size_t off = 0;
  if (c.st == state::awaiting_upgrade) {
    const auto up = ws::parse_upgrade_response(in, ws_key_);
    if (!up.error.empty()) {
      fail("Socket.IO over WebSocket: " + up.error);
      return drop(c, up.error.c_str());
    }
    if (up.consumed == 0) {
      c.tail.assign(in);
      return;
    }
    off = up.consumed;
    c.st = state::awaiting_open;
  }
  while (off < in.size()) {
    ws::frame f;
    const auto res = ws::decode_frame(in.substr(off), max_ws_message, f);
    if (res.status == ws::decode_status::need_more) break;
    if (res.status == ws::decode_status::error) {
      ++protocol_errors_;
      return drop(c, (std::string("bad WebSocket frame from hearthd: ") + res.error).c_str());
    }
    off += res.consumed;
    switch (f.op) {
      case ws::opcode::ping: ws_send(c, ws::opcode::pong, f.payload); break;
      case ws::opcode::pong: break;
      case ws::opcode::close: return drop(c, "WebSocket closed by hearthd");
      case ws::opcode::binary:
      case ws::opcode::text:
      case ws::opcode::continuation:
        if (f.op != ws::opcode::continuation && !c.message.empty()) {
          ++protocol_errors_;
          return drop(c, "a new WebSocket message inside a fragmented one");
        }
        if (f.fin && c.message.empty()) {
          on_ws_message(c, f.payload, now);
        } else {
          if (c.message.size() + f.payload.size() > max_ws_message) return drop(c, "WebSocket message too big");
          c.message.append(f.payload);
          if (f.fin) {
            on_ws_message(c, c.message, now);
            c.message.clear();
          }
        }
        break;
    }
    if (c.st == state::closed) return;
  }
  c.tail.assign(in.data() + off, in.size() - off);
}

void engine::on_ws_message(connection& c, std::string_view text, std::uint64_t now_ns) {
  switch (e2e::classify(text)) {
    case e2e::packet_kind::open:
      if (c.st != state::awaiting_open) {
        ++protocol_errors_;
        return drop(c, "unexpected Engine.IO open packet");
      }
      ws_send(c, ws::opcode::text, e2e::connect_packet(opts_.token));
      c.st = state::awaiting_sio_connect;
      return;
    case e2e::packet_kind::ping: ws_send(c, ws::opcode::text, "3"); return;
    case e2e::packet_kind::sio_connected:
      if (c.st != state::awaiting_sio_connect) {
        ++protocol_errors_;
        return drop(c, "unexpected Socket.IO CONNECT");
      }
      c.st = state::ready;
      ++ready_;
      --pending_setup_;
      last_progress_ns_ = now_ns;
      return;
    case e2e::packet_kind::sio_error:
      fail("hearthd refused the Socket.IO connection (is the API token right?): " + std::string(text.substr(2)));
      return drop(c, "Socket.IO CONNECT refused");
    case e2e::packet_kind::sio_disconnect:
    case e2e::packet_kind::close: return drop(c, "disconnected by hearthd");
    case e2e::packet_kind::sio_event: break;
    case e2e::packet_kind::other: return;
  }
  if (c.st != state::ready) return;
  const auto m = e2e::match_reading(text, opts_.node, opts_.sensor);
  if (m.is == e2e::reading_match::what::other) return;  // another sensor's reading, a node or relay event
  if (m.is == e2e::reading_match::what::malformed || m.seq >= sent_ns_.size()) {
    ++malformed_;  // also a reading from before this run (a stale state sent at connect)
    return;
  }
  on_reading(m.seq, now_ns);
}

void engine::on_reading(std::uint64_t seq, std::uint64_t now_ns) {
  ++delivered_total_;
  last_progress_ns_ = now_ns;
  trackers_[0].record(seq);
  if (phase_ == phase::measuring) {
    const std::uint64_t sent = sent_ns_[seq];
    latency_.record(now_ns >= sent ? now_ns - sent : 0);
  }
}

}  // namespace hearth::bench
