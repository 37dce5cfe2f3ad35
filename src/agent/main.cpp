// hearth-agent: parse the command line and config, start the supervisor,
// build the agent, run it until a signal. Exit codes (DESIGN.md): 0 clean
// shutdown, 2 bad config or arguments, 1 runtime failure.
#include <cstdio>
#include <exception>
#include <optional>
#include <span>

#include "hearth/agent/agent.hpp"
#include "hearth/agent/config.hpp"
#include "hearth/agent/simulate.hpp"
#include "hearth/agent/supervisor.hpp"

int main(int argc, char* argv[]) {
  using namespace hearth;
  try {
    const auto cli = agent::parse_agent_command_line(std::span<const char* const>(argv + 1, argc - 1));
    if (cli.what == agent::agent_cli::action::help) {
      std::fputs(agent::agent_usage().c_str(), stdout);
      return 0;
    }
    if (cli.what == agent::agent_cli::action::version) {
      std::puts("hearth-agent " HEARTH_VERSION);
      return 0;
    }
    agent::agent_config cfg = agent::load_agent_config(cli);
    core::logger log(cfg.level);
    std::optional<agent::simulation> sim;
    if (cfg.simulate) sim = agent::make_simulation(cfg);
    if (cfg.supervisor) agent::start_supervisor(cfg, log);
    net::io_context ioc(1);
    agent::agent a(ioc, std::move(cfg), log, sim ? &*sim : nullptr);
    return a.run();
  } catch (const core::config_error& e) {
    std::fprintf(stderr, "hearth-agent: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearth-agent: %s\n", e.what());
    return 1;
  }
}
