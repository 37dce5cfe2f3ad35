// stream_connection over TLS (proactor mode): the one instantiation of the
// connection template for tls_stream, and Asio's SSL implementation.
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "hearth/net/tls_server.hpp"
#include "tcp_connection_impl.hpp"
#include "tls_stream.hpp"

namespace hearth {

template class stream_connection<tls_stream>;

std::string tls_stream::certificate_name() const {
  SSL* ssl = stream_.native_handle();
  if (SSL_get_verify_result(ssl) != X509_V_OK) return {};
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert) return {};
  X509_NAME* subject = X509_get_subject_name(cert);
  const int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (i < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) return {};
  std::string name(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
  OPENSSL_free(utf8);
  return name;
}

void tls_server::start(tcp_socket socket, transport_context& ctx) const {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);  // MQTT packets are small and latency matters
  std::make_shared<stream_connection<tls_stream>>(tls_stream(std::move(socket), ctx_), ctx)->run();
}

}  // namespace hearth
