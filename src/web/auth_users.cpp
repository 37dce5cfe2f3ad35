#include "hearth/web/auth_users.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <openssl/evp.h>

#include "hearth/web/auth.hpp"

namespace hearth::web {

std::string_view to_string(role r) noexcept { return r == role::admin ? "admin" : "member"; }

std::optional<role> parse_role(std::string_view s) noexcept {
  if (s == "admin") return role::admin;
  if (s == "member") return role::member;
  return std::nullopt;
}

std::string sha256_hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(digits[md[i] >> 4]);
    out.push_back(digits[md[i] & 15]);
  }
  return out;
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  auto fail = [&](const char* what) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error(path + ": cannot " + what + ": " + why);
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail("create");
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0600) != 0 || ::fsync(fd) != 0) {
    ::close(fd);
    fail("write");
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename");
}

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The users of a password file, in file order. The format keeps comments and
// blank lines; every other line is `user:hash`.
std::vector<std::string> user_names(const core::password_file& f) {
  std::vector<std::string> out;
  std::istringstream lines(f.format());
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.front() == '#') continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos && f.contains(line.substr(0, colon))) out.push_back(line.substr(0, colon));
  }
  return out;
}

// What tells a rewritten file from the one read: rename() gives it a new
// inode, and its time and size change too.
template <class Version>
Version version_of(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          static_cast<std::int64_t>(st.st_size), static_cast<std::int64_t>(st.st_ino)};
}

bool valid_token_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  return true;
}

}  // namespace

user_directory::user_directory(std::string password_path, std::string state_dir)
    : password_path_(std::move(password_path)),
      roles_path_((std::filesystem::path(state_dir) / "web-roles").string()),
      tokens_path_((std::filesystem::path(state_dir) / "api-tokens").string()) {
  if (!password_path_.empty() && std::filesystem::exists(password_path_))
    users_ = std::make_shared<const core::password_file>(core::password_file::load(password_path_));
  else
    users_ = std::make_shared<const core::password_file>();
  load_roles();
  load_tokens();
}

void user_directory::load_roles() {
  std::istringstream in(read_file(roles_path_));
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.empty() || line.front() == '#') continue;
    const auto colon = line.rfind(':');
    const auto r = colon == std::string::npos ? std::nullopt : parse_role(line.substr(colon + 1));
    if (!r) throw std::runtime_error(roles_path_ + ": line " + std::to_string(n) + ": expected user:admin or user:member");
    roles_[line.substr(0, colon)] = *r;
  }
}

void user_directory::load_tokens() const {
  tokens_version_ = version_of<file_version>(tokens_path_);
  std::istringstream in(read_file(tokens_path_));
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.empty() || line.front() == '#') continue;
    const auto a = line.find(':');
    const auto b = line.rfind(':');
    if (a == std::string::npos || a == b || line.size() - b - 1 != 64)
      throw std::runtime_error(tokens_path_ + ": line " + std::to_string(n) + ": expected name:user:sha256");
    tokens_[line.substr(b + 1)] = token{line.substr(0, a), line.substr(a + 1, b - a - 1)};
  }
}

void user_directory::reload_tokens_if_changed() const {
  if (version_of<file_version>(tokens_path_) == tokens_version_) return;
  auto kept = std::move(tokens_);
  tokens_.clear();
  try {
    load_tokens();
  } catch (const std::runtime_error&) {
    tokens_ = std::move(kept);  // half written by hand? the next change of the file is read again
  }
}

void user_directory::set_users(users_ptr users) { users_ = std::move(users); }

bool user_directory::verify(std::string_view user, std::string_view password) const {
  return users_->verify(user, password);
}

bool user_directory::has_explicit_admin() const {
  for (const auto& [u, r] : roles_)
    if (r == role::admin && users_->contains(u)) return true;
  return false;
}

std::optional<role> user_directory::role_of(std::string_view user) const {
  if (!users_->contains(user)) return std::nullopt;
  if (auto it = roles_.find(user); it != roles_.end()) return it->second;
  return has_explicit_admin() ? role::member : role::admin;
}

std::vector<user_entry> user_directory::list() const {
  std::vector<user_entry> out;
  for (auto& u : user_names(*users_)) out.push_back({u, *role_of(u)});
  return out;
}

