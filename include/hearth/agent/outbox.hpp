// The agent's store-and-forward queue: readings on disk until the central
// has acknowledged them.
//
// Every reading goes through here, connected or not: it is inserted when it
// is taken and deleted only when its PUBACK arrives, so a reading is never
// lost to a broken connection, an agent restart or a power cut, and never
// sent twice after a clean handover (a PUBACK deletes it once and for all).
//
// Why SQLite rather than an append-only file: removal happens out of order
// (by packet id), and a file would need a second "acknowledged" log, a
// compaction step and its own torn-write recovery; SQLite's journal gives
// atomic insert/delete for free, and the project already ships the wrapper.
// The database runs in WAL mode with synchronous=FULL so that a committed
// reading survives a power cut; each push is one small transaction.
//
// The queue is bounded by `max_rows`: past it the oldest readings are
// dropped first and counted (the count survives restarts too).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hearth/store/sqlite.hpp"

namespace hearth::agent {

struct queued_message {
  std::int64_t id = 0;  // rowid: the order readings were taken in
  std::string topic;
  std::string payload;
};

class outbox {
public:
  // `path` is a file, or ":memory:" in tests. Throws store::sqlite_error.
  outbox(const std::string& path, std::size_t max_rows);

  // Queues a message; drops the oldest past the bound. Returns its id.
  std::int64_t push(const std::string& topic, const std::string& payload);

  // Up to `n` messages with id > `after`, oldest first.
  std::vector<queued_message> next(std::int64_t after, std::size_t n);

  // Deletes one message (acknowledged). Unknown ids are ignored: it may have
  // been dropped by the bound while it was in flight.
  void remove(std::int64_t id);

  std::size_t size();
  std::uint64_t dropped() const noexcept { return dropped_; }

private:
  store::database db_;
  std::size_t max_rows_;
  std::uint64_t dropped_ = 0;
  std::size_t count_ = 0;
  store::statement insert_;
  store::statement select_;
  store::statement delete_;
};

}  // namespace hearth::agent
