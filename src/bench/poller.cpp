#include "hearth/bench/poller.hpp"

#include <errno.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <system_error>

namespace hearth::bench {

namespace {
[[noreturn]] void fail(const char* what) { throw std::system_error(errno, std::generic_category(), what); }
}  // namespace

poller::poller() {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) fail("epoll_create1");
  timerfd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timerfd_ < 0) fail("timerfd_create");
  add(timerfd_, EPOLLIN, timer_key);
}

poller::~poller() {
  if (timerfd_ >= 0) close(timerfd_);
  if (epfd_ >= 0) close(epfd_);
}

void poller::add(int fd, std::uint32_t events, std::uint64_t key) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = key;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) fail("epoll_ctl add");
}

void poller::modify(int fd, std::uint32_t events, std::uint64_t key) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = key;
  if (epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) != 0) fail("epoll_ctl mod");
}

void poller::set_deadline(std::uint64_t deadline_ns) {
  if (deadline_ns == deadline_) return;
  deadline_ = deadline_ns;
  itimerspec spec{};
  // A zero it_value disarms; a deadline already past fires at once.
  spec.it_value.tv_sec = static_cast<time_t>(deadline_ns / 1'000'000'000u);
  spec.it_value.tv_nsec = static_cast<long>(deadline_ns % 1'000'000'000u);
  if (timerfd_settime(timerfd_, TFD_TIMER_ABSTIME, &spec, nullptr) != 0) fail("timerfd_settime");
}

std::span<const epoll_event> poller::wait() {
  int n;
  do {
    n = epoll_wait(epfd_, events_.data(), static_cast<int>(events_.size()), -1);
  } while (n < 0 && errno == EINTR);
  if (n < 0) fail("epoll_wait");
  for (int i = 0; i < n; ++i) {
    if (events_[i].data.u64 == timer_key) {
      std::uint64_t expirations = 0;
      [[maybe_unused]] auto r = read(timerfd_, &expirations, sizeof expirations);
      deadline_ = 0;  // fired: the next set_deadline must re-arm even for the same time
    }
  }
  return {events_.data(), static_cast<std::size_t>(n)};
}

}  // namespace hearth::bench
