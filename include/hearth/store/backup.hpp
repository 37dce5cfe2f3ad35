// Online backup of a live database to a file, through SQLite's backup API:
// readers and the writer carry on while the copy is made, and the copy is a
// consistent snapshot (the API restarts itself if the source changes through
// another connection; changes through the same connection are copied along).
//
// The copy is written to `<dest>.tmp` and renamed over `dest` only when
// complete, so a failed or interrupted backup never leaves a truncated file
// under the name the user asked for.
//
// backup_job copies a number of pages per step() so that the event loop can
// spread a large copy over several turns; backup_to() does it all at once
// (the command line, tests).
#pragma once

#include <memory>
#include <string>

#include "hearth/store/sqlite.hpp"

struct sqlite3_backup;

namespace hearth::store {

class backup_job {
public:
  // Opens `<dest>.tmp` (replacing it). Throws sqlite_error.
  backup_job(database& src, std::string dest);
  ~backup_job();  // an unfinished job removes its .tmp file
  backup_job(const backup_job&) = delete;
  backup_job& operator=(const backup_job&) = delete;

  // Copies up to `pages` pages (-1: all). Returns true once the copy is
  // complete and renamed to `dest`. Throws sqlite_error (e.g. disk full),
  // after which the job is finished and the .tmp file removed.
  bool step(int pages);

  int remaining() const noexcept { return remaining_; }
  int total() const noexcept { return total_; }
  const std::string& dest() const noexcept { return dest_; }

private:
  void abandon() noexcept;

  std::string dest_;
  std::string tmp_;
  std::unique_ptr<database> out_;
  sqlite3_backup* backup_ = nullptr;
  int remaining_ = -1;
  int total_ = -1;
  bool done_ = false;       // completed or abandoned
  bool completed_ = false;
};

// Copies `src` into the file `dest` in one go. Throws sqlite_error, or
// store_error when the finished copy cannot be renamed into place.
void backup_to(database& src, const std::string& dest);

}  // namespace hearth::store
