#include "sim/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>

#include <sqlite3.h>
#include <unistd.h>

#include "engine/link_store.h"
#include "env/run_arena.h"
#include "sim/engine_host.h"
#include "sim/world.h"

namespace crmsim::sim {

namespace {

// How often webhooks are delivered and expectations looked at.
constexpr env::Duration kWebhookTick = env::Duration::seconds(10);
constexpr env::Duration kExpectationTick = env::Duration::minutes(1);
// Engine steps per run, so a run that spins is stopped, not endless.
constexpr uint64_t kStepsMax = 50'000'000;

// "a (3), b (1)" with `separator`, and the sum of the counts.
std::pair<uint64_t, std::string> tally(const std::map<std::string, uint64_t>& counts,
                                       const char* separator) {
  uint64_t n = 0;
  std::string text;
  for (const auto& [name, k] : counts) {
    n += k;
    text += (text.empty() ? "" : separator) + name + " (" + std::to_string(k) + ")";
  }
  return {n, text};
}

std::vector<std::string> findings_for(const Scenario& s, const RunResult& r) {
  std::vector<std::string> out;
  auto failed = [&](const std::string& name) {
    for (const auto& c : r.checks)
      if (c.name == name) return !c.passed;
    return false;
  };
  const auto& sync = s.sync;
  if (failed("no_duplicate_companies"))
    out.push_back(
        sync.contacts.create_as == engine::SalesforceObject::kLead
            ? "Duplicate companies: the connector matches an account to a company only "
              "through contacts it already synced, never by domain, so the companies HubSpot "
              "creates from email domains come back as second companies when accounts arrive "
              "(when leads convert, and for accounts whose contacts sync). Fix: create Contacts "
              "instead of Leads, or turn off automatic company creation (crmsim's "
              "companies.dedupe: domain also avoids it)."
            : "Duplicate companies: accounts and companies were matched neither by sync nor by "
              "domain. Fix: associate contacts before their accounts sync, or dedupe by domain.");
  if (failed("api_budget") && s.other_api_usage.per_day > 0)
    out.push_back(
        "The org's Salesforce API allocation is shared: other integrations made " +
        std::to_string(r.figures.other_salesforce_calls) + " calls during the run (" +
        std::to_string(static_cast<int64_t>(s.other_api_usage.per_day)) +
        " a day), and with the sync's the org's busiest 24 hours reached " +
        std::to_string(r.figures.peak_org_24h) + " of the org's " +
        std::to_string(r.figures.org_allocation_24h) +
        ". Fix: budget the sync against what the others leave (its api_call_limit below the "
        "allocation minus their use), sync fewer records (an inclusion list), or use a batched "
        "integration.");
  else if (failed("api_budget"))
    out.push_back("The Salesforce API allocation ran out (peak " +
                  std::to_string(r.figures.peak_salesforce_24h) + " calls in 24 hours against " +
                  std::to_string(r.figures.allocation_24h) +
                  "). Fix: sync only qualified contacts with an inclusion list, raise the "
                  "integration's API call limit, or use a batched integration.");
  auto caused = [&](const std::string& check, const std::string& cause) -> uint64_t {
    for (const auto& c : r.checks)
      if (c.name == check)
        if (auto it = c.causes.find(cause); it != c.causes.end()) return it->second;
    return 0;
  };
  auto violations = [&](const std::string& check) -> uint64_t {
    for (const auto& c : r.checks)
      if (c.name == check) return c.violations;
    return 0;
  };
  if (uint64_t n = caused("selective_sync", "unseen_duplicate"); n > 0)
    out.push_back(
        std::to_string(n) +
        " duplicates: the integration user could not see an existing Salesforce lead or contact "
        "(organization-wide defaults, its role and the sharing rules hide it), so the email "
        "lookup missed it and the sync created a second record. Fix: share every record whose "
        "person may also be in HubSpot with the integration user through a sharing rule to its "
        "role (not a role above the owners or View All, which sync every record they reach), or "
        "keep those people out of the inclusion list.");
  if (uint64_t n = caused("selective_sync", "lost_visibility"); n > 0)
    out.push_back(
        std::to_string(n) +
        " records stopped syncing because the integration user can no longer see them (an "
        "owner change or a field the sharing rule looks at moved them out of its reach, "
        "including records the integration created). Fix: make the sharing rule cover every "
        "record the integration creates, or give the integration user access to them.");
  {
    // Over-sync, by how the integration user reaches what it should not.
    const std::pair<const char*, const char*> kOverSync[] = {
        {"role_above_owner",
         "give the integration user a role of its own at the top of the role hierarchy with no "
         "roles under it, outside every existing branch; never a role above the records' owners, "
         "which sees everything they own"},
        {"view_all",
         "remove View All (and View All Data) on Lead and Contact from the integration user's "
         "profile, the Data Administration permissions a cloned System Administrator profile "
         "keeps"},
        {"modify_all",
         "remove Modify All (and Modify All Data) on Lead and Contact from the integration "
         "user's profile"},
        {"org_wide_default",
         "set the organization-wide default of Lead and Contact to Private, so that only the "
         "sharing rule shares them"},
        {"parent",
         "set Account's organization-wide default to Private (Contact is controlled by its "
         "parent account)"},
        {"sharing_rule",
         "narrow the sharing rules to the integration's role to the selection's criteria"}};
    uint64_t over = 0;
    std::string fixes;
    for (const auto& [kind, fix] : kOverSync)
      if (uint64_t n = caused("selective_sync", std::string("over_sync_") + kind); n > 0) {
        over += n;
        fixes += (fixes.empty() ? "" : "; ") + std::string(fix);
      }
    std::string declared;
    for (const auto& [object, condition] : s.selection)
      declared += (declared.empty() ? "" : ", ") + object + ": " + condition;
    if (over > 0)
      out.push_back(
          std::to_string(over) +
          " Salesforce records sync to HubSpot though they do not meet the selection the "
          "scenario declares (" + declared +
          "): the integration user reaches them another way than the sharing rule, so they "
          "unexpectedly sync (the seeds' warning about an integration role above other roles). "
          "Fix: " + fixes + ".");
    if (uint64_t n = caused("selective_sync", "hidden_selected"); n > 0)
      out.push_back(std::to_string(n) +
                    " Salesforce records meet the selection (" + declared +
                    ") but the integration user cannot see them, so they never sync. Fix: a "
                    "sharing rule with the selection's criteria, read/write, to the integration "
                    "user's role.");
  }
  if (failed("no_duplicate_contacts"))
    out.push_back(
        "The integration created a Salesforce record for an email that already had one. Check "
        "the witnesses: a record it could not see, or a lookup lost to a fault.");
  if (r.figures.integration_user_inactive_at_end)
    out.push_back(
        "The integration user was deactivated and is still inactive: Salesforce refuses its "
        "logins (\"inactive user\") and the sync has stopped in both directions; what people "
        "changed since waits, nothing is lost. Fix: reactivate the user (the sync picks up "
        "where it stopped), and run the integration as a dedicated integration user, not a "
        "person's account that is deactivated when they leave.");
  else if (r.figures.integration_user_inactive_s > 0)
    out.push_back("The integration user was inactive for " +
                  env::format_duration(env::Duration::millis(
                      static_cast<int64_t>(r.figures.integration_user_inactive_s * 1000))) +
                  ": the sync stopped and caught up after the reactivation. Fix: a dedicated "
                  "integration user that nobody deactivates.");
  if (uint64_t n = caused("convergence", "list_switch"); n > 0) {
    std::string list;
    for (const auto& e : s.events)
      if (e.kind == ScheduledEvent::Kind::kSwitchInclusionList) list = e.list;
    out.push_back(
        std::to_string(n) + " contacts already in '" + list +
        "' when it became the inclusion list never synced: selecting a list does not sync its "
        "members (HubSpot documents it); each syncs only when something triggers it, an edit or "
        "joining the list. Fix: resync the list's members right after switching (resync: true on "
        "the event), or expect them to catch up only as they change.");
  }
  if (!r.figures.population_refused.empty()) {
    const auto [n, rules] = tally(r.figures.population_refused, "; ");
    out.push_back(
        "The org's validation rules refused " + std::to_string(n) +
        " of the records generated before the run, so the org holds none of them: " + rules +
        ". The same rules refuse people's and the sync's writes during the run (Sync Health "
        "shows the sync's). If your data does meet them, describe the field values it has; "
        "if the sync must write such records, the rule needs an exception for the integration "
        "user.");
  }
  if (uint64_t n = caused("convergence", "wrong_winner"); n > 0)
    out.push_back(
        std::to_string(n) +
        " synced pairs settled on the value their field's rule should have overwritten, after "
        "one person set the field on both sides seconds apart: two_way keeps the most recent "
        "change, the Salesforce-first rules keep Salesforce's. The sync misjudged which change "
        "came last; that is the sync's fault, not a setting's. See the witnesses, and report it "
        "with the replay command.");
  if (r.figures.integration_user_inactive_at_end) {
    // Said above: the sync is stopped, so convergence cannot hold.
  } else if (failed("convergence") && r.figures.waiting_for_allocation)
    out.push_back(
        "Convergence was cut short by the API allocation: when the run ended the sync was "
        "still paused until the 24-hour window frees calls, with records not synced yet (they "
        "are queued, not lost; a longer settle shows them catch up). Fix the budget: an "
        "inclusion list, a higher api_call_limit, or the batched strategy.");
  else if (failed("convergence") && caused("convergence", "list_switch") +
                                        caused("convergence", "wrong_winner") <
                                    violations("convergence"))
    out.push_back(
        "After the faults healed and people stopped, some records still disagree or never "
        "synced, and Sync Health does not show them. See the witnesses.");
  if (failed("no_lifecycle_regression"))
    out.push_back("The integration moved lifecycle stages backward.");
  if (uint64_t n = caused("lifecycle_transitions", "not_moved"); n > 0)
    out.push_back(
        std::to_string(n) +
        " contacts with a contact role on an open or won opportunity did not reach opportunity "
        "or customer in HubSpot. Only Salesforce contacts linked to a HubSpot contact and "
        "attached to the opportunity through a contact role move a stage. See the witnesses.");
  if (uint64_t n = caused("lifecycle_transitions", "unexplained_move"); n > 0)
    out.push_back(std::to_string(n) +
                  " contacts were moved to opportunity or customer by the integration with no "
                  "contact role behind them (and no company moved by one).");
  if (failed("inclusion_list"))
    out.push_back("Contacts outside the inclusion list reached Salesforce.");
  if (failed("deletion_policy"))
    out.push_back("Deletes crossed between the CRMs against the deletion settings.");
  if (failed("no_echo_writes") || failed("no_oscillation"))
    out.push_back(
        "The integration writes values back and forth (echoes or oscillation): wasted API calls "
        "and noisy history. Check two_way mappings that are edited on both sides.");
  // Sync Health families with a known cause, and what to say about them.
  const std::pair<const char*, const char*> kHealth[] = {
      {"property_values",
       " records wait in Sync Health with property values Salesforce refuses (often states and "
       "countries off its picklists). Fix: set the HubSpot side of State/Country matching to "
       "match_salesforce_defaults, or clean the values."},
      {"permissions",
       " records wait in Sync Health with permission errors: the integration user cannot see or "
       "edit their Salesforce match, or a field it writes."}};
  if (!r.figures.read_only_fields.empty()) {
    const auto [n, fields] = tally(r.figures.read_only_fields, ", ");
    out.push_back(std::to_string(n) + " writes to Salesforce were refused whole because a mapped "
                  "field is read-only to the integration user: " + fields +
                  ". Fix: give its profile edit access to the field (field-level security), or "
                  "set its mapping to always_use_salesforce.");
  }
  if (!r.figures.rule_refusals.empty()) {
    const auto [n, rules] = tally(r.figures.rule_refusals, "; ");
    out.push_back(std::to_string(n) + " writes to Salesforce were refused by the org's validation "
                  "rules: " + rules + ". The sync retries them, and they wait in Sync Health, until "
                  "the record meets the rule. Fix: give the rule an exception for the integration "
                  "user, or sync the field it asks for (a mapping, or a default on the "
                  "integration user's record type).");
  }
  for (const auto& [family, text] : kHealth)
    if (auto it = r.figures.sync_health.find(family);
        it != r.figures.sync_health.end() && it->second > 0)
      out.push_back(std::to_string(it->second) + text);
  return out;
}

// The engine's SQLite store for a run. With a work directory it is a file
// there, removed before and after the run (for a user who wants to look at
// it while the run goes). Without one it is an SQLite in-memory database
// ("memdb") that a keeper connection holds open for the whole run: the
// engine opens, writes, crashes and opens again exactly as on a file, a
// commit survives the engine's crash and an open transaction rolls back,
// but no commit costs a write to the page cache or a checkpoint (a third
// of a 10,000-contact run's time went there). Power loss, the one thing a
// file adds, is not simulated.
class RunStore {
 public:
  RunStore(const RunOptions& options, const Scenario& scenario) {
    const std::string name = "run-" + std::to_string(options.seed) + "-" +
                             std::to_string(std::hash<std::string>{}(scenario.name) % 1000000);
    if (options.work_dir.empty()) {
      static std::atomic<uint64_t> serial{0};
      path_ = "file:/crmsim-" + std::to_string(::getpid()) + "-" + std::to_string(++serial) +
              "-" + name + "?vfs=memdb";
      const int rc = engine::LinkStore::open_connection(path_, &keeper_);
      CRMSIM_ASSERT(rc == SQLITE_OK, "an in-memory store opens");
      return;
    }
    namespace fs = std::filesystem;
    std::error_code ignored;
    fs::create_directories(options.work_dir, ignored);
    path_ = (fs::path(options.work_dir) / (name + ".db")).string();
    remove();
  }
  ~RunStore() {
    if (keeper_ != nullptr) sqlite3_close(keeper_);  // the last connection: the database goes
    else remove();
  }
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;
  const std::string& path() const { return path_; }

