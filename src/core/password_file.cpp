// Mosquitto's password file (see the header), with OpenSSL's PBKDF2, SHA512,
// base64 and constant-time comparison.
#include "hearth/core/password_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace hearth::core {

namespace {

constexpr std::size_t salt_length = 12;  // Mosquitto's SALT_LEN
constexpr std::size_t hash_length = 64;  // SHA512

std::string base64_encode(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// Standard base64 with padding; false on anything else.
bool base64_decode(std::string_view text, std::string& out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  out.assign(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  std::size_t pad = 0;
  if (text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return true;
}

std::string pbkdf2_sha512(std::string_view password, std::string_view salt, unsigned iterations) {
  std::string out(hash_length, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        static_cast<int>(iterations), EVP_sha512(), static_cast<int>(hash_length),
                        reinterpret_cast<unsigned char*>(out.data())) != 1)
    throw password_file_error("PBKDF2 failed");
  return out;
}

std::string salted_sha512(std::string_view password, std::string_view salt) {
  std::string input;
  input.reserve(password.size() + salt.size());
  input.append(password).append(salt);
  std::string out(hash_length, '\0');
  unsigned int n = 0;
  if (EVP_Digest(input.data(), input.size(), reinterpret_cast<unsigned char*>(out.data()), &n, EVP_sha512(),
                 nullptr) != 1)
    throw password_file_error("SHA512 failed");
  OPENSSL_cleanse(input.data(), input.size());
  return out;
}

void check_user_name(std::string_view user) {
  if (user.empty()) throw password_file_error("the user name is empty");
  if (user.find_first_of(":\r\n") != std::string_view::npos)
    throw password_file_error("user name '" + std::string(user) + "' contains ':' or a line break");
}

}  // namespace

password_file::entry password_file::parse_line(std::string_view line, std::size_t number) {
  auto bad = [number](const std::string& why) -> password_file_error {
    return password_file_error("line " + std::to_string(number) + ": " + why);
  };
  entry e;
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) throw bad("expected user:$7$... or user:$6$..., found no ':'");
  e.user = std::string(line.substr(0, colon));
  if (e.user.empty()) throw bad("empty user name");
  std::string_view rest = line.substr(colon + 1);
  e.text = std::string(rest);
  // $7$<iterations>$<salt>$<hash> or $6$<salt>$<hash>
  std::vector<std::string_view> fields;
  if (!rest.starts_with('$')) throw bad("user '" + e.user + "': not a hashed password (plain text is not accepted)");
  rest.remove_prefix(1);
  for (;;) {
    const auto dollar = rest.find('$');
    fields.push_back(rest.substr(0, dollar));
    if (dollar == std::string_view::npos) break;
    rest.remove_prefix(dollar + 1);
  }
  std::string_view salt;
  std::string_view hash;
  if (fields[0] == "7" && fields.size() == 4) {
    e.k = kind::pbkdf2_sha512;
    const std::string_view it = fields[1];
    const auto [end, ec] = std::from_chars(it.data(), it.data() + it.size(), e.iterations);
    if (it.empty() || ec != std::errc() || end != it.data() + it.size() || e.iterations == 0 ||
        e.iterations > max_iterations)
      throw bad("user '" + e.user + "': bad iteration count '" + std::string(it) + "' (1 to " +
                std::to_string(max_iterations) + ")");
    salt = fields[2];
    hash = fields[3];
  } else if (fields[0] == "6" && fields.size() == 3) {
    e.k = kind::sha512;
    salt = fields[1];
    hash = fields[2];
  } else {
    throw bad("user '" + e.user + "': unknown hash format (expected $7$ or $6$)");
  }
  if (!base64_decode(salt, e.salt)) throw bad("user '" + e.user + "': the salt is not base64");
  if (!base64_decode(hash, e.hash) || e.hash.size() != hash_length)
    throw bad("user '" + e.user + "': the hash is not 64 bytes of base64");
  return e;
}

password_file password_file::parse(std::string_view text) {
  password_file f;
  std::size_t number = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    // Mosquitto ignores trailing white space and CR (files edited on Windows).
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    if (line.empty() || line.front() == '#') {
      f.entries_.push_back(entry{kind::comment, {}, std::string(line), 0, {}, {}});
      continue;
    }
    entry e = parse_line(line, number);
    if (f.find(e.user))
      throw password_file_error("line " + std::to_string(number) + ": user '" + e.user + "' appears twice");
    f.entries_.push_back(std::move(e));
  }
  // A last empty line is the file's final newline, not a line of its own.
  if (!f.entries_.empty() && f.entries_.back().k == kind::comment && f.entries_.back().text.empty())
    f.entries_.pop_back();
  return f;
}

