// The Socket.IO v5 server: the layer that socket.io-client 4.x talks to, on
// top of an Engine.IO v4 server that owns the transports (engine_io.hpp).
//
//   sio::server io(scheduler, log, {.connect_timeout = 1000ms});
//   auto& root = io.of("/");
//   root.use([](sio::socket& s) -> std::optional<sio::refusal> {
//     if (!logged_in(s.request())) return sio::refusal{"not logged in"};
//     return std::nullopt;
//   });
//   root.on_connection([](sio::socket& s) { s.join("house"); s.emit("hello"); });
//   root.on("command", [](sio::socket& s, sio::event& e) { e.ack({{"ok", true}}); });
//   root.to("house").emit("reading", {reading_json});
//
// Protocol behaviour follows the reference server (socket.io 4.x):
// - CONNECT to a namespace that was never made with of() is refused with
//   CONNECT_ERROR {"message":"Invalid namespace"}; the session stays open.
// - A middleware refusal sends CONNECT_ERROR {"message", "data"?}.
// - On success the server sends CONNECT {"sid": <socket id>} and only then runs
//   the connection handler, so what it emits follows the CONNECT reply.
// - A client that opens Engine.IO but joins no namespace within
//   connect_timeout is closed.
// - A malformed packet, a packet for a namespace the client has not joined,
//   a second CONNECT to one namespace, or CONNECT_ERROR from the client closes
//   the Engine.IO session (reason in the log).
// - Client DISCONNECT leaves that namespace only; the session stays open.
// Writes go to eio::connection, whose bounded queue closes a client that
// stops reading: a stalled tab costs bounded memory and never blocks others.
//
// Everything runs on the one event loop; nothing here blocks or does I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include "hearth/core/log.hpp"
#include "hearth/web/engine_io.hpp"
#include "hearth/web/sio_codec.hpp"
#include "hearth/web/sio_namespace.hpp"
#include "hearth/web/sio_scheduler.hpp"
#include "hearth/web/sio_socket.hpp"

namespace hearth::web::sio {

struct server_options {
  std::chrono::milliseconds connect_timeout{45'000};  // the reference server's default
  codec_limits limits;
  std::size_t max_pending_acks = 256;  // per socket: emit_with_ack fails beyond it
};

struct server_stats {
  std::uint64_t packets_in = 0;
  std::uint64_t protocol_errors = 0;   // sessions closed for a bad packet or state
  std::uint64_t connect_timeouts = 0;
  std::uint64_t refused = 0;           // CONNECT_ERROR sent (unknown namespace or middleware)
  std::uint64_t ack_timeouts = 0;
  std::uint64_t handler_errors = 0;    // exceptions caught from application handlers
};

class server final : public eio::handler {
 public:
  server(scheduler& sched, core::logger& log, server_options opts = {});
  ~server() override;
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // The namespace `name` ("/" is the main one; a missing leading '/' is
  // added), made on first use.
  nsp& of(std::string_view name);
  nsp* find(std::string_view name) const;

  // Runs what is due: CONNECT timeouts and acknowledgement timeouts.
  void tick();

  const server_options& options() const noexcept { return opts_; }
  const server_stats& stats() const noexcept { return stats_; }
  std::size_t client_count() const noexcept { return clients_.size(); }

  // eio::handler
  void on_open(eio::connection& c) override;
  void on_message(eio::connection& c, eio::message&& m) override;
  void on_close(eio::connection& c, std::string_view reason) override;

 private:
  friend class socket;
  friend class nsp;
  friend class acknowledger;

  struct client {
    eio::connection* conn = nullptr;
    decoder dec;
    std::map<std::string, std::shared_ptr<socket>, std::less<>> sockets;  // by namespace
    std::optional<scheduler::clock::time_point> connect_deadline;
    bool closing = false;
  };

  void handle(client& c, packet&& p);
  void handle_connect(client& c, packet&& p);
  void handle_event(socket& s, packet&& p);
  void handle_ack(socket& s, packet&& p);
  void refuse(client& c, const std::string& nsp_name, refusal r);
  void fail(client& c, std::error_code why);
  // Detaches a socket from its client, namespace and rooms, fails its pending
  // acks and runs the disconnect handler. Sends nothing.
  void remove_socket(socket& s, std::string_view reason);
  // Runs application code. An exception from a handler (Boost.JSON's
  // as_object() on an argument of the wrong type, say) is logged and closes
  // the client it ran for, if any; it never reaches the event loop.
  template <class F>
  void guarded(client* c, const char* what, F&& f) noexcept {
    try {
      f();
    } catch (const std::exception& e) {
      handler_failed(c, what, e.what());
    } catch (...) {
      handler_failed(c, what, "unknown exception");
    }
  }
  void handler_failed(client* c, const char* what, const char* why) noexcept;
  std::string make_id();
  void arm(scheduler::clock::time_point deadline);
  void rearm();

  scheduler& sched_;
  core::logger& log_;
  server_options opts_;
  std::map<std::string, std::unique_ptr<nsp>, std::less<>> nsps_;
  std::unordered_map<eio::connection*, std::unique_ptr<client>> clients_;
  std::mt19937_64 rng_;
  std::optional<scheduler::clock::time_point> wake_;
  server_stats stats_;
};

}  // namespace hearth::web::sio

// For the program that owns the event loop (hearthd's app, the test server):
// implement sio::scheduler with one steady_timer, e.g.
//   now()       -> steady_clock::now()
//   wake_at(t)  -> timer.expires_at(t); timer.async_wait([&](ec){ if (!ec) io.tick(); });
// and hand the server to the Engine.IO server as its eio::handler for
// /socket.io/. hearth-sio-testserver additionally calls
// sio::mount_conformance_handlers(io) (sio_conformance.hpp) and builds the
// server with connect_timeout = 1000 ms.