 private:
  void remove() {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path_ + suffix, ignored);
  }
  std::string path_;
  sqlite3* keeper_ = nullptr;
};

// The run's loop: the engine steps whenever it asks to be woken (or a
// webhook wakes it earlier, as the receiver does in production), the world
// goes on in between, and at the end of the working period every fault
// heals. Returns "" or why the engine could not run.
std::string drive(World& w, EngineHost& host, const RunOptions& options) {
  bool healed = false;
  for (uint64_t steps = 0; w.loop.now() < w.end && steps < kStepsMax; ++steps) {
    if (!healed && w.loop.now() >= w.humans_stop) {
      w.heal();
      healed = true;
    }
    if (!host.up())
      if (auto ok = host.open(); !ok) return "engine: " + ok.error().message;
    const EngineHost::Step step = host.step();
    if (step.crashed) {
      w.crashed();
      w.trace.record(w.loop.now(), "crash", {{"where", step.crash_where}});
      continue;
    }
    if (!host.engine().setup_error().empty())
      return "sync settings: " + host.engine().setup_error();
    w.trace.record(w.loop.now(), "step",
                   {{"wake", env::format_salesforce_datetime(step.wake)}});
    env::Timestamp next = std::max(step.wake, w.loop.now() + env::Duration::seconds(1));
    if (!healed) next = std::min(next, w.humans_stop);
    next = std::min(next, w.end);
    host.clear_delivered();
    for (;;) {
      auto t = w.loop.next_time();
      if (!t || *t > next) break;
      w.loop.run_next();
      if (host.delivered()) break;
    }
    if (!host.delivered()) w.loop.run_until(next);
    if (options.progress)
      options.progress(static_cast<double>((w.loop.now() - w.start).ms()) /
                       static_cast<double>((w.end - w.start).ms()));
  }
  if (!host.up())
    if (auto ok = host.open(); !ok) return "engine: " + ok.error().message;
  return "";
}

}  // namespace

