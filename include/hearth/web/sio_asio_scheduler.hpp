// sio::scheduler on an Asio event loop: one steady_timer that calls
// server::tick() at the earliest deadline the server asked for.
//
// For the programs that own the io_context (hearthd's app, the test server);
// the Socket.IO layer itself stays free of Asio. Construct it, build the
// server with it, then attach(server) before the first connection arrives.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "hearth/web/socketio.hpp"

namespace hearth::web::sio {

class asio_scheduler final : public scheduler {
 public:
  explicit asio_scheduler(boost::asio::any_io_executor ex) : timer_(std::move(ex)) {}

  void attach(server& s) { server_ = &s; }
  void cancel() { timer_.cancel(); }

  clock::time_point now() const override { return clock::now(); }

  void wake_at(clock::time_point when) override {
    timer_.expires_at(when);  // cancels the previous wait
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && server_) server_->tick();
    });
  }

 private:
  boost::asio::steady_timer timer_;
  server* server_ = nullptr;
};

}  // namespace hearth::web::sio
