// The witness chain of a failing run: everything that touched the records
// its violations name, in time order. A run is deterministic, so the
// report replays a failing seed with those records followed (RunOptions::
// follow) and gathers, for each, the people's actions on it, the
// integration's calls that named it (in the path, the request or the
// answer) and HubSpot's webhook deliveries about it. The replay must end
// with the same trace hash; the report says so when it does not.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "env/http_message.h"
#include "env/time.h"
#include "sim/sim_transport.h"
#include "sim/workload.h"

namespace crmsim::sim {

struct EvidenceStep {
  env::Timestamp at;
  std::string kind;     // "action" (a person), "call" (the integration), "webhook" (HubSpot)
  std::string who;      // "sales", "marketing", "admin", "integration", "HubSpot"
  std::string what;     // "convert_lead 00Q...", "PATCH /crm/v3/objects/contacts/350 -> 200"
  std::string excerpt;  // where the body names the record, cut short
  std::vector<std::string> records;  // the followed records it touched
};

// Gathers the steps that touched any of a run's followed records.
class Follower {
 public:
  static constexpr size_t kRecordsMax = 64;
  // Calls and webhook deliveries kept per run.
  static constexpr size_t kStepsMax = 5'000;
  static constexpr size_t kExcerptBytes = 160;

  // `records`: HubSpot ids (digits) and Salesforce ids; at most
  // kRecordsMax are followed.
  explicit Follower(std::vector<std::string> records);

  // One call through a simulated network (a webhook delivery when
  // `service` is kWebhooks). `response` is null when none came back.
  void call(env::Timestamp at, Service service, const env::Request& request,
            const env::Response* response, std::string_view outcome);
  // The people's actions on the followed records (after the run).
  void actions(const std::vector<Action>& actions);

  // Every step, in time order (actions merged in by time).
  std::vector<EvidenceStep> steps() const;
  // Steps past kStepsMax that were not kept.
  uint64_t dropped() const { return dropped_; }

 private:
  // The followed records `text` names; a HubSpot id counts only where it
  // stands as an id (a path segment, an "...id" key's value, a list item),
  // not inside a number or a phone.
  void touched(std::string_view text, bool is_path, std::vector<std::string>& out,
               size_t* first_at) const;
  void keep(EvidenceStep step);

  std::vector<std::string> records_;
  std::vector<EvidenceStep> steps_;
  size_t calls_kept_ = 0;  // calls and webhooks among steps_ (actions are not capped)
  uint64_t dropped_ = 0;
};

// Where a HubSpot id (digits) stands as an id in `text` at [pos, pos+len).
bool hubspot_id_at(std::string_view text, size_t pos, size_t len, bool is_path);

}  // namespace crmsim::sim
