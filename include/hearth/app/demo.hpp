// `hearthd --demo`: the whole house on one machine. Three simulated
// satellites (`hearth-agent --simulate`, the binary next to hearthd) run as
// child processes, one per room (kitchen, garden, bedroom), connected to the
// broker's MQTT listener on loopback; the rooms exist and each node is
// placed in its room, so the dashboard is populated within seconds.
//
// When the broker checks passwords, each agent gets a login of its own
// (`demo-<room>`, a random password) that exists only in memory: it is added
// to the broker's users (add_credentials()) and written, with the room's
// simulated hardware, into the agent's config file <dir>/<room>.toml (mode
// 0600). Each agent's fake sysfs tree is <dir>/<room>-sys and its log
// <dir>/<room>.log.
//
// The gas alarm: the simulated gas detector is GPIO line 22 of the fake
// chip (active low), so
//   echo 0 > <dir>/<room>-sys/sys/class/gpio/gpio534/value    # gas!
//   echo 1 > <dir>/<room>-sys/sys/class/gpio/gpio534/value    # clear
// (gas_trigger_path() says the exact file).
//
// Children are supervised: one that exits is started again after a growing
// delay (1 s doubling to 30 s). stop() sends SIGTERM, waits up to 3 s, then
// SIGKILL; the children also get SIGTERM if hearthd dies (PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hearth/core/log.hpp"
#include "hearth/core/password_file.hpp"
#include "hearth/mqtt/broker.hpp"
#include "hearth/store/sqlite.hpp"
#include "hearth/net/net.hpp"
#include "hearth/store/devices.hpp"

namespace hearth::home {

class demo {
public:
  // `agent` is the hearth-agent binary; `dir` holds the agents' files.
  demo(net::io_context& ioc, core::logger& log, std::string agent, std::string dir);
  ~demo();
  demo(const demo&) = delete;
  demo& operator=(const demo&) = delete;

  static const std::vector<std::string>& rooms();
  // hearth-agent beside the running hearthd (/proc/self/exe), or "".
  static std::string agent_next_to_self();

  // Adds the agents' logins to the broker's users.
  void add_credentials(core::password_file& users) const;
  // Creates the rooms that do not exist yet; each node is placed in its
  // room once it has published (a node the user placed elsewhere stays).
  // `devices` must outlive the demo.
  void prepare_rooms(store::devices& devices);
  // On the first demo start (no stored readings for the simulated sensors),
  // publishes a day of plausible past readings (every 5 minutes, with "ts")
  // through the broker, so the charts have a history at once.
  void backfill(mqtt::broker& broker, store::database& db, std::int64_t now_ms);
  // Starts the agents against 127.0.0.1:`mqtt_port`; with `login`, they log
  // in with their demo credentials.
  void start(std::uint16_t mqtt_port, bool login);
  void stop();

  std::string gas_trigger_path(const std::string& room) const;

private:
  struct child {
    std::string room;
    std::string password;
    pid_t pid = -1;
    unsigned restarts = 0;
    std::chrono::steady_clock::time_point restart_at{};
  };
  void spawn(child& c);
  void supervise();
  std::string config_text(const child& c) const;
  void place_nodes();

  net::io_context& ioc_;
  core::logger& log_;
  std::string agent_;
  std::string dir_;
  std::vector<child> children_;
  store::devices* devices_ = nullptr;
  std::vector<std::pair<std::string, std::int64_t>> unplaced_;  // node, room id
  std::uint16_t port_ = 0;
  bool login_ = false;
  bool stopped_ = false;
  steady_timer timer_;
};

}  // namespace hearth::home
