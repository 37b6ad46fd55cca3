// What an import took in and what it left out. Nothing is dropped
// silently: every metadata item, export or setting the fakes cannot
// reproduce gets a note with its file and line and why; every item taken in
// with an approximation gets one too.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace crmsim::importer {

struct ImportNote {
  enum class Status { kApproximated, kNotImported };
  Status status = Status::kNotImported;
  std::string file;  // relative to the directory imported
  int line = 0;      // 0: the whole file
  std::string item;  // "validation rule Lead.Web_needs_email"
  std::string why;
};

struct ImportReport {
  static constexpr size_t kNotesMax = 10'000;  // beyond this, counted only
  std::vector<ImportNote> notes;
  size_t notes_dropped = 0;
  // What was taken in, by kind ("custom fields", "validation rules", ...).
  std::map<std::string, int> imported;

  void note(ImportNote n) {
    if (notes.size() < kNotesMax) notes.push_back(std::move(n));
    else ++notes_dropped;
  }
  void count(const std::string& kind, int n = 1) { imported[kind] += n; }
};

}  // namespace crmsim::importer
