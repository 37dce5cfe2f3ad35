// An epoll set of hearthd's own for the plain-TCP MQTT connections, waited
// on through the io_context like any other descriptor.
//
// Why not Asio's reactor for these sockets: for every socket it keeps a
// descriptor_state (168 bytes, a mutex and three operation queues), and an
// idle connection also keeps a pending wait operation (about 100 bytes more).
// With thousands of mostly silent sensors that is most of a connection's
// memory; Mosquitto keeps none of it. Here a socket costs its epoll entry in
// the kernel and a pointer back to its watcher.
//
// Level-triggered: a watcher states which readiness it wants (set()), and is
// told through on_ready() as long as that holds. After each batch the poller
// polls again, without sleeping, until the set has nothing ready; only then
// does it wait through Asio, so a socket left readable (its read budget spent)
// is served on the next round, after the loop's other handlers.
//
// Writes produced by a batch go out right after it: a watcher that queued
// output while the batch ran asks for defer_flush() and its on_flush() runs
// once the batch's events are handled. That is the coalescing point (one
// gather write per connection for everything the batch produced) without a
// trip through the io_context's queue, whose reactor poll would otherwise
// sit between a publish read and its delivery.
//
// Watchers must stay alive while registered (remove() before destroying);
// within one batch, a watcher destroyed by another's handler is not called:
// its events are dropped when it is removed.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include <sys/epoll.h>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "hearth/net/net.hpp"

namespace hearth {

class fd_poller {
public:
  class watcher {
  public:
    virtual void on_ready(std::uint32_t events) = 0;  // EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP
    virtual void on_flush() {}                        // after the batch, if it asked (defer_flush)

  protected:
    ~watcher() = default;
  };

  enum interest : std::uint8_t { none = 0, read = 1, write = 2 };

  explicit fd_poller(executor ex);
  ~fd_poller();
  fd_poller(const fd_poller&) = delete;
  fd_poller& operator=(const fd_poller&) = delete;

  // Registers `fd` with the readiness it wants now. Throws std::system_error
  // when the kernel refuses (out of memory, too many watches).
  void add(int fd, watcher& w, std::uint8_t wanted);
  // Changes what `fd` wants (both registered with add()).
  void set(int fd, watcher& w, std::uint8_t wanted) noexcept;
  // Unregisters `fd` (before it is closed) and forgets events of this batch
  // for `w`.
  void remove(int fd, watcher& w) noexcept;

  // While a batch's events are handled: keeps `w` for an on_flush() call
  // right after them and returns true. Otherwise false (the caller posts).
  bool defer_flush(std::shared_ptr<watcher> w);

  void stop() noexcept;
  executor get_executor() noexcept { return descriptor_.get_executor(); }

private:
  static constexpr int batch_size = 128;
  void wait();
  void poll_once();

  int epoll_fd_;
  net::posix::basic_stream_descriptor<executor> descriptor_;
  std::array<epoll_event, batch_size> events_{};
  int batch_count_ = 0;  // events_ being dispatched, [0, batch_count_)
  bool in_batch_ = false;
  std::vector<std::shared_ptr<watcher>> flush_;
  bool stopped_ = false;
};

}  // namespace hearth
