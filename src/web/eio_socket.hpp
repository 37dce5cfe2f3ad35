// One Engine.IO session on the wire (private to src/web): the eio::session
// state machine plus its I/O, i.e. the pending poll, the WebSocket transport,
// the probe WebSocket of an upgrade, and the heartbeat timer. It is the
// eio::connection the handler sees, and is kept alive by the session table
// and by its pending operations.
#pragma once

#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>

#include "hearth/web/eio_server.hpp"
#include "hearth/web/eio_session_table.hpp"

namespace hearth::web::detail {

class eio_socket;

// 15 bytes from OpenSSL's CSPRNG, for session ids.
void random_sid_bytes(std::array<std::uint8_t, 15>& out);

struct eio_state {
  eio_state(net::io_context& i, core::logger& l, eio::handler& h, eio_settings s);
  net::io_context& ioc;
  core::logger& log;
  eio::handler& handler;
  eio_settings settings;
  eio::session_table<std::shared_ptr<eio_socket>> table;
};

class eio_socket : public eio::connection, public std::enable_shared_from_this<eio_socket> {
public:
  eio_socket(std::shared_ptr<eio_state> state, std::string sid, eio::transport t, eio::request_info info);

  // eio::connection
  const std::string& id() const override { return session_.sid(); }
  const eio::request_info& request() const override { return info_; }
  bool send(eio::message m) override;
  bool send_all(std::vector<eio::message> ms) override;
  void close() override;
  std::size_t queued_bytes() const override { return session_.queued_bytes(); }

  eio::session& session() noexcept { return session_; }

  // After insertion in the table: starts the heartbeat, tells the handler.
  void opened(ws_link* ws);
  // A GET poll (answered now or later) and a POST body.
  void poll(const responder& r, http_response&& base);
  http_response post(std::string_view body, http_response&& base);
  // WebSocket transport and probe events.
  void attach_probe(ws_link& l);
  void on_frame(ws_link& l, std::string&& data, bool binary);
  void on_ws_closed(ws_link& l);
  // Ends the session now.
  void terminate(eio::close_reason why);

private:
  void process(eio::packet&& p, eio::source from);
  void flush();
  void answer_poll(std::string body);
  void send_ws(ws_link& l, const eio::packet& p);
  void arm_timer();
  // Heartbeat deadlines already past when a request arrives count first:
  // the loop may not have run the timer yet.
  bool expired();
  void release_held_poll(bool upgraded);
  void notify_closed(eio::close_reason why);
  void finalize();

  std::shared_ptr<eio_state> state_;
  eio::session session_;
  eio::request_info info_;
  std::optional<responder> poll_;
  http_response poll_base_;  // CORS headers for the pending poll's answer
  ws_link* ws_ = nullptr;
  ws_link* probe_ = nullptr;
  net::steady_timer timer_;
  // A poll that arrives while an upgrade is being probed is held until the
  // probe settles (or briefly): if the upgrade completes meanwhile it is a
  // poll on a transport the session has left, and gets 400 like any later one.
  net::steady_timer hold_timer_;
  bool poll_held_ = false;
  bool handler_told_ = false;  // on_close has been posted
  bool finalized_ = false;     // out of the table, I/O released
};

}  // namespace hearth::web::detail
