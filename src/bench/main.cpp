// hearth-bench: parse the command line, run one scenario, print the JSON
// result line on stdout and a summary on stderr.
// Exit codes: 0 run completed, 1 run failed (still reported), 2 bad arguments.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>
#include <vector>

#include "hearth/bench/engine.hpp"
#include "hearth/bench/options.hpp"
#include "hearth/bench/result.hpp"

int main(int argc, char** argv) {
  using namespace hearth::bench;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  options opts;
  try {
    const char* env_token = std::getenv("HEARTH_BENCH_TOKEN");
    opts = parse_options(args, env_token ? env_token : "");
  } catch (const options_error& e) {
    std::fprintf(stderr, "hearth-bench: %s\n(see hearth-bench --help)\n", e.what());
    return 2;
  }
  if (opts.help) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  try {
    engine eng(opts);
    const run_result r = eng.run();
    std::fputs(format_summary(r).c_str(), stderr);
    std::printf("%s\n", format_result_line(r).c_str());
    std::fflush(stdout);
    return r.error.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearth-bench: %s\n", e.what());
    return 1;
  }
}
