// The failsafe for when the agent itself dies.
//
// The Raspberry Pi kernel keeps a GPIO line driven after the process that
// set it has died, so a crashed or killed agent could leave a valve open.
// start_supervisor() forks before anything else starts: the child returns
// and runs the agent; the parent stays small (no threads, no sockets) and
// waits. When the child exits for any reason (SIGKILL included) the parent
// drives every actuator to its safe state through a fresh line request and
// exits with the child's code (1 if it was killed). SIGTERM/SIGINT sent to
// the parent are forwarded to the child. If the parent dies instead, the
// kernel sends the child SIGTERM (PR_SET_PDEATHSIG), and the agent's own
// shutdown path sets the safe states.
#pragma once

#include "hearth/agent/config.hpp"
#include "hearth/core/log.hpp"

namespace hearth::agent {

// Returns in the child (the agent proper). In the parent it never returns:
// it calls _exit with the code described above. Throws std::system_error if
// fork() fails.
void start_supervisor(const agent_config& cfg, core::logger& log);

}  // namespace hearth::agent
