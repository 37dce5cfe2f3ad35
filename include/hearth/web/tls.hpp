// TLS for the HTTPS listener: the server context (TLS 1.2 or newer) from PEM
// files, and the self-signed certificate hearthd makes on first start when
// none is configured. Asio's SSL headers stay out of this header.
//
// The self-signed pair is written to <data_dir>/web-cert.pem and
// web-key.pem (0600) once and reused; its subject alternative names are the
// host name, localhost, 127.0.0.1, ::1 and the machine's addresses at the
// time it is made (delete the files to make a new one). Browsers ask the
// user to trust it once; the SHA-256 fingerprint in the log lets the user
// check that it is hearthd's.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "hearth/core/log.hpp"

namespace boost::asio::ssl {
class context;
}

namespace hearth::web {

struct cert_files {
  std::string cert_file;
  std::string key_file;
};

// Makes (if missing) and returns the self-signed pair in `data_dir`. Throws
// std::runtime_error when the files cannot be written or read.
cert_files ensure_self_signed(const std::string& data_dir, core::logger& log);

// The names a new self-signed certificate covers: host name, localhost,
// 127.0.0.1, ::1 and the addresses of the machine's interfaces.
std::vector<std::string> self_signed_names();

// A server context from PEM files; throws std::runtime_error naming the
// file at fault (a missing file, a key that does not match).
std::shared_ptr<boost::asio::ssl::context> make_server_context(const cert_files& files);

// "AB:CD:..." SHA-256 of the certificate (DER) in a PEM file.
std::string sha256_fingerprint(const std::string& cert_file);

}  // namespace hearth::web
