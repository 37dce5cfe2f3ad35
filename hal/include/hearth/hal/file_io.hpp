// Small, exact file I/O for sysfs attributes.
//
// A sysfs attribute is read whole with one read() and written whole with one
// write(); errors come back as std::error_code carrying errno (ENOENT when a
// sensor disappeared, EISDIR/EACCES/EIO when a write is refused), never as
// exceptions, because every one of them is an expected hardware condition.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace hearth::hal {

// Reads at most `limit` bytes of the file at `path` into `out`.
std::error_code read_text(const std::string& path, std::string& out, std::size_t limit = 4096);

// Writes `text` to the file at `path` (which must exist, as sysfs files do:
// O_WRONLY|O_TRUNC without O_CREAT, as `echo 1 > value` does), in one write().
std::error_code write_text(const std::string& path, std::string_view text);

// Reads a file holding one integer (sysfs style, trailing newline allowed).
std::error_code read_long(const std::string& path, long& out);

// Reads a file holding one number, integer or decimal (IIO scale files).
std::error_code read_double(const std::string& path, double& out);

// Returns `text` without trailing whitespace (sysfs values end in '\n').
std::string_view trim(std::string_view text) noexcept;

}  // namespace hearth::hal
