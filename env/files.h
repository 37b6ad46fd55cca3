// Whole-file writes that a reader never sees half done: the text goes to a
// temporary file beside the target, is flushed to disk, and replaces the
// target in one rename(2). A crash leaves the old file or the new one,
// never a torn one (at worst a stray "<path>.tmp-<pid>"); the directory is
// flushed after the rename, so the new name survives a power cut.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "env/result.h"

namespace crmsim::env {

// Error "io" naming the path and the system's reason.
Status write_file_atomically(const std::string& path, std::string_view contents);

// Removes `path` if it exists; error "io" only for a file that stays.
Status remove_file(const std::string& path);

// The whole of `path`, or nullopt when there is no such file. Error
// "too_large" past `bytes_max`, "io" naming the path otherwise.
Result<std::optional<std::string>> read_file_if_exists(const std::string& path, size_t bytes_max);

}  // namespace crmsim::env
