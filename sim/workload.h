// The people in a simulation: the population generated into both CRMs
// before a run, and the humans who then work in them at the scenario's
// rates, through the fakes' model APIs as a person in the UI would (their
// writes bump modification stamps, fire webhooks and move lists, and cost
// no API calls). Data is realistic on purpose: names with quotes and
// accents, emails in other cases and with plus-addressing, colleagues
// sharing a domain, blank values, states and countries Salesforce refuses,
// the same person entered twice. Every draw comes from the run's Rng
// streams, so a seed replays exactly. Single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "env/rng.h"
#include "mocks/hubspot/portal.h"
#include "mocks/salesforce/org.h"
#include "sim/event_loop.h"
#include "sim/scenario.h"

namespace crmsim::sim {

// What a human did, for the trace and the invariants' witnesses.
struct Action {
  env::Timestamp at;
  std::string actor;   // "marketing", "sales", "admin"
  std::string kind;    // "create_contact", "convert_lead", ...
  std::string target;  // record ids touched, space-separated
  // The same ids one by one, in order (a conversion's: lead, contact,
  // account and, when it made one, opportunity).
  std::vector<std::string> ids;
  // An action on `target`'s ids.
  static Action on(env::Timestamp at, std::string actor, std::string kind, std::string target);
  bool touches(std::string_view id) const;
};

// A change a person made that the sync should carry to the other CRM:
// checked until it arrives, for the latency figures. Its arrival is seen in
// HubSpot whichever way it goes (the runner looks at HubSpot writes only).
struct Expectation {
  enum class State {
    kWaiting,  // not on the other side yet
    kArrived,  // visible on the other side: its latency counts
    kMoot,     // no longer measurable (deleted, overtaken by a later edit, or out of
               // the integration user's sight): dropped, counted nowhere
  };
  env::Timestamp made_at;
  bool to_salesforce = false;  // direction
  std::function<State()> state;
  // The HubSpot contact whose changes may make it arrive: by id, or (for a
  // contact yet to be made) by email, lower case.
  uint64_t hs_id = 0;
  std::string email;
};

// One person's edit of the same field on both sides of a synced pair
// (an edit_both_sides event): what each side was given, when, and whether
// the CRM took it. The field's sync rule decides which value should stay.
struct TwoSidedEdit {
  uint64_t hs_id = 0;
  std::string sf_id;
  std::string property;  // the HubSpot property; the Salesforce field is the mapping's
  std::string field;
  std::string hubspot_value, salesforce_value;
  env::Timestamp hubspot_at, salesforce_at;
  bool hubspot_taken = false, salesforce_taken = false;
};

class Workload {
 public:
  // Actions kept for witnesses (the newest).
  static constexpr size_t kActionsKeptMax = 100'000;
  // Open expectations at once; beyond this new ones are not tracked.
  static constexpr size_t kExpectationsMax = 20'000;
  // Two-sided edits kept for the checks; beyond this new ones are not judged.
  static constexpr size_t kTwoSidedEditsMax = 100'000;

  Workload(const Scenario& scenario, mocks::salesforce::Org& org, mocks::hubspot::Portal& portal,
           EventLoop& loop, env::Rng rng, std::vector<std::string> rep_user_ids);
  Workload(const Workload&) = delete;
  // The integration user: a Salesforce change it cannot see is not expected
  // to reach HubSpot (selective sync).
  void set_integration_user(std::string user_id) { integration_user_ = std::move(user_id); }
  Workload& operator=(const Workload&) = delete;
  // Who owns the generated records (user ids, weights); empty: the reps.
  void set_population_owners(std::vector<std::pair<std::string, double>> owners);

  // Fills both CRMs per scenario.population, spreading the records over
  // `span` of history (the clock moves forward by that much). Error
  // "population" when a fake refuses a generated record it should take.
  static constexpr env::Duration kHistoryDefault = env::Duration::days(30);
  env::Status populate(env::Duration span = kHistoryDefault);
  // Schedules the humans from now until `until`.
  void start(env::Timestamp until);
  // Told when an event changes the connector's settings (an admin switching
  // the inclusion list), to reconfigure the engine.
  void set_settings_listener(std::function<void(const ScheduledEvent&)> listener) {
    settings_listener_ = std::move(listener);
  }
  // Called for every action (trace).
  void set_listener(std::function<void(const Action&)> listener) {
    listener_ = std::move(listener);
  }

