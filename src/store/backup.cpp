#include "hearth/store/backup.hpp"

// The backup API is not in the shared wrapper; this is its one user.
#include <sqlite3.h>

#include <filesystem>
#include <system_error>
#include <utility>

#include "hearth/store/schema.hpp"

namespace hearth::store {

backup_job::backup_job(database& src, std::string dest) : dest_(std::move(dest)), tmp_(dest_ + ".tmp") {
  std::error_code ignored;
  std::filesystem::remove(tmp_, ignored);  // a leftover of an earlier failure
  out_ = std::make_unique<database>(tmp_);
  backup_ = sqlite3_backup_init(out_->handle(), "main", src.handle(), "main");
  if (!backup_) {
    const int rc = sqlite3_errcode(out_->handle());
    const std::string msg = sqlite3_errmsg(out_->handle());
    abandon();
    throw sqlite_error(rc & 0xff, "backup to " + dest_ + ": " + msg);
  }
}

backup_job::~backup_job() {
  if (!done_) abandon();
}

void backup_job::abandon() noexcept {
  if (backup_) sqlite3_backup_finish(std::exchange(backup_, nullptr));
  out_.reset();
  std::error_code ignored;
  std::filesystem::remove(tmp_, ignored);
  std::filesystem::remove(tmp_ + "-journal", ignored);
  std::filesystem::remove(tmp_ + "-wal", ignored);
  std::filesystem::remove(tmp_ + "-shm", ignored);
  done_ = true;
}

bool backup_job::step(int pages) {
  if (done_) return completed_;
  const int rc = sqlite3_backup_step(backup_, pages);
  remaining_ = sqlite3_backup_remaining(backup_);
  total_ = sqlite3_backup_pagecount(backup_);
  if (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return false;  // more to do, or try again
  if (rc != SQLITE_DONE) {
    abandon();
    throw sqlite_error(rc & 0xff, "backup to " + dest_ + ": " + sqlite3_errstr(rc));
  }
  const int fin = sqlite3_backup_finish(std::exchange(backup_, nullptr));
  if (fin != SQLITE_OK) {
    const std::string msg = sqlite3_errmsg(out_->handle());
    abandon();
    throw sqlite_error(fin & 0xff, "backup to " + dest_ + ": " + msg);
  }
  out_.reset();  // closed (and its journal gone) before the rename
  std::error_code ec;
  std::filesystem::rename(tmp_, dest_, ec);
  if (ec) {
    abandon();
    throw store_error("backup: cannot rename " + tmp_ + " to " + dest_ + ": " + ec.message());
  }
  done_ = completed_ = true;
  return true;
}

void backup_to(database& src, const std::string& dest) {
  backup_job job(src, dest);
  // The source is ours alone (one thread), so BUSY cannot last; bound the
  // retries all the same.
  for (int attempt = 0; attempt < 1000; ++attempt)
    if (job.step(-1)) return;
  throw store_error("backup to " + dest + ": the database stayed busy");
}

}  // namespace hearth::store
