// What every importer shares: the files under an export directory, read
// with named limits, and errors that name the file and the line.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "env/result.h"

namespace crmsim::importer {

struct ImportLimits {
  static constexpr size_t kFilesMax = 100'000;        // files looked at under a directory
  static constexpr size_t kFileBytesMax = 16u << 20;  // one exported file
};

// Error `code` ("bad_metadata", "bad_export"): "FILE: line N: what" (no
// line when `line` is 0).
env::Failure<env::Error> bad_file(const std::string& code, const std::string& file, int line,
                                  const std::string& what);

// The whole file; error `code` past `bytes_max` or when it cannot be
// read. `rel` names it in errors.
env::Result<std::string> read_import_file(const std::filesystem::path& path,
                                          const std::string& rel, const std::string& code,
                                          size_t bytes_max = ImportLimits::kFileBytesMax);

// The file parsed as JSON; error `code` naming the line where it stops
// being JSON.
env::Result<nlohmann::json> read_import_json(const std::filesystem::path& path,
                                             const std::string& rel, const std::string& code);

// Every file under `root`, in path order, leaving out .git, node_modules
// and the Salesforce CLI's own folders. Error `code` past
// ImportLimits::kFilesMax.
env::Result<std::vector<std::filesystem::path>> files_under(const std::filesystem::path& root,
                                                            const std::string& code);

// `path` relative to `root`, with forward slashes.
std::string relative_name(const std::filesystem::path& path, const std::filesystem::path& root);

// The 1-based line of byte `offset` in `text`.
int line_at(std::string_view text, size_t offset);

}  // namespace crmsim::importer