std::vector<std::string> witnessed_records(const RunResult& result) {
  std::vector<std::string> out;
  for (const auto& c : result.checks)
    if (!c.passed)
      for (const auto& records : c.witness_records)
        for (const auto& id : records)
          if (out.size() < Follower::kRecordsMax &&
              std::find(out.begin(), out.end(), id) == out.end())
            out.push_back(id);
  return out;
}

namespace {

// What the connector's settings pages would not have offered: an inclusion
// list, a pipeline, a deal stage, a property or a field that the described
// portal or org does not have.
env::Status check_settings_exist(const Scenario& s, const Crms& crms) {
  namespace hs = mocks::hubspot;
  const engine::SyncConfig& sync = s.sync;
  const auto& portal = *crms.portal;
  const auto& schema = crms.org->schema();
  auto bad = [](const std::string& where, const std::string& what) {
    return env::fail("bad_setup", where + ": " + what);
  };
  auto no_list = [&](const std::string& where, const std::string& name) {
    std::string known;
    for (const auto& [id, l] : portal.lists())
      if (l.object_type == "contacts") known += (known.empty() ? "" : ", ") + ("'" + l.name + "'");
    return bad(where, "the portal has no contact list named '" + name + "' (" +
                          (known.empty()
                               ? std::string("it has no contact list; describe one under hubspot.lists")
                               : "its contact lists: " + known) +
                          ")");
  };
  if (const std::string& name = sync.contacts.inclusion_list;
      !name.empty() && portal.list_by_name("contacts", name) == nullptr)
    return no_list("sync.contacts.inclusion_list", name);
  // The population's mixes take values the portal and the org accept.
  if (const hs::ObjectTypeDef* contacts = portal.types().find("contacts")) {
    const hs::PropertyDef* stage = contacts->property("lifecyclestage");
    for (const auto& [value, weight] : s.population.mix.lifecyclestage) {
      if (value.empty() || stage == nullptr) continue;
      const bool known = std::any_of(stage->options.begin(), stage->options.end(),
                                     [&](const hs::PropertyOption& o) { return o.value == value; });
      if (!known)
        return bad("population.mix.lifecyclestage." + value,
                   "the portal has no lifecycle stage '" + value + "'");
    }
  }
  if (const mocks::salesforce::ObjectDef* lead = schema.object("Lead")) {
    for (auto [field, mix] : {std::pair{"Status", &s.population.mix.lead_status},
                              std::pair{"Rating", &s.population.mix.rating}}) {
      const mocks::salesforce::FieldDef* f = lead->field(field);
      if (f == nullptr || !f->restricted) continue;
      for (const auto& [value, weight] : *mix)
        if (!value.empty() && std::find(f->picklist_values.begin(), f->picklist_values.end(),
                                        value) == f->picklist_values.end())
          return bad(std::string("population.mix.") + (f->name == "Status" ? "lead_status" : "rating") +
                         "." + value,
                     "the org's Lead " + f->name + " picklist has no value '" + value + "'");
    }
  }
  for (size_t i = 0; i < s.events.size(); ++i) {
    using K = ScheduledEvent::Kind;
    const ScheduledEvent& e = s.events[i];
    // Events are in time order; their marks are by position in the file.
    const std::string w = "events[" + std::to_string(e.index) + "]";
    if (e.list.empty()) continue;
    const hs::HsList* list = portal.list_by_name("contacts", e.list);
    if (list == nullptr) return no_list(w + ".list", e.list);
    if ((e.kind == K::kAddToList || e.kind == K::kRemoveFromList) &&
        list->processing_type == "DYNAMIC")
      return bad(w + ".list", "'" + e.list +
                                  "' is an active (DYNAMIC) list: its members are whoever meets its "
                                  "filters, so people cannot be added or taken out by hand");
  }
  for (size_t i = 0; i < s.events.size(); ++i) {
    const ScheduledEvent& e = s.events[i];
    if (e.kind != ScheduledEvent::Kind::kEditBothSides) continue;
    const std::string w = "events[" + std::to_string(e.index) + "].property";
    const engine::FieldMapping* m = sync.contacts.mapping(e.property);
    if (m == nullptr)
      return bad(w, "no contact mapping for " + e.property + " (see sync.contacts.field_mappings)");
    if (m->rule == engine::SyncRule::kDontSync)
      return bad(w, e.property + "'s mapping does not sync");
  }
  for (const auto& [object, condition] : s.selection)
    if (auto c = crms.org->record_condition(object, condition); !c.ok())
      return bad("selection." + object, "the org refuses it: " + c.error().message);
  const auto* contacts = portal.types().find("contacts");
  const auto* lead = schema.object("Lead");
  const auto* contact = schema.object("Contact");
  for (const auto& m : sync.contacts.mappings) {
    const std::string mapping = m.hubspot + " <-> " +
                                (m.lead_field == m.contact_field ? m.lead_field
                                                                 : m.lead_field + "/" + m.contact_field);
    if (contacts != nullptr && contacts->property(m.hubspot) == nullptr)
      return bad("sync.contacts.field_mappings",
                 mapping + ": the portal's contacts have no property " + m.hubspot);
    if (!m.lead_field.empty() && lead != nullptr && lead->field(m.lead_field) == nullptr)
      return bad("sync.contacts.field_mappings",
                 mapping + ": the org's Lead has no field " + m.lead_field);
    if (!m.contact_field.empty() && contact != nullptr && contact->field(m.contact_field) == nullptr)
      return bad("sync.contacts.field_mappings",
                 mapping + ": the org's Contact has no field " + m.contact_field);
  }
  if (sync.companies.enabled) {
    const auto* companies = portal.types().find("companies");
    const auto* account = schema.object("Account");
    for (const auto& m : sync.companies.mappings) {
      if (companies != nullptr && companies->property(m.hubspot) == nullptr)
        return bad("sync.companies.field_mappings",
                   m.hubspot + ": the portal's companies have no property " + m.hubspot);
      if (!m.lead_field.empty() && account != nullptr && account->field(m.lead_field) == nullptr)
        return bad("sync.companies.field_mappings",
                   m.hubspot + " <-> " + m.lead_field + ": the org's Account has no field " +
                       m.lead_field);
    }
  }
  if (sync.deals.enabled) {
    const hs::Pipeline* pipeline = nullptr;
    std::string known;
    for (const auto& p : portal.pipelines("deals")) {
      if (p.id == sync.deals.pipeline) pipeline = &p;
      known += (known.empty() ? "" : ", ") + ("'" + p.id + "' (" + p.label + ")");
    }
    if (pipeline == nullptr)
      return bad("sync.deals.pipeline", "the portal has no deal pipeline '" + sync.deals.pipeline +
                                            "' (its pipelines: " + known + ")");
    for (const auto& [stage_name, stage] : sync.deals.stages)
      if (std::none_of(pipeline->stages.begin(), pipeline->stages.end(),
                       [&](const hs::PipelineStage& st) { return st.id == stage; }))
        return bad("sync.deals.stages", "Salesforce stage '" + stage_name +
                                            "' maps to deal stage '" + stage +
                                            "', which pipeline '" + pipeline->id + "' does not have");
  }
  return env::Ok{};
}

}  // namespace

