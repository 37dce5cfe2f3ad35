// Mosquitto's password-file format: files made by Debian's mosquitto_passwd
// (2.0.11) verify here, files written here round-trip, bad lines are named.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hearth/core/password_file.hpp"

using hearth::core::password_file;
using hearth::core::password_file_error;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// Made with `mosquitto_passwd -c -b pw alice secret1` ($7$, PBKDF2-SHA512,
// 101 iterations) and `mosquitto_passwd -H sha512 -b pw bob secret2` ($6$).
constexpr std::string_view mosquitto_made =
    "alice:$7$101$iMMwU652pU26O18r$fpc6nDI+P1naVIsIwlpn3YEfstV8dQxTEccs25T8JwloEgpT//ASdfP2Vz1CI3g6w9fqBrxRUwx3Xu4cwgNOlA==\n"
    "bob:$6$c1sRRcw4i/jher7q$z6DnYyyKJFfS9lkg4T7cJWKPTSLTeqmyVX8GDKJVDCk2sB7b5fBQSaopc/S6ePzc7adPrycWGu8YCGZh94/uNA==\n";

std::string temp_dir() {
  char tmpl[] = "/tmp/hearth-pwtest-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  return tmpl;
}

}  // namespace

TEST_CASE("password file: Mosquitto's $7$ and $6$ entries verify", "[password_file]") {
  const password_file f = password_file::parse(mosquitto_made);
  CHECK(f.size() == 2);
  CHECK(f.verify("alice", "secret1"));
  CHECK(f.verify("bob", "secret2"));
  CHECK_FALSE(f.verify("alice", "secret2"));
  CHECK_FALSE(f.verify("alice", "secret1 "));
  CHECK_FALSE(f.verify("alice", ""));
  CHECK_FALSE(f.verify("bob", "secret1"));
  CHECK_FALSE(f.verify("carol", "secret1"));
  CHECK_FALSE(f.verify("Alice", "secret1"));
  CHECK(f.contains("alice"));
  CHECK_FALSE(f.contains("carol"));
}

TEST_CASE("password file: set writes $7$ entries that verify and round-trip", "[password_file]") {
  password_file f = password_file::parse("# users of the house\n\n" + std::string(mosquitto_made));
  f.set("carol", "p\xc3\xa4ss:word");  // any bytes, ':' included
  f.set("alice", "changed");
  const std::string text = f.format();
  // Comments and order are kept; alice changed in place.
  CHECK_THAT(text, StartsWith("# users of the house\n\nalice:$7$101$"));
  CHECK(text.find("bob:$6$c1sRRcw4i/jher7q$") != std::string::npos);
  const auto carol = text.find("carol:$7$101$");
  REQUIRE(carol != std::string::npos);
  // 12 bytes of salt and 64 of hash, base64: 16 and 88 characters.
  const std::string line = text.substr(carol, text.find('\n', carol) - carol);
  CHECK(line.size() == std::string("carol:$7$101$").size() + 16 + 1 + 88);

  const password_file back = password_file::parse(text);
  CHECK(back.size() == 3);
  CHECK(back.user_names() == std::vector<std::string>{"alice", "bob", "carol"});
  CHECK(back.verify("alice", "changed"));
  CHECK_FALSE(back.verify("alice", "secret1"));
  CHECK(back.verify("bob", "secret2"));
  CHECK(back.verify("carol", "p\xc3\xa4ss:word"));
  CHECK(back.format() == text);

  // A fresh salt each time: the same password never gives the same line.
  password_file a;
  password_file b;
  a.set("u", "same");
  b.set("u", "same");
  CHECK(a.format() != b.format());

  password_file many;
  many.set("u", "pw", 1000);
  CHECK_THAT(many.format(), StartsWith("u:$7$1000$"));
  CHECK(password_file::parse(many.format()).verify("u", "pw"));
}

TEST_CASE("password file: remove", "[password_file]") {
  password_file f = password_file::parse(mosquitto_made);
  CHECK(f.remove("alice"));
  CHECK_FALSE(f.remove("alice"));
  CHECK(f.size() == 1);
  CHECK_FALSE(f.verify("alice", "secret1"));
  CHECK(f.format() == std::string(mosquitto_made.substr(mosquitto_made.find("bob:"))));
}

TEST_CASE("password file: CRLF, trailing blanks and comments are accepted", "[password_file]") {
  std::string text = "# comment\r\n\r\n";
  text += std::string(mosquitto_made.substr(0, mosquitto_made.find('\n'))) + "  \r\n";
  const password_file f = password_file::parse(text);
  CHECK(f.size() == 1);
  CHECK(f.verify("alice", "secret1"));
  CHECK(password_file::parse("").size() == 0);
}

TEST_CASE("password file: bad lines are refused, naming the line", "[password_file][malformed]") {
  const std::string good(mosquitto_made.substr(0, mosquitto_made.find('\n') + 1));
  auto fails = [&](const std::string& line, const std::string& why) {
    INFO(line);
    CHECK_THROWS_WITH(password_file::parse(good + line), Contains("line 2: ") && Contains(why));
  };
  fails("nocolon", "found no ':'");
  fails(":$7$101$iMMwU652pU26O18r$" + std::string(88, 'A'), "empty user name");
  fails("dave:plaintext", "not a hashed password");
  fails("dave:$5$abc$def", "unknown hash format");
  fails("dave:$7$101$iMMwU652pU26O18r", "unknown hash format");  // a field missing
  fails("dave:$7$0$iMMwU652pU26O18r$" + std::string(88, 'A'), "bad iteration count '0'");
  fails("dave:$7$ten$iMMwU652pU26O18r$" + std::string(88, 'A'), "bad iteration count 'ten'");
  fails("dave:$7$99999999999$iMMwU652pU26O18r$" + std::string(88, 'A'), "bad iteration count");
  fails("dave:$7$101$not*base64!!$" + std::string(88, 'A'), "the salt is not base64");
  fails("dave:$7$101$iMMwU652pU26O18r$AAAA", "the hash is not 64 bytes");
  fails("dave:$6$iMMwU652pU26O18r$" + std::string(87, 'A'), "the hash is not 64 bytes");
  fails(good, "user 'alice' appears twice");
}

TEST_CASE("password file: set refuses names Mosquitto cannot read", "[password_file][malformed]") {
  password_file f;
  CHECK_THROWS_AS(f.set("", "pw"), password_file_error);
  CHECK_THROWS_WITH(f.set("a:b", "pw"), Contains("contains ':'"));
  CHECK_THROWS_WITH(f.set("a\nb", "pw"), Contains("line break"));
  CHECK_THROWS_AS(f.set("a", "pw", 0), password_file_error);
  CHECK(f.size() == 0);
}

TEST_CASE("password file: save writes mode 0600 atomically, load reads it back", "[password_file]") {
  const std::string dir = temp_dir();
  const std::string path = dir + "/passwd";
  {
    std::ofstream old(path);
    old << "# old\n";
  }
  ::chmod(path.c_str(), 0644);
  password_file f;
  f.set("alice", "secret");
  f.save(path);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  const password_file back = password_file::load(path);
  CHECK(back.verify("alice", "secret"));
  CHECK_THROWS_WITH(password_file::load(dir + "/missing"), Contains(dir + "/missing") && Contains("cannot read"));
  {
    std::ofstream bad(path);
    bad << "alice:secret\n";
  }
  CHECK_THROWS_WITH(password_file::load(path), Contains(path + ": line 1: user 'alice': not a hashed password"));
  CHECK_THROWS_AS(f.save(dir + "/no/such/dir/passwd"), password_file_error);
  std::filesystem::remove_all(dir);
}
