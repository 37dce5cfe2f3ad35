// TLS for the mqtts listener: the server context built from the [tls]
// settings, and the hand-over of an accepted socket to a TLS connection.
//
// TLS 1.2 is the minimum. With require_certificate, a client must present
// a certificate signed by ca_file (else the handshake fails); its CN is then
// offered to the authenticator (link::certificate_name), which may use it as
// the user name (use_identity_as_username).
//
// reload() builds a new context from the files (a renewed certificate) and
// swaps it in for new connections only; on any error the old one stays and
// the error is thrown. Asio's SSL headers stay out of this header.
#pragma once

#include <memory>

#include "hearth/core/config.hpp"
#include "hearth/net/net.hpp"

namespace boost::asio::ssl {
class context;
}

namespace hearth {

class transport_context;

class tls_server {
public:
  // Throws core::config_error naming the setting and file at fault.
  explicit tls_server(const core::tls_config& cfg);
  ~tls_server();
  tls_server(const tls_server&) = delete;
  tls_server& operator=(const tls_server&) = delete;

  void reload(const core::tls_config& cfg);

  // Takes over an accepted socket: TLS handshake (within the transport's
  // handshake_timeout), then MQTT.
  void start(tcp_socket socket, transport_context& ctx) const;

private:
  std::shared_ptr<boost::asio::ssl::context> ctx_;
};

}  // namespace hearth
