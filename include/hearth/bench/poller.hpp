// A thin epoll + timerfd wrapper for hearth-bench's single-threaded loop.
// Level-triggered: a connection registers EPOLLOUT only while it has bytes to
// write or messages to produce, so an idle socket costs no wake-ups. The
// timer is one absolute CLOCK_MONOTONIC deadline (nanosecond precision, which
// epoll_wait's millisecond timeout lacks), re-armed only when it changes.
#pragma once

#include <sys/epoll.h>

#include <array>
#include <cstdint>
#include <span>

namespace hearth::bench {

class poller {
public:
  static constexpr std::uint64_t timer_key = UINT64_MAX;

  poller();  // throws std::system_error
  ~poller();
  poller(const poller&) = delete;
  poller& operator=(const poller&) = delete;

  void add(int fd, std::uint32_t events, std::uint64_t key);
  void modify(int fd, std::uint32_t events, std::uint64_t key);

  // Sets the deadline (monotonic ns; 0 = none) that wakes wait() up.
  void set_deadline(std::uint64_t deadline_ns);
  // Blocks until an fd is ready or the deadline passes; the timer's own event
  // is consumed here and reported with key timer_key.
  std::span<const epoll_event> wait();

private:
  int epfd_ = -1;
  int timerfd_ = -1;
  std::uint64_t deadline_ = 0;
  std::array<epoll_event, 512> events_{};
};

}  // namespace hearth::bench
