#include "hearth/net/raw_tcp.hpp"

#include <algorithm>
#include <array>
#include <cerrno>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <boost/asio/error.hpp>

namespace hearth {

namespace {

boost::system::error_code last_error() { return {errno, boost::system::system_category()}; }

}  // namespace

void raw_tcp::prepare(boost::system::error_code& ec) noexcept {
  ec.clear();
  const int flags = ::fcntl(fd_, F_GETFL, 0);
  if (flags < 0 || ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK) != 0) {
    ec = last_error();
    return;
  }
  // Without TCP_NODELAY the connection still works (with Nagle's delays):
  // not a reason to refuse a client.
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

tcp::endpoint raw_tcp::remote_endpoint(boost::system::error_code& ec) const {
  ec.clear();
  tcp::endpoint ep;
  socklen_t len = static_cast<socklen_t>(ep.capacity());
  if (::getpeername(fd_, ep.data(), &len) != 0) {
    ec = last_error();
    return {};
  }
  ep.resize(len);
  return ep;
}

std::size_t raw_tcp::read_some(char* data, std::size_t size, boost::system::error_code& ec) noexcept {
  for (;;) {
    const ssize_t n = ::recv(fd_, data, size, 0);
    if (n > 0) {
      ec.clear();
      return static_cast<std::size_t>(n);
    }
    if (n == 0) {
      ec = net::error::eof;
      return 0;
    }
    if (errno == EINTR) continue;
    ec = last_error();
    return 0;
  }
}

std::size_t raw_tcp::write_some(std::span<const net::const_buffer> pieces, boost::system::error_code& ec) noexcept {
  std::array<iovec, 64> iov;
  const std::size_t count = std::min(pieces.size(), iov.size());
  for (std::size_t i = 0; i < count; ++i) {
    iov[i].iov_base = const_cast<void*>(pieces[i].data());
    iov[i].iov_len = pieces[i].size();
  }
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = count;
  for (;;) {
    const ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      ec.clear();
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    ec = last_error();
    return 0;
  }
}

void raw_tcp::close() noexcept {
  if (fd_ < 0) return;
  ::shutdown(fd_, SHUT_RDWR);
  ::close(std::exchange(fd_, -1));
}

}  // namespace hearth
