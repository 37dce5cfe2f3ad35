// Users and their password hashes in Mosquitto's password-file format, so a
// Mosquitto installation's file works as it is, and a file hearthd writes
// works in Mosquitto:
//
//   # comments and blank lines are kept
//   alice:$7$101$<base64 salt>$<base64 hash>    PBKDF2-HMAC-SHA512 (Mosquitto 2.x)
//   bob:$6$<base64 salt>$<base64 hash>          SHA512(password || salt) (Mosquitto 1.x)
//
// Salts are 12 random bytes, hashes 64 bytes, base64 with padding. New and
// changed entries are always written as $7$ with `default_iterations`
// (Mosquitto's default, 101); $6$ is only read.
//
// Pure apart from load() and save(): parse, verify and set work on memory
// and are unit-tested. Cost: verify() runs one PBKDF2 of the entry's
// iteration count on the caller's thread (see the README for the numbers);
// an unknown user costs the same as a wrong password, so timing does not
// tell which users exist, and hashes are compared in constant time.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::core {

struct password_file_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class password_file {
public:
  static constexpr unsigned default_iterations = 101;
  // Each login runs the entry's iterations on the event loop (about 1 us each
  // on a small x86 server, several times that on a Raspberry Pi): beyond this
  // one login would stall everything for a second or more.
  static constexpr unsigned max_iterations = 1'000'000;

  // Throws password_file_error naming the line ("line 3: ...") on a line
  // that is not `user:$6$...` or `user:$7$...`, or on a repeated user.
  static password_file parse(std::string_view text);
  // Throws password_file_error naming the file.
  static password_file load(const std::string& path);

  // True when the user exists and the password matches.
  bool verify(std::string_view user, std::string_view password) const;
  bool contains(std::string_view user) const;
  std::size_t size() const noexcept;
  // The users, in file order.
  std::vector<std::string> user_names() const;

  // Adds the user, or changes its password, as a $7$ entry with a fresh
  // salt. Throws password_file_error for a user name Mosquitto cannot read
  // (empty, or containing ':' or a line break) or an iteration count of 0
  // or over max_iterations.
  void set(std::string_view user, std::string_view password, unsigned iterations = default_iterations);
  // False when there was no such user.
  bool remove(std::string_view user);

  // The file's text: entries and comments in their order, one per line.
  std::string format() const;
  // Writes format() to a temporary file beside `path` with mode 0600 and
  // renames it over `path`, so readers see the old file or the new one.
  void save(const std::string& path) const;

private:
  enum class kind { comment, sha512, pbkdf2_sha512 };
  struct entry {
    kind k = kind::comment;
    std::string user;
    std::string text;  // the whole line for a comment; else the part after "user:"
    unsigned iterations = 0;
    std::string salt;  // raw bytes
    std::string hash;  // raw bytes
  };
  static entry parse_line(std::string_view line, std::size_t number);
  static bool matches(const entry& e, std::string_view password);
  const entry* find(std::string_view user) const;
  std::vector<entry> entries_;
};

}  // namespace hearth::core
