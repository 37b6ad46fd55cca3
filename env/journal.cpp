#include "env/journal.h"

#include <algorithm>

#include "env/assert.h"
#include "env/http_message.h"
#include "env/text.h"

namespace crmsim::env {

void Journal::append(JournalEntry entry) {
  if (entries_.size() >= kEntriesMax) {
    entries_.pop_front();
    ++dropped_;
  }
  entries_.push_back(std::move(entry));
}

JournalEntry* Journal::find(uint64_t seq) {
  if (seq < dropped_ || seq >= total()) return nullptr;
  return &entries_[seq - dropped_];
}

const JournalEntry* Journal::find(uint64_t seq) const {
  return const_cast<Journal*>(this)->find(seq);
}

void Journal::keep_bodies(uint64_t seq, std::string_view request, std::string_view response) {
  CRMSIM_ASSERT(seq < total(), "bodies for a journal entry not appended yet");
  CRMSIM_ASSERT(bodies_.empty() || bodies_.back().seq < seq, "journal bodies out of order");
  JournalBodies b;
  b.seq = seq;
  b.request = std::string(request.substr(0, kBodyBytesMax));
  b.response = std::string(response.substr(0, kBodyBytesMax));
  b.request_truncated = request.size() > kBodyBytesMax;
  b.response_truncated = response.size() > kBodyBytesMax;
  if (bodies_.size() >= kBodiesKept) bodies_.pop_front();
  bodies_.push_back(std::move(b));
}

const JournalBodies* Journal::bodies(uint64_t seq) const {
  auto it = std::lower_bound(bodies_.begin(), bodies_.end(), seq,
                             [](const JournalBodies& b, uint64_t s) { return b.seq < s; });
  return it != bodies_.end() && it->seq == seq ? &*it : nullptr;
}

void Journal::clear() {
  entries_.clear();
  bodies_.clear();
  dropped_ = 0;
}

bool JournalFilter::matches(const JournalEntry& e) const {
  if (since_time && e.at < *since_time) return false;
  if (!method.empty() && e.method != method) return false;
  if (status >= 0 && e.status != status) return false;
  if (status_class >= 0 && e.status / 100 != status_class) return false;
  if (principal && e.principal != *principal) return false;
  if (!route.empty()) {
    const bool glob = route.find('*') != std::string::npos;
    const bool hit = glob ? (glob_matches(e.route, route) || glob_matches(e.path, route))
                          : (e.route == route || e.path == route);
    if (!hit) return false;
  }
  if (fault == "any") return !e.fault.empty();
  if (fault == "none") return e.fault.empty();
  if (!fault.empty()) return e.fault.find(fault) != std::string::npos;
  return true;
}

namespace {

std::optional<uint64_t> whole_number(std::string_view s) {
  if (s.empty() || s.size() > 15 || s.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  uint64_t n = 0;
  for (char c : s) n = n * 10 + static_cast<uint64_t>(c - '0');
  return n;
}

}  // namespace

Result<JournalFilter> parse_journal_filter(const QueryParams& query, bool paged) {
  JournalFilter f;
  for (const auto& [key, value] : query.entries()) {
    auto bad = [&key](std::string what) {
      return fail("bad_filter", key + ": " + std::move(what));
    };
    if (key == "since") {
      if (auto n = whole_number(value)) {
        f.since_seq = *n;
      } else if (auto t = parse_datetime(value)) {
        f.since_time = *t;
      } else {
        return bad("expected an entry number or an ISO-8601 datetime");
      }
    } else if (key == "route") {
      if (value.empty() || value.size() > 2048) return bad("expected a route or path");
      f.route = value;
    } else if (key == "method") {
      if (!parse_method(value)) return bad("expected GET, POST, PUT, PATCH or DELETE");
      f.method = value;
    } else if (key == "status") {
      if (value.size() == 3 && value[0] >= '1' && value[0] <= '5' && value.substr(1) == "xx") {
        f.status_class = value[0] - '0';
      } else if (auto n = whole_number(value); n && *n <= 599) {
        f.status = static_cast<int>(*n);
      } else {
        return bad("expected a status (429), a class (4xx) or 0 (no answer)");
      }
    } else if (key == "user") {
      f.principal = value;
    } else if (key == "fault") {
      if (value.empty()) return bad("expected any, none or a fault's name");
      f.fault = value;
    } else if (key == "limit" && paged) {
      auto n = whole_number(value);
      if (!n || *n == 0 || *n > JournalFilter::kPageMax)
        return bad("expected a whole number from 1 to " + std::to_string(JournalFilter::kPageMax));
      f.limit = static_cast<size_t>(*n);
    } else if (key == "bodies" && paged) {
      if (value != "0" && value != "1") return bad("expected 0 or 1");
    } else {
      return fail("bad_filter",
                  "unknown parameter " + key +
                      " (the journal takes since, route, method, status, user, fault" +
                      (paged ? ", limit, bodies)" : ")"));
    }
  }
  return f;
}

}  // namespace crmsim::env
