// A scenario: everything one simulated run needs, read from a YAML (or
// JSON) file in scenarios/: the connector's settings and strategy
// (engine::SyncConfig), the Salesforce org and HubSpot portal as
// descriptions (docs/org-description.md, docs/portal-description.md), the
// population generated into them, the people at work and how often they
// act, the faults, how long it runs, which invariants are checked and which
// violations are expected (the proof that a pitfall is caught). A bad key or
// value is refused before anything runs, naming its path and what is
// allowed. See docs/scenarios.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/sync_config.h"
#include "env/result.h"
#include "env/structured_text.h"
#include "env/time.h"
#include "sim/sim_transport.h"

namespace crmsim::sim {

// Records generated into both CRMs before the run starts.
// What one run may take, estimated from its scenario before it starts: a
// scenario past it is refused (exit 2) with the estimate, instead of
// running for minutes and running out of memory. Two runs go on at once
// on a 24 GiB machine.
inline constexpr int64_t kRunBytesMax = int64_t{8} << 30;

struct Population {
  static constexpr int64_t kRecordsMax = 2'000'000;

  int64_t hubspot_contacts = 500;
  // Of those, at marketingqualifiedlead (the rest subscriber or lead).
  int64_t mqls = 25;
  int64_t salesforce_leads = 100;
  int64_t salesforce_contacts = 60;
  int64_t accounts = 30;
  // Share of the Salesforce people who are also in HubSpot (their email in
  // another case now and then).
  double shared = 0.2;
  double without_email = 0.02;
  // Share of records with a state or country Salesforce's picklist refuses.
  double bad_addresses = 0.0;
  // Share of Salesforce people entered twice by a person.
  double duplicates = 0.0;
  // Share of generated leads rated Hot (what sharing rules often look at).
  double hot_leads = 0.3;
  // The company domains people's emails use: how many (0: companies grow
  // as people come, most joining an existing one), how skewed (a Zipf
  // exponent: 0 even, 1 and above a few big companies holding most
  // people), and the share at free mail providers (gmail, outlook).
  struct Domains {
    static constexpr int64_t kCountMax = 100'000;
    int64_t count = 0;
    double skew = 1.0;
    double freemail = 0.15;
  } domains;
  // Who owns the generated Salesforce records: usernames of
  // salesforce.users with a weight each; empty: humans.reps evenly.
  std::vector<std::pair<std::string, double>> owners;
  // The mixes of values the generated records take, each a list of
  // (value, relative weight); "" leaves the field blank. Empty: the
  // defaults (half lead, half subscriber; Status left to the picklist's
  // default; Rating Hot at `hot_leads`, else Warm).
  struct Mix {
    static constexpr size_t kValuesMax = 200;
    // HubSpot contacts beyond the `mqls`, which are at marketingqualifiedlead.
    std::vector<std::pair<std::string, double>> lifecyclestage;
    // Salesforce leads' Status and Rating (a rating mix replaces hot_leads).
    std::vector<std::pair<std::string, double>> lead_status;
    std::vector<std::pair<std::string, double>> rating;
  } mix;
};

// People at work: actions per hour of simulated time, per role.
struct Humans {
  static constexpr double kPerHourMax = 100'000;
  double marketing_per_hour = 10;  // forms, property edits, lifecycle moves
  double sales_per_hour = 6;       // leads, contacts, conversions, opportunities
  double admin_per_hour = 0.5;     // deletes, merges, owner changes
  // The owners sales work as (usernames of salesforce.users); empty: the admin.
  std::vector<std::string> reps;
};

// How HubSpot's webhook deliveries misbehave as HubSpot documents they may:
// an event delivered more than once, late, and so out of order.
struct WebhookDelivery {
  double duplicates = 0;  // share of delivered batches sent again, within a minute
  double delayed = 0;     // share of batches held back (later ones overtake them)
  env::Duration delay_max = env::Duration::minutes(5);
  bool any() const { return duplicates > 0 || delayed > 0; }
};

struct Faults {
  FaultPlan salesforce;
  FaultPlan hubspot;
  FaultPlan webhooks;
  WebhookDelivery webhook_delivery;
  // Engine crashes per call to either CRM.
  double crash_rate = 0;
  // Or a number of crashes per simulated day of the working period, each at
  // a moment drawn from the seed (the next call after it crashes).
  static constexpr double kCrashesPerDayMax = 10'000;
  double crashes_per_day = 0;
  // Draw a different fault mix per seed around the rates above.
  bool swarm = false;
};

// Other integrations' use of the same org's API (a marketing tool, a data
// warehouse...): calls counted against the org's daily allocation beside
// the sync's, through the whole run and the 24 hours before it.
struct OtherApiUsage {
  static constexpr double kPerDayMax = 10'000'000;
  double per_day = 0;
  // The share of a day's calls made in each hour from midnight (24 shares
  // summing to 1); empty: evenly over the day.
  std::vector<double> profile;
};

// Something people do at a set moment of the working period, not at a
// rate: an admin deactivating the integration user (the seeds' "if that
// user deactivates, the integration breaks") and reactivating it; a sales
// team converting a wave of leads; a mass import into either CRM; a
// marketer adding contacts to a list or taking them out; an admin
// switching the connector's inclusion list; one person editing the same
// field on both sides of synced pairs.
struct ScheduledEvent {
  static constexpr size_t kEventsMax = 100;
  // Records one event touches or makes (imports count in the run's memory
  // estimate).
  static constexpr int64_t kCountMax = 200'000;
  env::Duration at;  // from the start of the working period
  enum class Kind {
    kDeactivateIntegrationUser,
    kReactivateIntegrationUser,
    kConvertLeads,         // count live leads converted by the reps
    kImportContacts,       // count new HubSpot contacts (an import), mqls of them MQLs
    kImportLeads,          // count new Salesforce leads (the Data Import Wizard)
    kAddToList,            // count contacts added to a static list
    kRemoveFromList,       // count members taken out of a static list
    kSwitchInclusionList,  // the connector's inclusion list becomes `list`
    kEditBothSides,        // count synced pairs: `property` edited in HubSpot and its field
                           // in Salesforce, seconds apart, to different values
  } kind = Kind::kDeactivateIntegrationUser;
  int64_t count = 0;
  env::Duration over = env::Duration::minutes(10);  // the wave or import spreads over this
  double mqls = 0;       // import_contacts: the share at marketingqualifiedlead
  std::string list;      // add_to_list, remove_from_list, switch_inclusion_list
  bool resync = false;   // switch_inclusion_list: resync the list's members at once
  std::string property;  // edit_both_sides: a mapped contact property (jobtitle)
  size_t index = 0;      // its place in the file's events (for messages)
};
std::string_view event_name(ScheduledEvent::Kind kind);

// The invariants every run can check (invariants.h).
const std::vector<std::string>& invariant_names();

struct Scenario {
  std::string name;
  std::string description;
  std::string path;  // where it was read from ("" when built in code)
  // Where each key of the file is, for refusals found after loading (the
  // org and portal built before the run); null when built in code.
  std::shared_ptr<const env::SourceMarks> marks;
  uint64_t seed = 1;
  env::Duration duration = env::Duration::days(1);
  // After the humans stop and the faults heal: how long the engine has to
  // converge. Default: four poll intervals, at least two hours.
  env::Duration settle;
  engine::SyncConfig sync = engine::SyncConfig::defaults();
  // The org and portal descriptions, as JSON text ("{}": the defaults).
  std::string salesforce = "{}";
  std::string hubspot = "{}";
  // The integration user's username (in salesforce.users); empty: crmsim
  // adds integration@crmsim.example as a System Administrator.
  std::string integration_user;
  Population population;
  Humans humans;
  Faults faults;
  std::vector<ScheduledEvent> events;  // in time order
  // Selective sync as the scenario means it: per Salesforce object (Lead,
  // Contact), the condition, in SOQL's WHERE syntax over the object's own
  // fields, that a record someone else owns must meet to sync (what the
  // sharing rules are meant to share with the integration user).
  // selective_sync then catches records that sync without meeting it, and
  // records that meet it but stay hidden. Empty: not declared.
  std::map<std::string, std::string> selection;
  OtherApiUsage other_api_usage;
  LatencyModel latency;
  bool webhooks = true;
  // The fakes' quotas and rate limits (Salesforce's daily allocation,
  // HubSpot's burst and daily limits); off to measure raw throughput.
  bool limits = true;
  std::vector<std::string> checks;  // every invariant when empty
  std::vector<std::string> expect;  // violations that must occur

  std::vector<std::string> checked() const;
  // The connector's inclusion list in force `since_start` into the working
  // period (switch_inclusion_list events change it).
  const std::string& inclusion_list_at(env::Duration since_start) const;
};

// Reads a parsed scenario document; `path` is for messages and replays.
// The memory a run of `s` is estimated to need, in bytes (see kRunBytesMax).
int64_t estimated_run_bytes(const Scenario& s);

env::Result<Scenario> parse_scenario(const nlohmann::json& document, const std::string& path = "");
env::Result<Scenario> load_scenario(const std::string& path);

}  // namespace crmsim::sim