env::Status check_setup(const Scenario& scenario) {
  VirtualClock clock(VirtualClock::kDefaultStart);
  auto crms = build_crms(scenario, clock);
  if (!crms) return env::fail(crms.error());
  return check_settings_exist(scenario, *crms);
}

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  const env::RunArena arena;  // huge pages, kept from run to run (env/run_arena.h)
  const auto wall_start = std::chrono::steady_clock::now();
  RunResult result;
  result.scenario = scenario.name;
  result.path = scenario.path;
  result.seed = options.seed;
  result.expected = scenario.expect;
  result.description = scenario.description;
  result.replay = "crmsim run " +
                  (scenario.path.empty() ? std::string("SCENARIO") : scenario.path) + " --seed " +
                  std::to_string(options.seed);

  RunStore store(options, scenario);
  // The host's door exists before the world that delivers to it; the
  // credentials come from the world, so the host learns them after it.
  std::unique_ptr<EngineHost> host;
  struct Door final : env::Transport {
    EngineHost* host = nullptr;
    env::Result<env::Response, env::TransportError> send(const env::Request& r) override {
      return host == nullptr ? env::Response::empty(503) : host->door().send(r);
    }
  } door;
  auto built = World::build(scenario, options.seed, door, options.trace);
  if (!built) {
    result.error = built.error().message;
    return result;
  }
  World& w = **built;
  result.started = w.start;
  std::unique_ptr<Follower> follower;
  if (!options.follow.empty()) {
    follower = std::make_unique<Follower>(options.follow);
    for (SimTransport* t : {w.to_salesforce.get(), w.to_hubspot.get(), w.to_engine.get()})
      t->set_follower(follower.get());
  }
  host = std::make_unique<EngineHost>(
      scenario.sync,
      engine::EngineCredentials{
          {w.crms.username, w.crms.password, "crmsim", "crmsim"}, w.hs_token},
      store.path());
  host->connect({*w.to_salesforce, *w.to_hubspot, w.engine_clock});
  door.host = host.get();
  w.webhook_line->set_defer([&](std::function<void()> d) { host->between_steps(std::move(d)); });

  // An admin switching the connector's settings mid-run: the engine is
  // reopened with them on its store.
  engine::SyncConfig settings = scenario.sync;
  w.workload->set_settings_listener([&](const ScheduledEvent& e) {
    if (e.kind != ScheduledEvent::Kind::kSwitchInclusionList) return;
    settings.contacts.inclusion_list = e.list;
    host->reconfigure(settings, e.resync);
  });
  w.workload->start(w.humans_stop);
  // Webhook deliveries, on their tick, never inside an engine step.
  std::function<void()> deliver = [&] {
    host->between_steps([&] {
      if (w.webhooks->pending() > 0) (void)w.webhooks->deliver(w.loop.now());
    });
    if (w.loop.now() + kWebhookTick <= w.end) (void)w.loop.schedule_after(kWebhookTick, deliver);
  };
  // Open expectations are looked at the moment HubSpot applies one of the
  // engine's writes (so latencies are exact to the millisecond): those whose
  // contact changed since the last look, as every expectation sees its
  // arrival in its HubSpot contact (a form contact holding its Salesforce
  // id, a lead's email, a title). Once a simulated minute every open one is
  // looked at, for what changes without a HubSpot write (an expectation
  // made moot in Salesforce).
  LatencyLog latencies;
  latencies.watch(*w.crms.portal);
  HealthSampler health(w.start, w.end);
  auto look = [&] { latencies.look(w.loop.now(), *w.workload, /*all=*/false); };
  w.to_hubspot->set_on_write(look);
  std::function<void()> tick = [&] {
    latencies.look(w.loop.now(), *w.workload);
    // Sync Health once a bucket, read while the engine is up (a read only:
    // the run goes on as it would unseen).
    if (health.due(w.loop.now()))
      host->between_steps([&] {
        if (host->up()) health.sample(w.loop.now(), host->engine());
      });
    if (w.loop.now() + kExpectationTick <= w.end)
      (void)w.loop.schedule_after(kExpectationTick, tick);
  };
  if (scenario.webhooks) (void)w.loop.schedule_after(kWebhookTick, deliver);
  (void)w.loop.schedule_after(kExpectationTick, tick);

  if (auto ok = host->open(); !ok) {
    result.error = "engine: " + ok.error().message;
    return result;
  }
  if (auto why = drive(w, *host, options); !why.empty()) {
    result.error = why;
    return result;
  }

  // The verdict.
  health.sample(w.loop.now(), host->engine(), true);
  result.figures = measure(w, host->engine(), latencies, health, host->crashes());
  RunState state{scenario,
                 *w.crms.org,
                 *w.crms.portal,
                 *w.hs_api,
                 *w.workload,
                 w.crms.integration_id,
                 w.hs_token,
                 result.figures.allocation_24h,
                 w.start,
                 failing_keys(host->engine()),
                 !host->engine().store().intents().empty()};
  result.checks = check_invariants(state);
  result.passed = true;
  for (const auto& c : result.checks) {
    const bool expected =
        std::find(scenario.expect.begin(), scenario.expect.end(), c.name) != scenario.expect.end();
    if (c.passed == expected) result.passed = false;
    w.trace.record(w.loop.now(), "check", {{"name", c.name}, {"passed", c.passed ? "yes" : "no"}});
  }
  result.findings = findings_for(scenario, result);
  result.trace_hash = w.trace.hash().hex();
  if (follower) {
    follower->actions(w.workload->actions());
    result.evidence = follower->steps();
    result.evidence_dropped = follower->dropped();
  }
  Figures& f = result.figures;
  f.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  f.simulated_per_wall = f.wall_seconds > 0 ? static_cast<double>((w.end - w.start).ms()) /
                                                  1000.0 / f.wall_seconds
                                            : 0;
  return result;
}

}  // namespace crmsim::sim
