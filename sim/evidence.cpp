#include "sim/evidence.h"

#include <algorithm>
#include <cctype>

namespace crmsim::sim {

namespace {

bool is_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// A short, one-line piece of `body` around `at`.
std::string excerpt_of(std::string_view body, size_t at, size_t bytes) {
  const size_t from = at > bytes / 2 ? at - bytes / 2 : 0;
  std::string out(body.substr(from, bytes));
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  if (from > 0) out = "..." + out;
  if (from + bytes < body.size()) out += "...";
  return out;
}

}  // namespace

bool hubspot_id_at(std::string_view text, size_t pos, size_t len, bool is_path) {
  const char before = pos > 0 ? text[pos - 1] : ' ';
  const char after = pos + len < text.size() ? text[pos + len] : ' ';
  if (word_char(before) || word_char(after) || before == '.' || after == '.' || before == '-' ||
      before == '+')
    return false;
  if (is_path) return before == '/' && (after == ' ' || after == '/' || after == '?');
  // The value of an "...id" key, or an item of a list.
  size_t i = pos;
  auto back = [&] {
    while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '"')) --i;
  };
  back();
  if (i == 0) return false;
  const char c = text[i - 1];
  if (c == '[' || c == ',') return true;
  if (c != ':') return false;
  --i;
  while (i > 0 && text[i - 1] == ' ') --i;
  if (i == 0 || text[i - 1] != '"') return false;
  const size_t key_end = --i;
  while (i > 0 && text[i - 1] != '"') --i;
  std::string key(text.substr(i, key_end - i));
  for (char& k : key) k = static_cast<char>(std::tolower(static_cast<unsigned char>(k)));
  return key.ends_with("id") || key.ends_with("ids");
}

Follower::Follower(std::vector<std::string> records) {
  std::sort(records.begin(), records.end());
  records.erase(std::unique(records.begin(), records.end()), records.end());
  std::erase(records, std::string());
  if (records.size() > kRecordsMax) records.resize(kRecordsMax);
  records_ = std::move(records);
}

void Follower::touched(std::string_view text, bool is_path, std::vector<std::string>& out,
                       size_t* first_at) const {
  for (const auto& id : records_) {
    // A Salesforce id is named by its first 15 characters too.
    const std::string_view needle =
        is_digits(id) ? std::string_view(id) : std::string_view(id).substr(0, 15);
    for (size_t at = text.find(needle); at != std::string_view::npos;
         at = text.find(needle, at + 1)) {
      if (is_digits(id) && !hubspot_id_at(text, at, needle.size(), is_path)) continue;
      if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
      if (first_at != nullptr && *first_at == std::string_view::npos) *first_at = at;
      break;
    }
  }
}

void Follower::keep(EvidenceStep step) {
  if (calls_kept_ >= kStepsMax) {
    ++dropped_;
    return;
  }
  ++calls_kept_;
  steps_.push_back(std::move(step));
}

void Follower::call(env::Timestamp at, Service service, const env::Request& request,
                    const env::Response* response, std::string_view outcome) {
  std::vector<std::string> found;
  const std::string_view raw = request.raw_path;
  const std::string_view path = raw.substr(0, raw.find('?'));
  touched(path, true, found, nullptr);
  touched(raw.substr(path.size()), false, found, nullptr);
  size_t in_request = std::string_view::npos, in_response = std::string_view::npos;
  touched(request.body, false, found, &in_request);
  if (response != nullptr) touched(response->body, false, found, &in_response);
  if (found.empty()) return;
  EvidenceStep step;
  step.at = at;
  step.kind = service == Service::kWebhooks ? "webhook" : "call";
  step.who = service == Service::kWebhooks ? "HubSpot" : "integration";
  step.what = std::string(env::method_name(request.method)) + " " + std::string(path) + " -> " +
              std::string(outcome) +
              (service == Service::kWebhooks ? "" : " (" + std::string(service_name(service)) + ")");
  if (in_request != std::string_view::npos)
    step.excerpt = "sent " + excerpt_of(request.body, in_request, kExcerptBytes);
  else if (in_response != std::string_view::npos)
    step.excerpt = "answered " + excerpt_of(response->body, in_response, kExcerptBytes);
  step.records = std::move(found);
  keep(std::move(step));
}

void Follower::actions(const std::vector<Action>& actions) {
  for (const auto& a : actions) {
    std::vector<std::string> found;
    for (const auto& id : records_)
      if (a.touches(id)) found.push_back(id);
    if (found.empty()) continue;
    // Not capped with the calls: people act on a few records a handful of times.
    steps_.push_back(
        EvidenceStep{a.at, "action", a.actor, a.kind + " " + a.target, "", std::move(found)});
  }
}

std::vector<EvidenceStep> Follower::steps() const {
  std::vector<EvidenceStep> out = steps_;
  std::stable_sort(out.begin(), out.end(),
                   [](const EvidenceStep& a, const EvidenceStep& b) { return a.at < b.at; });
  return out;
}

}  // namespace crmsim::sim
