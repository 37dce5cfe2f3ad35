// One connection from the agent to the central: resolve, connect, TLS
// handshake (optional), then a read loop and one write in flight.
//
// Asio stays in connection.cpp. The owner implements connection_handler and
// keeps a shared_ptr to the current connection; a connection lives as long
// as an operation holds shared_from_this(). After close() no callback runs,
// so an old connection can never disturb the next one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "hearth/agent/config.hpp"
#include "hearth/net/net.hpp"

namespace boost::asio::ssl {
class context;
}

namespace hearth::agent {

class connection_handler {
public:
  virtual ~connection_handler() = default;
  virtual void on_connection_up() = 0;
  virtual void on_connection_bytes(std::string_view bytes) = 0;
  virtual void on_connection_down(std::error_code why) = 0;  // called once
};

// Builds the TLS client context: peer verification against ca_file (or the
// system store), the optional client certificate. Throws on unreadable files.
std::shared_ptr<net::ssl::context> make_tls_context(const central_config& c);

class connection {
public:
  virtual ~connection() = default;
  virtual void start() = 0;
  virtual void write(std::string bytes) = 0;  // queued; written in order
  // Closes after the queued bytes are written (flush) or at once.
  virtual void close(bool flush) = 0;
  // True once the socket is closed (after a flushing close: once the peer
  // has closed its side too, or a deadline passed).
  virtual bool finished() const = 0;
};

// `tls` null = plain TCP. `connect_timeout` bounds resolve+connect+handshake.
std::shared_ptr<connection> make_connection(net::io_context& ioc, const central_config& c,
                                            std::shared_ptr<net::ssl::context> tls, connection_handler& h,
                                            std::chrono::seconds connect_timeout);

}  // namespace hearth::agent
