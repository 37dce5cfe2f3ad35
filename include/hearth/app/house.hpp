// The house inside hearthd: an in-process MQTT client of the broker feeds
// every message under the bridge's routes to the bridge (events for the
// browsers), the readings store (SQLite, batched), the devices list (new
// devices, rooms) and the command tracker (relay states confirming commands).
//
// The Socket.IO layer plugs into on_event() and calls command() for a
// `command` event; REST handlers use the accessors (history, devices, audit,
// backup). Everything runs on the io_context's thread.
//
// Events go to the browsers before the readings are queued for storage, and
// WAL checkpoints run off the loop (store/wal_checkpointer.hpp), so SQLite's
// pauses do not delay a reading on its way to the screens.
//
// A timer flushes the readings every storage.flush_interval, expires
// commands, and once an hour applies the retention and the size cap and
// reports bad MQTT payloads (counted by the bridge) in one log line.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/json/value.hpp>

#include "hearth/app/bridge.hpp"
#include "hearth/app/commands.hpp"
#include "hearth/core/config.hpp"
#include "hearth/core/log.hpp"
#include "hearth/mqtt/broker.hpp"
#include "hearth/mqtt/message.hpp"
#include "hearth/net/net.hpp"
#include "hearth/store/audit.hpp"
#include "hearth/store/devices.hpp"
#include "hearth/store/history.hpp"
#include "hearth/store/readings.hpp"
#include "hearth/store/wal_checkpointer.hpp"

namespace hearth {
class local_client;
}

namespace hearth::home {

class house {
public:
  using event_sink = std::function<void(std::string_view name, boost::json::value data)>;
  // Called once per command: ok, or why not (refused, failed, timeout, superseded).
  using command_callback = std::function<void(bool ok, std::string error)>;

  // Opens <data_dir>/readings.db (store::store_error with a clear message
  // if it is corrupt) and builds the routing table (core::config_error).
  house(net::io_context& ioc, mqtt::broker& broker, const core::config& cfg, core::logger& log);
  ~house();
  house(const house&) = delete;
  house& operator=(const house&) = delete;

  // Connects to the broker, subscribes to the routes, arms the timer.
  void start();
  // Flushes the readings, cancels the timer, disconnects.
  void stop();

  void on_event(event_sink sink) { sink_ = std::move(sink); }

  // A user asks for a relay state ("on", "off", "toggle"). `done` is called
  // later (or at once when refused).
  void command(std::string user, std::string node, std::string relay, std::string state, command_callback done);

  // The current state of everything, for a browser that just connected.
  std::vector<event> snapshot() const { return bridge_.snapshot(); }

  // For REST handlers. history() flushes first so the latest rows count.
  store::history history(const store::history_query& q);
  std::vector<store::series_info> series() { return store::list_series(*db_); }
  store::devices& devices() noexcept { return devices_; }
  store::audit_log& audit() noexcept { return audit_; }
  // Flushes, then copies the database to `path` (store::backup_to), in one go.
  void backup(const std::string& path);
  // The same spread over loop turns (a few hundred pages each), for the UI:
  // `done` gets "" or the error. Readings keep flowing meanwhile.
  void backup_async(std::string path, std::function<void(std::string error)> done);

  // Writes the queued readings now (the timer does it too).
  bool flush();
  const store::readings_stats& reading_counters() const noexcept { return readings_.stats(); }
  const home::bridge_stats& message_counters() const noexcept { return bridge_.stats(); }
  store::database& database() noexcept { return *db_; }

private:
  class rooms_adapter : public room_resolver {
  public:
    explicit rooms_adapter(const store::devices& d) : d_(d) {}
    std::string room_of(std::string_view node, std::string_view kind, std::string_view sensor) const override {
      return d_.room_of(node, kind, sensor);
    }

  private:
    const store::devices& d_;
  };

  void on_message(const mqtt::message_ptr& m, const std::string& filter);
  void finish(std::vector<command_done> done);
  void emit(event e);
  void arm_timer();
  void on_timer();
  void maintenance();

  net::io_context& ioc_;
  mqtt::broker& broker_;
  core::config cfg_;
  core::logger& log_;
  std::unique_ptr<store::database> db_;
  std::unique_ptr<store::wal_checkpointer> checkpointer_;  // after db_: stopped before it closes
  store::readings_store readings_;
  store::devices devices_;
  store::audit_log audit_;
  rooms_adapter rooms_;
  bridge bridge_;
  command_tracker tracker_;
  std::unordered_map<std::int64_t, command_callback> callbacks_;
  std::int64_t unlogged_id_ = 0;  // ids for commands the audit log could not record (negative)
  std::shared_ptr<local_client> client_;
  steady_timer timer_;
  event_sink sink_;
  std::chrono::steady_clock::time_point next_maintenance_;
  std::uint64_t reported_problems_ = 0;
  std::uint64_t reported_drops_ = 0;
  std::uint64_t reported_checkpoint_failures_ = 0;
  bool flush_failing_ = false;
  bool stopped_ = false;
};

// `hearthd backup FILE`: copies <data_dir>/readings.db to `dest` through the
// online backup API (hearthd may be running). Returns the exit code and logs
// the outcome.
int backup_command(const core::config& cfg, const std::string& dest, core::logger& log);

}  // namespace hearth::home
