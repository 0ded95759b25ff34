// A POSIX file handle with positional, full-length reads and writes (retrying short I/O and EINTR).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "cess/core/bytes.h"
#include "cess/core/result.h"

namespace cess::cli {

// Owns one open file descriptor; closes it on destruction. Move-only.
class File {
 public:
  File() = default;
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  // Opens an existing file for reading. Errors: NotFound, PermissionDenied, IoError.
  static Result<File> OpenRead(const std::string& path);
  // Creates (or truncates) a file for writing with `mode`. Errors: as OpenRead.
  static Result<File> Create(const std::string& path, mode_t mode = 0644);

  const std::string& path() const { return path_; }
  // Size in bytes. Errors: IoError.
  Result<uint64_t> Size() const;
  // Reads up to out.size() bytes at `offset`; returns the count (short only at end of file).
  Result<size_t> ReadAt(uint64_t offset, MutableByteSpan out) const;
  // Writes all of `data` at `offset`. Errors: IoError / ResourceExhausted (disk full).
  Status WriteAt(uint64_t offset, ByteSpan data);
  // fsync, then close. Errors: IoError.
  Status SyncAndClose();

 private:
  File(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

// Status for the current errno: "<what> '<path>': <strerror>", classified (NotFound, ...).
Status ErrnoStatus(const std::string& what, const std::string& path);

// Creates `dir` and its parents when missing. Errors: IoError, or InvalidArgument when a
// non-directory is in the way.
Status MakeDirs(const std::string& dir);

// Renames `from` onto `to` atomically and fsyncs the directory of `to`.
Status RenameDurably(const std::string& from, const std::string& to);

}  // namespace cess::cli