  const std::vector<Action>& actions() const { return actions_; }
  const std::vector<TwoSidedEdit>& two_sided_edits() const { return two_sided_edits_; }
  std::vector<Expectation>& expectations() { return expectations_; }
  uint64_t actions_taken() const { return actions_taken_; }
  // Generated records the org's validation rules refused, by the rule's
  // message ("Lead: Hot leads need a region"): the org holds no such record.
  const std::map<std::string, uint64_t>& population_refused() const { return population_refused_; }
  // Emails of people entered twice in Salesforce on purpose.
  const std::vector<std::string>& human_duplicates() const { return human_duplicates_; }

 private:
  struct Person {
    std::string first;
    std::string last;
    std::string email;  // "" for none
    std::string state;
    std::string country;
    std::string company;
  };
  Person draw_person(const std::string& domain, const std::string& company);
  std::string draw_domain(std::string* company);
  std::string case_variant(const std::string& email);
  void note(const std::string& actor, const std::string& kind, const std::string& target);
  void schedule(double per_hour, env::Timestamp until, std::function<void()> act);
  void refresh_pools();

  // Roles.
  void marketing_act();
  void sales_act();
  // A rep working deals in HubSpot: a new deal for a synced contact, or an
  // edit of a deal's amount, close date or name.
  void hubspot_deal_act();
  void admin_act();
  // A scenario's event at its moment; the many-record ones spread their
  // records over the event's `over`.
  void scheduled_act(const ScheduledEvent& event);
  void spread(const ScheduledEvent& event, size_t units, std::function<void(size_t)> unit);
  bool convert_lead(const std::string& rep, const std::string& lead_id, const std::string& actor);
  void edit_both_sides(const ScheduledEvent& event, uint64_t hs_id);
  // Fills the custom fields the org requires and `fields` lacks, as a person
  // entering the record would: a picklist's first value, 0, a date, "n/a".
  // No draw, so worlds without required custom fields replay as before.
  void complete_required(std::string_view object, mocks::salesforce::FieldInputs& fields) const;
  // A HubSpot contact's properties for a new person.
  mocks::hubspot::PropertyInputs contact_props(const Person& p);

  std::string owner();
  // The owner of a generated record (population.owners, else owner()).
  std::string population_owner();
  // A generated HubSpot contact's lifecycle stage ("" for none): MQL when
  // `mql`, else from the population's mix (half lead, half subscriber
  // without one).
  std::string contact_stage(env::Rng& rng, bool mql) const;
  // A generated lead's Rating: from the rating mix, else Hot at hot_leads,
  // else Warm. Its Status from the lead-status mix, when there is one.
  std::string lead_rating(env::Rng& rng) const;
  void add_lead_status(env::Rng& rng, mocks::salesforce::FieldInputs& fields) const;
  // population.domains: the companies people's emails come from, drawn by
  // their Zipf weights (cumulative, for a binary search).
  void build_domains();
  size_t pick(std::initializer_list<double> weights);
  const mocks::hubspot::ObjectRecord* random_contact();
  std::string random_sf(const std::string& object, bool live_unconverted = true);
  // True when the integration user cannot see Salesforce record `id`.
  bool hidden_from_sync(const std::string& id) const;

  const Scenario& scenario_;
  mocks::salesforce::Org& org_;
  mocks::hubspot::Portal& portal_;
  EventLoop& loop_;
  env::Rng rng_;
  env::Rng data_rng_;
  std::vector<std::string> reps_;
  std::string admin_;
  std::string integration_user_;
  std::function<void(const Action&)> listener_;
  std::function<void(const ScheduledEvent&)> settings_listener_;
  std::string inclusion_list_;  // the connector's, as events switch it
  std::vector<Action> actions_;
  std::vector<Expectation> expectations_;
  std::vector<TwoSidedEdit> two_sided_edits_;
  std::map<std::string, uint64_t> population_refused_;
  uint64_t actions_taken_ = 0;
  uint64_t serial_ = 0;
  std::vector<std::string> human_duplicates_;
  std::vector<std::pair<std::string, std::string>> companies_;  // (name, domain)
  std::vector<double> domain_cumulative_;  // with population.domains
  std::vector<std::pair<std::string, double>> owners_;
  std::vector<double> owner_weights_;
  std::vector<std::string> accounts_;
  // Pools of ids to pick from, refreshed hourly from the fakes.
  env::Timestamp pools_at_;
  bool pools_valid_ = false;
  std::vector<std::unique_ptr<std::function<void()>>> ticks_;
  std::vector<uint64_t> hs_contacts_;
  std::map<std::string, std::vector<std::string>> sf_ids_;
};

}  // namespace crmsim::sim
