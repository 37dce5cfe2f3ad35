#include "hearth/agent/supervisor.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

#include "hearth/agent/devices.hpp"

namespace hearth::agent {

void start_supervisor(const agent_config& cfg, core::logger& log) {
  // Block the signals the parent waits for before forking, so none is lost
  // between fork() and sigwaitinfo(); the child unblocks them.
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigprocmask(SIG_BLOCK, &set, &old);
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) {
    sigprocmask(SIG_SETMASK, &old, nullptr);
    throw std::system_error(errno, std::generic_category(), "fork");
  }
  if (child == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    sigprocmask(SIG_SETMASK, &old, nullptr);
    if (getppid() != parent) raise(SIGTERM);  // the parent died before prctl
    return;
  }

  log.info() << "supervisor " << getpid() << ": agent is process " << child;
  int status = 0;
  for (;;) {
    siginfo_t info{};
    const int sig = sigwaitinfo(&set, &info);
    if (sig < 0) continue;  // EINTR
    if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
      kill(child, sig == SIGHUP ? SIGTERM : sig);
      continue;
    }
    const pid_t done = waitpid(child, &status, WNOHANG);
    if (done == child) break;
  }

  // The agent is gone and its line requests with it: drive every output to
  // its safe state (and, on the character device, release it there).
  auto gpio = hal::make_gpio_backend(cfg.gpio, cfg.sysfs_root);
  const auto failed = reset_to_safe_state(cfg.actuators, *gpio);
  int code = 1;
  if (WIFEXITED(status)) {
    code = WEXITSTATUS(status);
    log.info() << "supervisor: agent exited with code " << code;
  } else if (WIFSIGNALED(status)) {
    log.error() << "supervisor: agent killed by signal " << WTERMSIG(status);
  }
  if (failed.empty()) {
    log.info() << "supervisor: " << cfg.actuators.size() << " outputs in their safe state";
  } else {
    for (const auto& f : failed) log.error() << "supervisor: cannot reset " << f;
    if (code == 0) code = 1;
  }
  std::fflush(stderr);
  _exit(code);
}

}  // namespace hearth::agent
