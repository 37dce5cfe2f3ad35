// fd_poller, the epoll set of the plain TCP connections, on socket pairs:
// level-triggered readiness, interest changes, and a watcher removed by
// another one's handler within the same batch (it must not be called).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include "hearth/net/fd_poller.hpp"

using hearth::fd_poller;
using namespace std::chrono_literals;

namespace {

struct socket_pair {
  int fd[2] = {-1, -1};
  socket_pair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) == 0); }
  ~socket_pair() {
    ::close(fd[0]);
    ::close(fd[1]);
  }
};

struct recorder : fd_poller::watcher {
  int calls = 0;
  std::uint32_t last = 0;
  std::function<void()> then;
  void on_ready(std::uint32_t events) override {
    ++calls;
    last = events;
    if (then) then();
  }
};

}  // namespace

TEST_CASE("fd_poller: reports what is wanted, as long as it holds", "[poller]") {
  boost::asio::io_context ioc;
  fd_poller poller(ioc.get_executor());
  socket_pair sp;
  recorder r;
  poller.add(sp.fd[0], r, fd_poller::none);
  REQUIRE(::write(sp.fd[1], "x", 1) == 1);
  ioc.run_for(30ms);
  CHECK(r.calls == 0);  // readable, but not asked for

  poller.set(sp.fd[0], r, fd_poller::read);
  char c = 0;
  r.then = [&] {
    if (r.calls == 3) REQUIRE(::read(sp.fd[0], &c, 1) == 1);  // level-triggered: back until read
  };
  ioc.restart();
  ioc.run_for(50ms);
  CHECK(r.calls == 3);
  CHECK(c == 'x');
  CHECK((r.last & EPOLLIN) != 0);

  r.then = nullptr;
  poller.set(sp.fd[0], r, fd_poller::write);  // a socket with room to write
  ioc.restart();
  ioc.run_for(10ms);
  CHECK(r.calls > 3);
  CHECK((r.last & EPOLLOUT) != 0);
  poller.remove(sp.fd[0], r);
  poller.stop();
}

TEST_CASE("fd_poller: a watcher removed during a batch is not called", "[poller]") {
  boost::asio::io_context ioc;
  fd_poller poller(ioc.get_executor());
  socket_pair a, b;
  recorder ra, rb;
  char c = 0;
  ra.then = [&] {
    REQUIRE(::read(a.fd[0], &c, 1) == 1);
    poller.remove(b.fd[0], rb);
  };
  rb.then = [&] {
    REQUIRE(::read(b.fd[0], &c, 1) == 1);
    poller.remove(a.fd[0], ra);
  };
  poller.add(a.fd[0], ra, fd_poller::read);
  poller.add(b.fd[0], rb, fd_poller::read);
  REQUIRE(::write(a.fd[1], "x", 1) == 1);
  REQUIRE(::write(b.fd[1], "y", 1) == 1);
  ioc.run_for(30ms);
  // Both were ready in the same batch; whichever ran first removed the other.
  CHECK(ra.calls + rb.calls == 1);
  poller.stop();
}

TEST_CASE("fd_poller: flushes asked for during a batch run right after it", "[poller]") {
  boost::asio::io_context ioc;
  fd_poller poller(ioc.get_executor());
  struct flusher : recorder {
    std::vector<std::string>* log = nullptr;
    void on_flush() override { log->push_back("flush"); }
  };
  std::vector<std::string> log;
  socket_pair a, b;
  auto fa = std::make_shared<flusher>();
  auto fb = std::make_shared<flusher>();
  fa->log = fb->log = &log;
  char c = 0;
  fa->then = [&] {
    REQUIRE(::read(a.fd[0], &c, 1) == 1);
    log.push_back("a");
    CHECK(poller.defer_flush(fa));
  };
  fb->then = [&] {
    REQUIRE(::read(b.fd[0], &c, 1) == 1);
    log.push_back("b");
  };
  poller.add(a.fd[0], *fa, fd_poller::read);
  poller.add(b.fd[0], *fb, fd_poller::read);
  CHECK_FALSE(poller.defer_flush(fa));  // outside a batch: the caller posts
  REQUIRE(::write(a.fd[1], "x", 1) == 1);
  REQUIRE(::write(b.fd[1], "y", 1) == 1);
  ioc.run_for(30ms);
  // One flush, after both events of the batch (in whichever order they came).
  REQUIRE(log.size() == 3);
  CHECK(log.back() == "flush");
  poller.remove(a.fd[0], *fa);
  poller.remove(b.fd[0], *fb);
  poller.stop();
}
