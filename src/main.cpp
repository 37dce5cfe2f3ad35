// hearthd: parse the command line, build the app, run it until a signal.
// Exit codes (DESIGN.md): 0 clean shutdown, 2 bad arguments or config,
// 1 runtime failure.
#include <cstdio>
#include <exception>
#include <span>

#include "hearth/core/cli.hpp"
#include "hearth/core/log.hpp"
#include "hearth/app/house.hpp"
#include "hearth/core/passwd_command.hpp"
#include "hearth/net/app.hpp"
#include "hearth/web/token_command.hpp"

int main(int argc, char* argv[]) {
  using namespace hearth;
  try {
    const auto cli = core::parse_command_line(std::span<const char* const>(argv + 1, argc - 1));
    if (cli.what == core::cli_options::action::help) {
      std::fputs(core::usage().c_str(), stdout);
      return 0;
    }
    if (cli.what == core::cli_options::action::passwd)
      return core::run_passwd(cli.passwd_file, cli.passwd_user, stdin, stderr);
    if (cli.what == core::cli_options::action::version) {
      std::puts("hearthd " HEARTH_VERSION);
      return 0;
    }
    core::config cfg = core::load_config(cli);
    core::logger log(cfg.level);
    if (cli.what == core::cli_options::action::backup) return home::backup_command(cfg, cli.backup_file, log);
    if (cli.what == core::cli_options::action::token)
      return web::run_token(cfg, cli.token_name, cli.token_user, stdout, stderr);
    app a(std::move(cfg), log);
    return a.run();
  } catch (const core::config_error& e) {
    std::fprintf(stderr, "hearthd: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearthd: %s\n", e.what());
    return 1;
  }
}
