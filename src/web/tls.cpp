// The HTTPS server's TLS context and its self-signed certificate.
#include "hearth/web/tls.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/ssl/context.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace hearth::web {

namespace {

template <class T, void (*F)(T*)>
struct deleter {
  void operator()(T* p) const { F(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;

struct file_closer {
  void operator()(FILE* f) const { std::fclose(f); }
};

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string san_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ',';
    out += (is_ip(n) ? "IP:" : "DNS:") + n;
  }
  return out;
}

void write_pem(const std::string& path, mode_t mode, bool key, EVP_PKEY* pk, X509* cert) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp);
  std::unique_ptr<FILE, file_closer> f(::fdopen(fd, "w"));
  if (!f) {
    ::close(fd);
    throw std::runtime_error("cannot write " + tmp);
  }
  const int ok = key ? PEM_write_PrivateKey(f.get(), pk, nullptr, nullptr, 0, nullptr, nullptr)
                     : PEM_write_X509(f.get(), cert);
  if (!ok || std::fflush(f.get()) != 0 || ::fsync(::fileno(f.get())) != 0)
    throw std::runtime_error("cannot write " + tmp);
  f.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write " + path);
}

}  // namespace

std::vector<std::string> self_signed_names() {
  std::vector<std::string> names;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0 && host[0]) names.emplace_back(host);
  for (const char* n : {"localhost", "127.0.0.1", "::1"}) names.emplace_back(n);
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) == 0) {
    for (auto* a = list; a; a = a->ifa_next) {
      if (!a->ifa_addr) continue;
      char buf[INET6_ADDRSTRLEN] = {};
      if (a->ifa_addr->sa_family == AF_INET) {
        ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, buf, sizeof buf);
      } else if (a->ifa_addr->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<sockaddr_in6*>(a->ifa_addr);
        if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr)) continue;  // needs a zone; useless in a URL
        ::inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf);
      } else {
        continue;
      }
      if (buf[0] && std::find(names.begin(), names.end(), buf) == names.end()) names.emplace_back(buf);
    }
    ::freeifaddrs(list);
  }
  return names;
}

cert_files ensure_self_signed(const std::string& data_dir, core::logger& log) {
  cert_files out{data_dir + "/web-cert.pem", data_dir + "/web-key.pem"};
  std::error_code ec;
  if (std::filesystem::exists(out.cert_file, ec) && std::filesystem::exists(out.key_file, ec)) return out;

  pkey_ptr key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("cannot generate a key for the self-signed certificate");
  x509_ptr cert(X509_new());
  unsigned char serial[16];
  std::FILE* urandom = std::fopen("/dev/urandom", "rb");
  const bool got = urandom && std::fread(serial, 1, sizeof serial, urandom) == sizeof serial;
  if (urandom) std::fclose(urandom);
  if (!got) throw std::runtime_error("cannot read /dev/urandom");
  serial[0] &= 0x7f;  // a positive serial number
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_set_version(cert.get(), 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 825);  // the longest browsers accept
  X509_set_pubkey(cert.get(), key.get());
  const auto names = self_signed_names();
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Hearth"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(names.front().c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  const std::string sans = san_list(names);
  for (const auto& [nid, value] : {std::pair<int, std::string>{NID_subject_alt_name, sans},
                                   {NID_basic_constraints, "critical,CA:FALSE"},
                                   {NID_key_usage, "critical,digitalSignature"},
                                   {NID_ext_key_usage, "serverAuth"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value.c_str());
    if (!ext) throw std::runtime_error("cannot build the self-signed certificate (" + value + ")");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (!X509_sign(cert.get(), key.get(), EVP_sha256())) throw std::runtime_error("cannot sign the self-signed certificate");

  write_pem(out.key_file, 0600, true, key.get(), nullptr);
  write_pem(out.cert_file, 0644, false, nullptr, cert.get());
  log.info() << "made a self-signed certificate " << out.cert_file << " for " << sans;
  return out;
}

std::shared_ptr<boost::asio::ssl::context> make_server_context(const cert_files& files) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(files.cert_file, ec);
  if (ec) throw std::runtime_error("web certificate " + files.cert_file + ": " + ec.message());
  ctx->use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) throw std::runtime_error("web key " + files.key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw std::runtime_error("web key " + files.key_file + " does not match the certificate " + files.cert_file);
  return ctx;
}

std::string sha256_fingerprint(const std::string& cert_file) {
  std::unique_ptr<FILE, file_closer> f(std::fopen(cert_file.c_str(), "r"));
  if (!f) throw std::runtime_error("cannot read " + cert_file);
  x509_ptr cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
  if (!cert) throw std::runtime_error(cert_file + " is not a PEM certificate");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert.get(), EVP_sha256(), md, &n);
  std::string out;
  static constexpr char hex[] = "0123456789ABCDEF";
  for (unsigned int i = 0; i < n; ++i) {
    if (i) out += ':';
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

}  // namespace hearth::web
