// A connected TCP socket as a bare file descriptor: the stream of the plain
// TCP MQTT connections (reactor mode of stream_connection), which wait for
// readiness on the transport's fd_poller instead of Asio's reactor. Only
// what they need: non-blocking reads into a caller's buffer, gather writes,
// the peer's address, and closing. Errors come back as Asio's error codes
// (would_block, eof, ...), so the connection code reads as before.
#pragma once

#include <cstddef>
#include <span>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include "hearth/net/net.hpp"

namespace hearth {

class raw_tcp {
public:
  explicit raw_tcp(int fd) noexcept : fd_(fd) {}
  raw_tcp(raw_tcp&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  raw_tcp& operator=(raw_tcp&&) = delete;
  ~raw_tcp() { close(); }

  int fd() const noexcept { return fd_; }
  bool is_open() const noexcept { return fd_ >= 0; }

  // O_NONBLOCK (its failure is the error) and TCP_NODELAY (MQTT packets are
  // small and latency matters; best effort).
  void prepare(boost::system::error_code& ec) noexcept;
  tcp::endpoint remote_endpoint(boost::system::error_code& ec) const;

  // recv(): 0 bytes read is reported as net::error::eof.
  std::size_t read_some(char* data, std::size_t size, boost::system::error_code& ec) noexcept;
  // sendmsg() of up to IOV_MAX pieces, without SIGPIPE.
  std::size_t write_some(std::span<const net::const_buffer> pieces, boost::system::error_code& ec) noexcept;

  // shutdown() then close(); pending readiness ends with the fd.
  void close() noexcept;

private:
  int fd_;
};

}  // namespace hearth
