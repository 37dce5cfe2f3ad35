// Time for the Socket.IO server, injected so that the layer needs no Asio and
// tests drive it with fake time.
//
// The server keeps its own deadlines (a client's CONNECT timeout, a pending
// acknowledgement's timeout) and asks its scheduler to call server::tick() at
// the earliest of them. Each wake_at() replaces the previous request; a late
// or spurious tick() is harmless. The program's adapter arms one
// steady_timer per server (see the comment at the end of socketio.hpp).
#pragma once

#include <chrono>

namespace hearth::web::sio {

class scheduler {
 public:
  using clock = std::chrono::steady_clock;
  virtual ~scheduler() = default;
  virtual clock::time_point now() const = 0;
  virtual void wake_at(clock::time_point when) = 0;
};

}  // namespace hearth::web::sio
