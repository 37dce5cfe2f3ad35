// Fakes for the Socket.IO server tests: an eio::connection that records what
// the server sends and whether it asked to close, and a scheduler with a hand
// driven clock. Like a real transport, the fake reports a close to the
// handler only when the test says so (settle()), as a real one posts it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hearth/web/engine_io.hpp"
#include "hearth/web/sio_scheduler.hpp"

namespace hearth::test {

class fake_eio_connection final : public web::eio::connection {
 public:
  explicit fake_eio_connection(std::string id, web::eio::request_info req = {})
      : id_(std::move(id)), request_(std::move(req)) {}

  const std::string& id() const override { return id_; }
  const web::eio::request_info& request() const override { return request_; }
  bool send(web::eio::message m) override {
    if (closed || refuse_sends) return false;
    sent.push_back(std::move(m));
    return true;
  }
  bool send_all(std::vector<web::eio::message> ms) override {
    if (closed || refuse_sends) return false;
    for (auto& m : ms) sent.push_back(std::move(m));
    return true;
  }
  bool send_shared(const std::shared_ptr<const std::vector<web::eio::message>>& ms) override {
    last_shared = ms;
    return send_all(*ms);
  }
  void close() override { closed = true; }
  std::size_t queued_bytes() const override { return 0; }

  // The text of every message sent so far (binary ones as "<bin:...>"), and
  // forgets them.
  std::vector<std::string> take() {
    std::vector<std::string> out;
    for (auto& m : sent) out.push_back(m.binary ? "<bin:" + m.data + ">" : m.data);
    sent.clear();
    return out;
  }

  std::vector<web::eio::message> sent;
  std::shared_ptr<const std::vector<web::eio::message>> last_shared;
  bool closed = false;
  bool reported = false;  // on_close delivered (sio_harness::settle)
  bool refuse_sends = false;

 private:
  std::string id_;
  web::eio::request_info request_;
};

class fake_scheduler final : public web::sio::scheduler {
 public:
  clock::time_point now() const override { return now_; }
  void wake_at(clock::time_point when) override { requested = when; }

  void advance(std::chrono::milliseconds d) { now_ += d; }

  std::optional<clock::time_point> requested;

 private:
  clock::time_point now_{std::chrono::hours(1)};
};

}  // namespace hearth::test
