#include "import/files.h"

#include <algorithm>
#include <fstream>

namespace crmsim::importer {

namespace fs = std::filesystem;

env::Failure<env::Error> bad_file(const std::string& code, const std::string& file, int line,
                                  const std::string& what) {
  return env::fail(
      env::Error{code, file + (line > 0 ? ": line " + std::to_string(line) : "") + ": " + what});
}

env::Result<std::string> read_import_file(const fs::path& path, const std::string& rel,
                                          const std::string& code, size_t bytes_max) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return bad_file(code, rel, 0, "cannot read it: " + ec.message());
  if (size > bytes_max)
    return bad_file(code, rel, 0,
                    "larger than " + std::to_string(bytes_max >> 20) + " MiB, the limit for one file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad_file(code, rel, 0, "cannot open it");
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  if (static_cast<size_t>(in.gcount()) != size) return bad_file(code, rel, 0, "cannot read it");
  return text;
}

env::Result<nlohmann::json> read_import_json(const fs::path& path, const std::string& rel,
                                             const std::string& code) {
  auto text = read_import_file(path, rel, code);
  if (!text) return env::fail(text.error());
  try {
    return nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    return bad_file(code, rel, line_at(*text, e.byte > 0 ? e.byte - 1 : 0),
                    std::string("not JSON: ") + e.what());
  }
}

env::Result<std::vector<fs::path>> files_under(const fs::path& root, const std::string& code) {
  std::vector<fs::path> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) return bad_file(code, root.string(), 0, "cannot read the directory: " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) return bad_file(code, root.string(), 0, "cannot read the directory: " + ec.message());
    const std::string name = it->path().filename().string();
    if (it->is_directory(ec)) {
      if (name == ".git" || name == "node_modules" || name == ".sf" || name == ".sfdx")
        it.disable_recursion_pending();
      continue;
    }
    if (out.size() >= ImportLimits::kFilesMax)
      return bad_file(code, root.string(), 0,
                      "more than " + std::to_string(ImportLimits::kFilesMax) +
                          " files; import a smaller directory");
    out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string relative_name(const fs::path& path, const fs::path& root) {
  return path.lexically_relative(root).generic_string();
}

int line_at(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(offset), '\n'));
}

}  // namespace crmsim::importer
