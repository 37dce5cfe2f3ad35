// Builds the OpenSSL server context for mqtts from the [tls] settings. Each
// failure names the setting and the file, since a wrong path or a key that
// does not match its certificate is the usual mistake.
#include "hearth/net/tls_server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

namespace hearth {

namespace {

std::string openssl_reason(const boost::system::system_error& e) {
  // Asio's message for an OpenSSL error is the reason string, and the
  // library ("system library", "PEM routines") after it, which helps.
  return e.code().message();
}

std::shared_ptr<net::ssl::context> make_context(const core::tls_config& cfg) {
  auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  // TLS 1.2 and 1.3 only: 1.0 and 1.1 are deprecated (RFC 8996).
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
    throw core::config_error("tls: cannot set the minimum protocol version to TLS 1.2");
  // An idle connection gives OpenSSL's record buffers back (about 34 KiB).
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                   net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                   net::ssl::context::single_dh_use | SSL_OP_NO_RENEGOTIATION);
  auto load = [](const char* key, const std::string& file, auto&& fn) {
    try {
      fn();
    } catch (const boost::system::system_error& e) {
      throw core::config_error("tls." + std::string(key) + ": cannot load " + file + ": " + openssl_reason(e));
    }
  };
  load("cert_file", cfg.cert_file, [&] { ctx->use_certificate_chain_file(cfg.cert_file); });
  load("key_file", cfg.key_file, [&] { ctx->use_private_key_file(cfg.key_file, net::ssl::context::pem); });
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    throw core::config_error("tls.key_file: " + cfg.key_file + " does not match the certificate in " +
                             cfg.cert_file);
  }
  if (!cfg.ca_file.empty()) load("ca_file", cfg.ca_file, [&] { ctx->load_verify_file(cfg.ca_file); });
  if (cfg.require_certificate) {
    ctx->set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
    // Resumed sessions of verified clients need an id context, or OpenSSL
    // refuses them.
    static constexpr unsigned char id[] = "hearth-mqtts";
    SSL_CTX_set_session_id_context(native, id, sizeof id - 1);
  } else {
    ctx->set_verify_mode(net::ssl::verify_none);
  }
  return ctx;
}

}  // namespace

tls_server::tls_server(const core::tls_config& cfg) : ctx_(make_context(cfg)) {}

tls_server::~tls_server() = default;

void tls_server::reload(const core::tls_config& cfg) { ctx_ = make_context(cfg); }

}  // namespace hearth
