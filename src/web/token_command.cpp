#include "hearth/web/token_command.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string_view>

#include "hearth/web/auth_users.hpp"

namespace hearth::web {

std::string web_password_path(const core::config& cfg) {
  // Without a --password-file the web has users of its own (MQTT then stays
  // on its loopback and anonymous rules).
  return cfg.password_file.empty() ? (std::filesystem::path(cfg.data_dir) / "web-passwd").string()
                                   : cfg.password_file;
}

int run_token(const core::config& cfg, const std::string& name, const std::string& user, std::FILE* out,
              std::FILE* err) {
  std::error_code ec;
  // Not created here: a mistyped --data-dir would otherwise get a token file
  // that no hearthd reads.
  if (!std::filesystem::is_directory(cfg.data_dir, ec)) {
    std::fprintf(err, "hearthd token: no data directory %s (is --data-dir right? hearthd creates it on first start)\n",
                 cfg.data_dir.c_str());
    return 2;
  }
  const std::string passwords = web_password_path(cfg);
  std::unique_ptr<user_directory> users;
  try {
    users = std::make_unique<user_directory>(passwords, cfg.data_dir);
  } catch (const std::exception& e) {
    std::fprintf(err, "hearthd token: %s\n", e.what());
    return 2;
  }
  std::string token;
  try {
    token = users->create_token(name, user);
  } catch (const std::invalid_argument& e) {
    std::fprintf(err, "hearthd token: %s", e.what());
    if (std::string_view(e.what()).starts_with("no such user")) std::fprintf(err, " (the users are in %s; see hearthd passwd)", passwords.c_str());
    std::fputc('\n', err);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(err, "hearthd token: %s\n", e.what());
    return 1;
  }
  const std::string file = (std::filesystem::path(cfg.data_dir) / "api-tokens").string();
  // Made by root for a hearthd that runs as its own user: the file (mode
  // 0600) must stay readable by the owner of the data directory.
  struct stat dir{};
  if (::geteuid() == 0 && ::stat(cfg.data_dir.c_str(), &dir) == 0 && dir.st_uid != 0 &&
      ::chown(file.c_str(), dir.st_uid, dir.st_gid) != 0) {
    std::fprintf(err, "hearthd token: warning: cannot give %s to the data directory's owner\n", file.c_str());
  }
  std::fprintf(out, "%s\n", token.c_str());
  std::fflush(out);
  std::fprintf(err, "hearthd token: token '%s' for user '%s' added to %s (shown only now)\n", name.c_str(),
               user.c_str(), file.c_str());
  return 0;
}

}  // namespace hearth::web
