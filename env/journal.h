// A fake's call journal: one entry per API call it answered (who, which
// route, the status, how many records the call touched) and per call that a
// fault on demand answered, held or cut short in its place, marked with the
// fault. The simulator's invariants and figures, the benchmarks and the
// admin route GET /__admin/journal read it. Entries are numbered from 0 in
// arrival order; the oldest are dropped past kEntriesMax (their numbers stay
// taken, so "since N" keeps its meaning). The request and response bodies
// of the newest kBodiesKept entries are kept when someone attaches them (the
// admin front does, for a served fake), each cut at kBodyBytesMax.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "env/query_params.h"
#include "env/result.h"
#include "env/time.h"

namespace crmsim::env {

struct JournalEntry {
  Timestamp at;
  // Who called: a Salesforce user id, a HubSpot private-app token; empty
  // when the call named no one the fake knows.
  std::string principal;
  std::string method;
  // The route pattern that served it ("/sobjects/:type/:id"); empty when no
  // route of the fake did (a fault answered first).
  std::string route;
  int status = 0;       // 0: no answer was sent (a timeout on demand)
  int64_t records = 0;  // records created, read, updated or deleted
  // Refused for the daily allocation, so not counted against it (Salesforce).
  bool over_limit = false;
  // The path as called, without the query; filled by the admin front.
  std::string path;
  // What a fault on demand did to the call: "" (nothing), "error",
  // "timeout", "lost_response", "rule 0: status 503"...
  std::string fault;

  // An entry for a call a fake answered itself.
  static JournalEntry call(Timestamp at, std::string principal, std::string_view method,
                           std::string route, int status, int64_t records,
                           bool over_limit = false) {
    JournalEntry e;
    e.at = at;
    e.principal = std::move(principal);
    e.method = std::string(method);
    e.route = std::move(route);
    e.status = status;
    e.records = records;
    e.over_limit = over_limit;
    return e;
  }
};

// Bodies of one entry, cut at Journal::kBodyBytesMax.
struct JournalBodies {
  uint64_t seq = 0;
  std::string request;
  std::string response;
  bool request_truncated = false;
  bool response_truncated = false;
};

class Journal {
 public:
  static constexpr size_t kEntriesMax = 2'000'000;
  static constexpr size_t kBodiesKept = 1'000;
  static constexpr size_t kBodyBytesMax = 16 * 1024;

  void append(JournalEntry entry);
  // Entries still kept, oldest first; entries()[i] is number dropped() + i.
  const std::deque<JournalEntry>& entries() const { return entries_; }
  uint64_t dropped() const { return dropped_; }
  // Entries ever appended: the number the next one gets.
  uint64_t total() const { return dropped_ + entries_.size(); }
  // The entry numbered `seq`; nullptr when dropped or not appended yet.
  JournalEntry* find(uint64_t seq);
  const JournalEntry* find(uint64_t seq) const;
  // Keeps the bodies of entry `seq` (dropping the oldest kept past
  // kBodiesKept). REQUIRES: entry `seq` exists.
  void keep_bodies(uint64_t seq, std::string_view request, std::string_view response);
  // The bodies kept for entry `seq`; nullptr when none are.
  const JournalBodies* bodies(uint64_t seq) const;
  void clear();

 private:
  std::deque<JournalEntry> entries_;
  uint64_t dropped_ = 0;
  std::deque<JournalBodies> bodies_;  // ascending seq
};

// Which entries a reader wants, from the query of GET /__admin/journal:
//   since=N | since=2024-05-20T12:00:00Z   from entry N, or from that time on
//   route=/crm/v3/objects/contacts          the route pattern or the path as
//                                           called; '*' for any run of characters
//   method=POST   status=429 | 4xx | 0 (no answer)
//   user=005...   the principal (Salesforce user id, HubSpot token)
//   fault=any | none | lost_response        any fault, none, or one whose
//                                           label contains the text
//   limit=N       entries per answer (kPageDefault; at most kPageMax)
struct JournalFilter {
  static constexpr size_t kPageDefault = 10'000;
  static constexpr size_t kPageMax = 100'000;

  uint64_t since_seq = 0;
  std::optional<Timestamp> since_time;
  std::string route;
  std::string method;
  int status = -1;        // -1: any
  int status_class = -1;  // 2 for "2xx"...; -1: any
  std::optional<std::string> principal;
  std::string fault;  // "", "any", "none" or a text the label contains
  size_t limit = kPageDefault;

  bool matches(const JournalEntry& entry) const;
};

// Reads the filter from a query (`paged`: a page of entries, which also
// takes limit and bodies; otherwise a count); an error names the parameter
// and what it takes. Unknown parameters are refused (a misspelt filter that filtered
// nothing would make a test's assertion pass for the wrong reason).
Result<JournalFilter> parse_journal_filter(const QueryParams& query, bool paged);

}  // namespace crmsim::env
