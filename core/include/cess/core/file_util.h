// Whole-file reads and crash-safe writes.
#pragma once

#include <string>
#include <sys/types.h>

#include "cess/core/bytes.h"
#include "cess/core/result.h"

namespace cess {

// Reads the whole file at `path`. Errors: NotFound when it does not exist, IoError otherwise.
Result<Bytes> ReadFile(const std::string& path);

// Writes `data` to `path` atomically: a temporary file in the same directory is written, fsynced,
// given `mode`, and renamed over `path`; the directory is fsynced. A crash leaves either the old
// file or the new one, never a half-written file. Errors: IoError naming the failing step.
Status WriteFileAtomic(const std::string& path, ByteSpan data, mode_t mode = 0644);

}  // namespace cess
