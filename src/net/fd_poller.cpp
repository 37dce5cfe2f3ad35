#include "hearth/net/fd_poller.hpp"

#include <cerrno>
#include <system_error>

#include <unistd.h>

#include <boost/asio/post.hpp>

namespace hearth {

namespace {

std::uint32_t epoll_mask(std::uint8_t wanted) {
  std::uint32_t m = 0;
  if (wanted & fd_poller::read) m |= EPOLLIN;
  if (wanted & fd_poller::write) m |= EPOLLOUT;
  return m;  // EPOLLERR and EPOLLHUP are always reported
}

}  // namespace

fd_poller::fd_poller(executor ex) : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)), descriptor_(ex) {
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  descriptor_.assign(epoll_fd_);  // owns it from here
  wait();
}

fd_poller::~fd_poller() = default;

void fd_poller::add(int fd, watcher& w, std::uint8_t wanted) {
  epoll_event ev{};
  ev.events = epoll_mask(wanted);
  ev.data.ptr = &w;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0)
    throw std::system_error(errno, std::generic_category(), "epoll_ctl(ADD)");
}

void fd_poller::set(int fd, watcher& w, std::uint8_t wanted) noexcept {
  epoll_event ev{};
  ev.events = epoll_mask(wanted);
  ev.data.ptr = &w;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);  // fails only for an fd not added: a bug, not an event
}

void fd_poller::remove(int fd, watcher& w) noexcept {
  epoll_event ev{};
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, &ev);
  // Its events later in this batch must not reach it: it may be gone by then.
  for (int i = 0; i < batch_count_; ++i)
    if (events_[static_cast<std::size_t>(i)].data.ptr == &w) events_[static_cast<std::size_t>(i)].data.ptr = nullptr;
}

bool fd_poller::defer_flush(std::shared_ptr<watcher> w) {
  if (!in_batch_) return false;
  flush_.push_back(std::move(w));
  return true;
}

void fd_poller::stop() noexcept {
  stopped_ = true;
  boost::system::error_code ignored;
  descriptor_.cancel(ignored);
}

void fd_poller::wait() {
  descriptor_.async_wait(net::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    poll_once();
  });
}

void fd_poller::poll_once() {
  const int n = ::epoll_wait(epoll_fd_, events_.data(), batch_size, 0);
  if (n <= 0) {
    // Nothing ready (or EINTR): sleep until the set says otherwise.
    if (!stopped_) wait();
    return;
  }
  // Whatever a handler throws, the poller goes on polling afterwards:
  // otherwise every plain TCP connection would wait forever.
  struct next_round {
    fd_poller& p;
    ~next_round() {
      p.batch_count_ = 0;
      p.in_batch_ = false;
      p.flush_.clear();
      // Poll again after whatever else is queued: level-triggered sockets
      // that are still ready come back, and the set is empty before we sleep.
      if (!p.stopped_) net::post(p.descriptor_.get_executor(), [&p = p] { p.poll_once(); });
    }
  } guard{*this};
  batch_count_ = n;
  in_batch_ = true;
  for (int i = 0; i < n; ++i) {
    const epoll_event& ev = events_[static_cast<std::size_t>(i)];
    if (auto* w = static_cast<watcher*>(ev.data.ptr)) w->on_ready(ev.events);
  }
  batch_count_ = 0;
  // Writes queued from here on (a flush that spent its budget, a drained
  // subscriber's publishers) are posted as usual, behind other work.
  in_batch_ = false;
  for (std::size_t i = 0; i < flush_.size(); ++i) flush_[i]->on_flush();
}

}  // namespace hearth
