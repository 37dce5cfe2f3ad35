// A Socket.IO server on fake connections and fake time, for the server tests.
// Messages are fed as the Engine.IO server would hand them over (the
// Engine.IO type '4' stripped): text("0") is the wire's "40".
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "hearth/core/log.hpp"
#include "hearth/web/socketio.hpp"
#include "sio_fake.hpp"

namespace hearth::test {

inline web::sio::server_options test_options() {
  web::sio::server_options o;
  o.connect_timeout = std::chrono::milliseconds(1000);
  return o;
}

struct sio_harness {
  explicit sio_harness(web::sio::server_options o = test_options()) : io(sched, log, o) {}

  fake_eio_connection& open(web::eio::request_info req = {}) {
    conns.push_back(std::make_unique<fake_eio_connection>("eio" + std::to_string(conns.size()), std::move(req)));
    io.on_open(*conns.back());
    return *conns.back();
  }
  void text(fake_eio_connection& c, std::string s) { io.on_message(c, {false, std::move(s)}); }
  void binary(fake_eio_connection& c, std::string s) { io.on_message(c, {true, std::move(s)}); }
  // What a transport does after close(): report it, once.
  void settle(fake_eio_connection& c, std::string_view reason = "forced close") {
    if (c.closed && !c.reported) {
      c.reported = true;
      io.on_close(c, reason);
    }
  }
  // Opens a session and joins `nsp_text` ("0", "0/custom,", ...); returns the
  // connection with the CONNECT reply and anything after it consumed.
  fake_eio_connection& joined(std::string nsp_text = "0") {
    auto& c = open();
    text(c, std::move(nsp_text));
    REQUIRE_FALSE(c.take().empty());
    return c;
  }
  void advance(std::chrono::milliseconds d) {
    sched.advance(d);
    io.tick();
  }

  fake_scheduler sched;
  std::string log_lines;
  core::logger log{core::log_level::debug, &log_lines};
  web::sio::server io;
  std::vector<std::unique_ptr<fake_eio_connection>> conns;
};

}  // namespace hearth::test