void user_directory::save_roles(const std::map<std::string, role, std::less<>>& roles) const {
  std::string text = "# hearthd web roles: user:admin or user:member (users are in the password file)\n";
  for (const auto& [u, r] : roles) text += u + ":" + std::string(to_string(r)) + "\n";
  write_file_atomically(roles_path_, text);
}

std::string user_directory::add(std::string_view user, std::string_view password, role r) {
  if (user.empty() || user.size() > 64) return "the user name must have 1 to 64 characters";
  for (char c : user)
    if (static_cast<unsigned char>(c) < 0x20 || c == ':' || c == 0x7f) return "the user name has a character that is not allowed";
  if (password.size() < 8) return "the password must have at least 8 characters";
  if (password.size() > 1024) return "the password is too long";
  if (password_path_.empty()) return "no password file to write to";

  auto next = std::make_shared<core::password_file>(*users_);
  try {
    next->set(user, password);
  } catch (const core::password_file_error& e) {
    return e.what();
  }
  // Every role written down first, so that the new entry cannot change
  // what an unnamed user is.
  auto roles = roles_;
  for (auto& e : list()) roles.emplace(e.user, e.role);
  roles[std::string(user)] = r;
  save_roles(roles);
  next->save(password_path_);
  roles_ = std::move(roles);
  users_ = std::move(next);
  if (on_change_) on_change_(users_);
  return {};
}

std::string user_directory::remove(std::string_view user) {
  if (!users_->contains(user)) return "no such user";
  if (role_of(user) == role::admin) {
    std::size_t admins = 0;
    for (auto& e : list()) admins += e.role == role::admin;
    if (admins <= 1) return "the last admin cannot be deleted";
  }
  if (password_path_.empty()) return "no password file to write to";
  auto next = std::make_shared<core::password_file>(*users_);
  next->remove(user);
  auto roles = roles_;
  for (auto& e : list()) roles.emplace(e.user, e.role);
  roles.erase(std::string(user));
  next->save(password_path_);
  save_roles(roles);
  roles_ = std::move(roles);
  users_ = std::move(next);
  reload_tokens_if_changed();  // keep the ones `hearthd token` added meanwhile
  std::erase_if(tokens_, [&](const auto& kv) { return kv.second.user == user; });
  save_tokens();
  if (on_change_) on_change_(users_);
  return {};
}

void user_directory::save_tokens() const {
  std::string text = "# hearthd API tokens: name:user:sha256 of the token (the tokens themselves are not kept)\n";
  for (const auto& [hash, t] : tokens_) text += t.name + ":" + t.user + ":" + hash + "\n";
  write_file_atomically(tokens_path_, text);
  tokens_version_ = version_of<file_version>(tokens_path_);
}

std::string user_directory::create_token(std::string_view name, std::string_view user) {
  if (!valid_token_name(name)) throw std::invalid_argument("a token name is 1-64 of A-Z a-z 0-9 - _ .");
  if (!users_->contains(user)) throw std::invalid_argument("no such user: " + std::string(user));
  reload_tokens_if_changed();
  for (const auto& [h, t] : tokens_)
    if (t.name == name) throw std::invalid_argument("a token named " + std::string(name) + " exists");
  const std::string tok = "hth_" + random_hex(32);
  tokens_[sha256_hex(tok)] = token{std::string(name), std::string(user)};
  save_tokens();
  return tok;
}

std::optional<std::string> user_directory::token_user(std::string_view tok) const {
  if (tok.size() != 68 || tok.substr(0, 4) != "hth_") return std::nullopt;
  // Looked up by its hash: the lookup's timing tells nothing about a token.
  const std::string hash = sha256_hex(tok);
  auto it = tokens_.find(hash);
  if (it == tokens_.end()) {
    reload_tokens_if_changed();
    it = tokens_.find(hash);
  }
  if (it == tokens_.end() || !users_->contains(it->second.user)) return std::nullopt;
  return it->second.user;
}

std::vector<std::pair<std::string, std::string>> user_directory::tokens() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [h, t] : tokens_) out.emplace_back(t.name, t.user);
  return out;
}

}  // namespace hearth::web