password_file password_file::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw password_file_error("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parse(text.str());
  } catch (const password_file_error& e) {
    throw password_file_error(path + ": " + e.what());
  }
}

const password_file::entry* password_file::find(std::string_view user) const {
  for (const entry& e : entries_)
    if (e.k != kind::comment && e.user == user) return &e;
  return nullptr;
}

bool password_file::contains(std::string_view user) const { return find(user) != nullptr; }

std::size_t password_file::size() const noexcept {
  std::size_t n = 0;
  for (const entry& e : entries_) n += e.k != kind::comment;
  return n;
}

std::vector<std::string> password_file::user_names() const {
  std::vector<std::string> out;
  for (const entry& e : entries_)
    if (e.k != kind::comment) out.push_back(e.user);
  return out;
}

bool password_file::matches(const entry& e, std::string_view password) {
  const std::string computed =
      e.k == kind::pbkdf2_sha512 ? pbkdf2_sha512(password, e.salt, e.iterations) : salted_sha512(password, e.salt);
  return computed.size() == e.hash.size() && CRYPTO_memcmp(computed.data(), e.hash.data(), e.hash.size()) == 0;
}

bool password_file::verify(std::string_view user, std::string_view password) const {
  if (const entry* e = find(user)) return matches(*e, password);
  // An unknown user costs what a wrong password costs, so that the time of
  // the answer does not tell which users exist.
  static const entry dummy{kind::pbkdf2_sha512, {}, {}, default_iterations, std::string(salt_length, 's'),
                           std::string(hash_length, 'h')};
  (void)matches(dummy, password);
  return false;
}

void password_file::set(std::string_view user, std::string_view password, unsigned iterations) {
  check_user_name(user);
  if (iterations == 0 || iterations > max_iterations)
    throw password_file_error("iterations must be between 1 and " + std::to_string(max_iterations));
  entry e;
  e.k = kind::pbkdf2_sha512;
  e.user = std::string(user);
  e.iterations = iterations;
  e.salt.assign(salt_length, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(e.salt.data()), static_cast<int>(salt_length)) != 1)
    throw password_file_error("no random bytes for the salt");
  e.hash = pbkdf2_sha512(password, e.salt, iterations);
  e.text = "$7$" + std::to_string(iterations) + "$" + base64_encode(e.salt) + "$" + base64_encode(e.hash);
  for (entry& old : entries_) {
    if (old.k != kind::comment && old.user == user) {
      old = std::move(e);
      return;
    }
  }
  entries_.push_back(std::move(e));
}

bool password_file::remove(std::string_view user) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->k != kind::comment && it->user == user) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

std::string password_file::format() const {
  std::string out;
  for (const entry& e : entries_) {
    if (e.k != kind::comment) out.append(e.user).push_back(':');
    out.append(e.text).push_back('\n');
  }
  return out;
}

void password_file::save(const std::string& path) const {
  const std::string text = format();
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw password_file_error("cannot write " + tmp + ": " + std::strerror(errno));
  auto fail = [&](const char* what) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    throw password_file_error(std::string("cannot ") + what + " " + tmp + ": " + std::strerror(err));
  };
  if (::fchmod(fd, 0600) != 0) fail("chmod");  // O_CREAT's mode does not apply to an existing file
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail("sync");
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw password_file_error("cannot write " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw password_file_error("cannot replace " + path + ": " + std::strerror(err));
  }
}

}  // namespace hearth::core
