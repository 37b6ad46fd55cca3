// The named invariants a run is checked against, each reporting its first
// witnesses (record ids, times, and the human actions that touched them).
// They judge from the two fakes' own data: a link is the Salesforce id a
// HubSpot record holds (salesforcecontactid, salesforceleadid, the deal
// pair's opportunity id), never the engine's link store. Of the engine they
// read only what it reports to a user (Sync Health) and its open intents.
//   no_duplicate_contacts   the engine made no second Salesforce lead/contact
//                           for an email it could see, HubSpot holds no
//                           email twice, and no Salesforce record is held by
//                           two HubSpot contacts
//   no_duplicate_companies  no two live companies for one organisation (same
//                           Salesforce account, domain or name) where the
//                           integration made one of them
//   no_duplicate_deals      no opportunity behind two live deals
//   no_lifecycle_regression the integration never moved a lifecycle stage back
//   lifecycle_transitions   a linked contact with a contact role on an open or
//                           won opportunity reached opportunity or customer,
//                           and nothing else moved a contact there
//   api_budget              the integration's Salesforce calls in any rolling
//                           24 hours stayed within its allocation
//   convergence             after faults heal and people stop, every linked
//                           pair agrees per its sync rule and every eligible
//                           record is linked (or reported in Sync Health)
//   selective_sync          every linked Salesforce record is still visible
//                           to the integration user (else it stopped syncing)
//   inclusion_list          every Salesforce record the integration created
//                           from HubSpot was in the inclusion list
//   deletion_policy         deletes crossed only as the settings say
//   no_echo_writes          the integration never wrote a HubSpot value that
//                           was already there
//   no_oscillation          no value flips back and forth between the
//                           integration's writes
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/sync_engine.h"
#include "mocks/hubspot/portal.h"
#include "mocks/hubspot/rest.h"
#include "mocks/salesforce/org.h"
#include "sim/scenario.h"
#include "sim/workload.h"

namespace crmsim::sim {

struct CheckResult {
  std::string name;
  bool passed = true;
  uint64_t violations = 0;
  // The first witnesses, in plain words (at most kWitnessesMax).
  std::vector<std::string> witnesses;
  // The records each witness names, beside it: HubSpot ids (digits only)
  // and Salesforce ids. The report follows them through the run (the
  // people's actions and the integration's calls that touched them).
  std::vector<std::vector<std::string>> witness_records;
  // Violations per cause, for checks whose violations have more than one
  // (selective_sync: "unseen_duplicate", "lost_visibility"); findings say
  // the cause and the fix of each.
  std::map<std::string, uint64_t> causes;

  bool operator==(const CheckResult&) const = default;
};

// What the checks look at once a run has ended: the CRMs and the people
// as they are, and what the engine's store says, read beforehand (the
// checks run on several threads; they only read, and the store is one
// connection).
struct RunState {
  const Scenario& scenario;
  const mocks::salesforce::Org& org;
  const mocks::hubspot::Portal& portal;
  const mocks::hubspot::RestApi& hubspot_api;
  const Workload& workload;
  std::string integration_user;  // Salesforce user id
  std::string hubspot_token;     // the engine's
  int64_t allocation_24h = 0;    // the Salesforce calls the integration may make
  env::Timestamp started;
  // Sync Health's keys (engine/keys.h), each in its one spelling.
  std::set<std::string> failing_keys;
  // Whether a create's outcome is still unrecorded (an open write intent).
  bool intents_open = false;
};

// What RunState holds of the engine's store.
std::set<std::string> failing_keys(engine::SyncEngine& engine);

inline constexpr size_t kWitnessesMax = 5;

// When a pair agrees on `value` after one person set the field to two
// values, one on each side (edit_both_sides), and nobody changed it since:
// "" when `rule` keeps that value, else why it should not have. two_way
// keeps the later of the edits the CRMs took; the Salesforce-first rules
// keep Salesforce's (not blank, so HubSpot's never wins).
std::string wrong_winner(const TwoSidedEdit& edit, engine::SyncRule rule, const std::string& value);

// Runs the named checks (scenario.checked()) and answers in that order. The
// checks share kCheckThreadsMax threads (the caller's among them): each
// only reads, so the results are the same whichever thread ran which.
inline constexpr unsigned kCheckThreadsMax = 2;
std::vector<CheckResult> check_invariants(const RunState& state);
// The lifecycle order the checks judge by: the oracle's own copy, not
// crm/vocabulary.h's (tests hold the two equal).
std::vector<std::string> oracle_lifecycle_stages();

// The integration's Salesforce calls in its busiest rolling 24 hours
// (`user_id` empty: every API user's).
int64_t peak_calls_24h(const mocks::salesforce::Org& org, const std::string& user_id);

}  // namespace crmsim::sim
