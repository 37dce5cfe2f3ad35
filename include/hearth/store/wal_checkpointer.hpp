// WAL checkpoints of a SQLite database off the event loop.
//
// In WAL mode every commit appends to the -wal file; a checkpoint copies the
// log back into the database file and syncs it: milliseconds (tens on an SD
// card) that SQLite's automatic checkpoint spends inside whichever commit
// crosses the threshold, i.e. on hearthd's event loop, where every reading
// on its way to the browsers waits behind it (issue 7: at 20,000 readings/s
// these pauses were the whole latency tail).
//
// This class runs the checkpoints on a thread of its own, with a connection
// of its own (SQLite connections are independent; the library is built
// thread-safe), as PASSIVE checkpoints that never block the loop's writer or
// readers: every `period`, and again shortly while the log is not fully
// copied, so that the writer can restart the log from its beginning and the
// file stays small. The loop's connection keeps an automatic checkpoint only
// as a fallback, at `fallback_pages` (set by the constructor), should this
// thread fall behind or fail.
//
// Nothing else is shared with the loop: the thread only reads its stop flag;
// the counters are atomics, read for the hourly log line.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace hearth::store {

class database;

class wal_checkpointer {
public:
  static constexpr int default_fallback_pages = 16384;  // 64 MiB of log at 4 KiB pages

  // Sets wal_autocheckpoint of `db` (the loop's connection) to
  // `fallback_pages` and starts the thread on db.path(). Throws sqlite_error
  // if the second connection cannot be opened.
  wal_checkpointer(database& db, std::chrono::milliseconds period = std::chrono::milliseconds(250),
                   int fallback_pages = default_fallback_pages);
  ~wal_checkpointer();  // stops and joins the thread
  wal_checkpointer(const wal_checkpointer&) = delete;
  wal_checkpointer& operator=(const wal_checkpointer&) = delete;

  std::uint64_t checkpoints() const noexcept { return checkpoints_.load(std::memory_order_relaxed); }
  std::uint64_t frames_copied() const noexcept { return frames_.load(std::memory_order_relaxed); }
  std::uint64_t failures() const noexcept { return failures_.load(std::memory_order_relaxed); }
  // The last failure's message ("" if none); copies under the lock.
  std::string last_error() const;

private:
  void run(std::string path);

  std::chrono::milliseconds period_;
  mutable std::mutex mutex_;  // guards stop_ and last_error_
  std::condition_variable wake_;
  bool stop_ = false;
  std::string last_error_;
  std::atomic<std::uint64_t> checkpoints_{0};
  std::atomic<std::uint64_t> frames_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::thread thread_;
};

}  // namespace hearth::store
