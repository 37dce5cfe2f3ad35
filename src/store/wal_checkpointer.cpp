#include "hearth/store/wal_checkpointer.hpp"

#include <sqlite3.h>  // sqlite3_wal_checkpoint_v2: the wrapper has no checkpoint call

#include "hearth/store/sqlite.hpp"

namespace hearth::store {

namespace {
// While the log is not fully copied (the writer committed meanwhile), try
// again this soon: the rest is small, and a complete checkpoint lets the
// writer's next transaction restart the log instead of growing it.
constexpr auto retry = std::chrono::milliseconds(20);
}  // namespace

wal_checkpointer::wal_checkpointer(database& db, std::chrono::milliseconds period, int fallback_pages)
    : period_(period) {
  db.exec("PRAGMA wal_autocheckpoint=" + std::to_string(fallback_pages));
  thread_ = std::thread([this, path = db.path()] { run(path); });
}

wal_checkpointer::~wal_checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string wal_checkpointer::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void wal_checkpointer::run(std::string path) {
  std::unique_ptr<database> db;
  try {
    db = std::make_unique<database>(path);
    // A connection learns that the file is in WAL mode when it first reads
    // it; until then a checkpoint is a no-op.
    statement mode(*db, "PRAGMA journal_mode");
    mode.step();
  } catch (const sqlite_error& e) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    last_error_ = e.what();
    return;  // the loop's fallback checkpoints remain
  }
  auto wait = period_;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, wait, [this] { return stop_; })) return;
    }
    int log = 0, copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard lock(mutex_);
      last_error_ = path + ": checkpoint: " + sqlite3_errmsg(db->handle());
      wait = period_;
      continue;
    }
    if (log > 0) {
      checkpoints_.fetch_add(1, std::memory_order_relaxed);
      frames_.fetch_add(static_cast<std::uint64_t>(copied), std::memory_order_relaxed);
    }
    wait = (log > 0 && copied < log) ? retry : period_;
  }
}

}  // namespace hearth::store
