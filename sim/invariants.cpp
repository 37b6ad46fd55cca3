#include "sim/invariants.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "engine/field_rules.h"
#include "engine/keys.h"
#include "env/text.h"
#include "mocks/hubspot/filters.h"

namespace crmsim::sim {

namespace sf = mocks::salesforce;
namespace hs = mocks::hubspot;
using engine::SyncRule;

namespace {

// The oracle's own copy of HubSpot's lifecycle order, kept apart from
// crm/vocabulary.h on purpose: the checker must not share a mistake with the
// fakes and the engine it judges. (A test holds the two equal.)
constexpr const char* kLifecycle[] = {"subscriber",         "lead",        "marketingqualifiedlead",
                                      "salesqualifiedlead", "opportunity", "customer",
                                      "evangelist"};
int lifecycle_rank(const std::string& stage) {
  for (int i = 0; i < 7; ++i)
    if (stage == kLifecycle[i]) return i;
  return -1;
}

std::string text(const sf::Record& r, const char* field) { return r.get(field).to_text(); }

std::string hs_key(std::string_view kind, uint64_t id) {
  return engine::HealthKey::hubspot(kind, id).text();
}
std::string sf_key(std::string_view object, std::string_view id) {
  return engine::HealthKey::salesforce(object, id).text();
}
std::string prop(const hs::ObjectRecord& r, const std::string& name) {
  return std::string(r.get(name).value_or(""));
}
std::string when(env::Timestamp t) { return env::format_salesforce_datetime(t); }

class Checker {
 public:
  explicit Checker(std::string name) { result_.name = std::move(name); }
  void violation(const std::string& witness, const std::string& cause = "",
                 std::vector<std::string> records = {}) {
    result_.passed = false;
    ++result_.violations;
    if (!cause.empty()) ++result_.causes[cause];
    if (result_.witnesses.size() < kWitnessesMax) {
      result_.witnesses.push_back(witness);
      std::erase(records, std::string());
      result_.witness_records.push_back(std::move(records));
    }
  }
  CheckResult done() { return std::move(result_); }

 private:
  CheckResult result_;
};

// The human actions that touched any of `ids`, newest last (at most 3).
std::string history_of(const RunState& s, const std::vector<std::string>& ids) {
  std::vector<std::string> found;
  for (const auto& a : s.workload.actions())
    for (const auto& id : ids)
      if (a.touches(id)) {
        found.push_back(when(a.at) + " " + a.actor + " " + a.kind + " " + a.target);
        break;
      }
  if (found.empty()) return "";
  std::string out = "; actions: ";
  const size_t from = found.size() > 3 ? found.size() - 3 : 0;
  for (size_t i = from; i < found.size(); ++i) out += (i > from ? " | " : "") + found[i];
  return out;
}

const hs::ObjectRecord* hs_contact(const RunState& s, uint64_t id) {
  return s.portal.find("contacts", id);
}

// A link as the fakes hold it, never as the engine's store does (the
// checker must not trust the system it checks): the Salesforce id a live
// HubSpot record keeps. A contact's Salesforce contact comes before its
// lead: a converted lead's HubSpot contact syncs with the contact.
struct HeldLink {
  uint64_t hs_id = 0;
  std::string sf_object;
  std::string sf_id;
};

std::optional<HeldLink> held_link(const hs::ObjectRecord& r) {
  if (r.archived) return std::nullopt;
  if (const std::string c = prop(r, "salesforcecontactid"); !c.empty())
    return HeldLink{r.id, "Contact", c};
  if (const std::string l = prop(r, "salesforceleadid"); !l.empty())
    return HeldLink{r.id, "Lead", l};
  return std::nullopt;
}

std::vector<HeldLink> held_contact_links(const RunState& s) {
  std::vector<HeldLink> out;
  for (const auto& [id, r] : s.portal.records("contacts"))
    if (auto link = held_link(r)) out.push_back(std::move(*link));
  return out;
}

// Deals: the opportunity id property of the deal pair.
std::vector<HeldLink> held_deal_links(const RunState& s, const std::string& property) {
  std::vector<HeldLink> out;
  for (const auto& [id, r] : s.portal.records("deals"))
    if (!r.archived)
      if (const std::string o = prop(r, property); !o.empty())
        out.push_back(HeldLink{id, "Opportunity", o});
  return out;
}

// Whether a person changed who may see `id` (its owner, or the field the
// sharing rules look at) after `t`: the integration's view then was not
// what it is now.
bool visibility_changed_after(const RunState& s, const std::string& id, const std::string& t) {
  const auto since = env::parse_datetime(t).value_or(env::Timestamp());
  for (const auto& a : s.workload.actions())
    if ((a.kind == "change_owner" || a.kind == "change_rating") && a.target.rfind(id, 0) == 0 &&
        a.at > since)
      return true;
  return false;
}

// Duplicates the integration made because it could not see the record
// that already had the email (selective sync's documented pitfall):
// (email, existing id, created id, when).
struct BlindDuplicate {
  std::string email, existing, created, at;
};

std::vector<BlindDuplicate> duplicates(const RunState& s, std::vector<BlindDuplicate>* sighted) {
  std::vector<BlindDuplicate> blind;
  std::map<std::string, std::vector<const sf::Record*>> by_email;
  for (const char* object : {"Lead", "Contact"})
    for (const auto& [id, r] : s.org.records(*s.org.schema().object(object))) {
      // A converted lead stays: the person existed from its creation on, and
      // a record the sync made for them after that is a duplicate even when
      // the lead was converted later.
      if (r.deleted) continue;
      const std::string email = env::ascii_lower(text(r, "Email"));
      if (!email.empty()) by_email[email].push_back(&r);
    }
  for (auto& [email, records] : by_email) {
    if (records.size() < 2) continue;
    std::sort(records.begin(), records.end(), [](const sf::Record* a, const sf::Record* b) {
      return std::pair(a->get("CreatedDate").to_text(), a->id) <
             std::pair(b->get("CreatedDate").to_text(), b->id);
    });
    // A person entering someone twice is not the engine's doing; the
    // integration creating a record for an email that existed is.
    for (size_t i = 1; i < records.size(); ++i) {
      const sf::Record* later = records[i];
      if (text(*later, "CreatedById") != s.integration_user) continue;
      const std::string created = text(*later, "CreatedDate");
      // The newest record that was live when the sync created `later`: a
      // converted lead was until its conversion (its last modification).
      const sf::Record* earlier = nullptr;
      for (size_t j = i; j-- > 0 && earlier == nullptr;)
        if (text(*records[j], "IsConverted") != "true" ||
            text(*records[j], "LastModifiedDate") > created)
          earlier = records[j];
      if (earlier == nullptr) continue;
      // The engine looked the email up a little before it created: a
      // change of visibility within a poll interval before the create may
      // have come after that lookup.
      const auto created_at = env::parse_datetime(created).value_or(env::Timestamp());
      const std::string looked =
          env::format_salesforce_datetime(created_at - s.scenario.sync.poll_interval);
      const bool seen = s.org.sharing_access(s.integration_user, *earlier) != sf::Access::kNone &&
                        !visibility_changed_after(s, earlier->id, looked);
      BlindDuplicate d{email, earlier->id, later->id, created};
      if (seen && sighted != nullptr) sighted->push_back(d);
      if (!seen) blind.push_back(d);
    }
  }
  return blind;
}

CheckResult no_duplicate_contacts(const RunState& s) {
  Checker c("no_duplicate_contacts");
  std::vector<BlindDuplicate> sighted;
  (void)duplicates(s, &sighted);
  for (const auto& d : sighted)
    c.violation("email " + d.email + ": the integration created " + d.created + " at " + d.at +
                    " although it could see " + d.existing + history_of(s, {d.existing, d.created}),
                "", {d.existing, d.created});
  std::map<std::string, uint64_t> hs_emails;
  for (const auto& [id, r] : s.portal.records("contacts")) {
    if (r.archived) continue;
    const std::string email = env::ascii_lower(prop(r, "email"));
    if (email.empty()) continue;
    auto [it, fresh] = hs_emails.emplace(email, id);
    if (!fresh)
      c.violation("HubSpot contacts " + std::to_string(it->second) + " and " + std::to_string(id) +
                      " share " + email,
                  "", {std::to_string(it->second), std::to_string(id)});
  }
  // One Salesforce record behind two HubSpot contacts: one of them shows a
  // link that nothing syncs.
  std::map<std::string, uint64_t> holders;
  for (const auto& link : held_contact_links(s)) {
    auto [it, fresh] = holders.emplace(link.sf_id, link.hs_id);
    if (!fresh)
      c.violation("HubSpot contacts " + std::to_string(it->second) + " and " +
                  std::to_string(link.hs_id) + " both hold Salesforce " + link.sf_object + " " +
                      link.sf_id + history_of(s, {link.sf_id}),
                  "", {std::to_string(it->second), std::to_string(link.hs_id), link.sf_id});
  }
  return c.done();
}

bool created_by_integration(const hs::Portal& portal, const hs::ObjectRecord& r,
                            const std::string& property) {
  auto history = portal.history(r, property);
  return !history.empty() && history.back().source_type == "INTEGRATION";
}

std::string company_key(std::string name) {
  name = env::ascii_lower(name);
  std::string out;
  for (char ch : name)
    if (std::isalnum(static_cast<unsigned char>(ch))) out += ch;
  for (const char* suffix : {"inc", "llc", "ltd", "gmbh", "corp"})
    if (out.size() > std::string(suffix).size() + 1 && out.ends_with(suffix))
      out.resize(out.size() - std::string(suffix).size());
  // "acme1" (from acme1.io) and "Acme 1 Inc." meet here.
  return out;
}

CheckResult no_duplicate_companies(const RunState& s) {
  Checker c("no_duplicate_companies");
  std::map<std::string, std::vector<const hs::ObjectRecord*>> groups;
  for (const auto& [id, r] : s.portal.records("companies")) {
    if (r.archived) continue;
    if (const std::string a = prop(r, "salesforceaccountid"); !a.empty())
      groups["account " + a].push_back(&r);
    if (const std::string d = env::ascii_lower(prop(r, "domain")); !d.empty())
      groups["domain " + d].push_back(&r);
    if (const std::string n = company_key(prop(r, "name")); !n.empty())
      groups["name " + n].push_back(&r);
  }
  std::set<std::pair<uint64_t, uint64_t>> seen;
  for (const auto& [key, members] : groups) {
    if (members.size() < 2) continue;
    for (size_t i = 1; i < members.size(); ++i) {
      const hs::ObjectRecord* a = members[0];
      const hs::ObjectRecord* b = members[i];
      if (!created_by_integration(s.portal, *a, "name") &&
          !created_by_integration(s.portal, *b, "name") && key.rfind("account", 0) != 0)
        continue;
      // Two accounts in Salesforce for one organisation are Salesforce's
      // duplicates, mirrored faithfully: not the sync's doing.
      const std::string account_a = prop(*a, "salesforceaccountid");
      const std::string account_b = prop(*b, "salesforceaccountid");
      if (!account_a.empty() && !account_b.empty() && account_a != account_b) continue;
      if (!seen.insert({a->id, b->id}).second) continue;
      auto who = [&](const hs::ObjectRecord& r) {
        auto h = s.portal.history(r, "name");
        const std::string account = prop(r, "salesforceaccountid");
        return std::to_string(r.id) + " '" + prop(r, "name") + "' (made by " +
               (h.empty() ? std::string("?") : h.back().source_type) + " at " + when(r.created_at) +
               (account.empty() ? "" : ", account " + account) + ")";
      };
      c.violation(
          "companies " + who(*a) + " and " + who(*b) + " are one organisation (" + key + ")" +
              history_of(s, {prop(*a, "salesforceaccountid"), prop(*b, "salesforceaccountid")}),
          "",
          {std::to_string(a->id), std::to_string(b->id), prop(*a, "salesforceaccountid"),
           prop(*b, "salesforceaccountid")});
    }
  }
  return c.done();
}

CheckResult no_duplicate_deals(const RunState& s) {
  Checker c("no_duplicate_deals");
  std::map<std::string, std::vector<uint64_t>> by_opportunity;
  for (const auto& [id, r] : s.portal.records("deals"))
    if (!r.archived)
      if (const std::string o = prop(r, "hs_salesforceopportunityid"); !o.empty())
        by_opportunity[o].push_back(id);
  for (const auto& [o, deals] : by_opportunity)
    if (deals.size() > 1)
      c.violation("opportunity " + o + " has " + std::to_string(deals.size()) + " deals (" +
                      std::to_string(deals[0]) + ", " + std::to_string(deals[1]) + ")" +
                      history_of(s, {o}),
                  "", {o, std::to_string(deals[0]), std::to_string(deals[1])});
  // The other way: an opportunity the integration created for a HubSpot
  // deal that no deal names is a second opportunity for one deal (a create
  // repeated after a lost answer). An intent still open is not finished.
  if (!s.scenario.sync.deals.enabled || s.intents_open) return c.done();
  const auto* object = s.org.schema().object("Opportunity");
  if (object == nullptr) return c.done();
  for (const auto& [id, r] : s.org.records(*object))
    if (!r.deleted && text(r, "CreatedById") == s.integration_user && !by_opportunity.count(id))
      c.violation("opportunity " + id + " (" + text(r, "Name") +
                      ") was created by the integration but no deal syncs with it" +
                      history_of(s, {id}),
                  "", {id});
  return c.done();
}

CheckResult no_lifecycle_regression(const RunState& s) {
  Checker c("no_lifecycle_regression");
  for (const auto& [id, r] : s.portal.records("contacts")) {
    auto history = s.portal.history(r, "lifecyclestage");  // newest first
    for (size_t i = 0; i + 1 < history.size(); ++i) {
      const auto& now = history[i];
      const auto& before = history[i + 1];
      if (now.source_type != "INTEGRATION") continue;
      const int a = lifecycle_rank(before.value), b = lifecycle_rank(now.value);
      if (a >= 0 && b >= 0 && b < a)
        c.violation("contact " + std::to_string(id) + ": the integration moved " + before.value +
                        " back to " + now.value + " at " + when(now.at),
                    "", {std::to_string(id)});
    }
  }
  return c.done();
}

bool was_in_named_list(const RunState& s, const std::string& name, const hs::ObjectRecord& r,
                       env::Timestamp from, env::Timestamp to);

// The inclusion list in force at `at` (events may switch it).
const std::string& list_at(const RunState& s, env::Timestamp at) {
  return s.scenario.inclusion_list_at(at - s.started);
}

// In the inclusion list in force at the end.
bool in_list(const RunState& s, uint64_t hs_id) {
  const std::string& name = s.scenario.inclusion_list_at(s.scenario.duration);
  if (name.empty()) return true;
  const hs::HsList* list = s.portal.list_by_name("contacts", name);
  return list != nullptr && list->members.count(hs_id) > 0;
}

// Whether HubSpot contact `hs_id` was already in the inclusion list the
// last switch (without a resync) chose, when it was chosen: selecting a
// list does not sync its members, so nothing may have triggered it since.
bool waiting_since_list_switch(const RunState& s, uint64_t hs_id) {
  const ScheduledEvent* last = nullptr;
  for (const auto& e : s.scenario.events)
    if (e.kind == ScheduledEvent::Kind::kSwitchInclusionList) last = &e;
  if (last == nullptr || last->resync || last->list.empty()) return false;
  const hs::HsList* list = s.portal.list_by_name("contacts", last->list);
  if (list == nullptr) return false;
  auto it = list->members.find(hs_id);
  return it != list->members.end() && it->second <= s.started + last->at;
}

// The lifecycle stages opportunities give, as the connector documents them:
// a linked Salesforce contact with a contact role on an open opportunity
// makes its HubSpot contact an opportunity, on a won one a customer (never
// backward, never from "other"); with companies' lifecycle sync the other
// contacts of its companies follow. Nothing else moves a contact there:
// not leads, not opportunities without contact roles, not do_nothing.
CheckResult lifecycle_transitions(const RunState& s) {
  Checker c("lifecycle_transitions");
  const auto& contacts = s.scenario.sync.contacts;
  auto furthest = [](std::string& t, const std::string& stage) {
    if (lifecycle_rank(stage) > lifecycle_rank(t)) t = stage;
  };
  // Per Salesforce contact: the stage its live, visible opportunities
  // give, and one of them; and every contact that ever had a role.
  std::map<std::string, std::pair<std::string, std::string>> due;
  std::set<std::string> had_role;
  for (const auto& [id, role] : s.org.records(*s.org.schema().object("OpportunityContactRole"))) {
    const std::string contact = text(role, "ContactId");
    had_role.insert(contact);
    const sf::Record* opp = s.org.find(text(role, "OpportunityId"));
    if (role.deleted || opp == nullptr || opp->deleted ||
        s.org.sharing_access(s.integration_user, *opp) == sf::Access::kNone)
      continue;
    const std::string stage = text(*opp, "IsWon") == "true"      ? "customer"
                              : text(*opp, "IsClosed") == "true" ? ""
                                                                 : "opportunity";
    auto& [best, because] = due[contact];
    if (lifecycle_rank(stage) > lifecycle_rank(best)) {
      best = stage;
      because = opp->id;
    }
  }
  const std::set<std::string>& failing = s.failing_keys;
  // A deactivated integration user stops the sync: what it has not done
  // yet is convergence's to report.
  const sf::Record* user = s.org.find(s.integration_user);
  const bool syncing = user != nullptr && user->get("IsActive").to_text() == "true";
  if (contacts.lifecycle_from_opportunity && syncing)
    for (const auto& link : held_contact_links(s)) {
      if (link.sf_object != "Contact") continue;
      auto it = due.find(link.sf_id);
      if (it == due.end() || it->second.first.empty()) continue;
      const sf::Record* r = s.org.find(link.sf_id);
      const hs::ObjectRecord* h = hs_contact(s, link.hs_id);
      if (r == nullptr || r->deleted || h == nullptr || h->archived ||
          s.org.sharing_access(s.integration_user, *r) == sf::Access::kNone ||
          !in_list(s, link.hs_id) || failing.count(sf_key("Contact", link.sf_id)))
        continue;
      const std::string now = prop(*h, "lifecyclestage");
      const auto& [stage, opp] = it->second;
      if (now == "other" || lifecycle_rank(now) >= lifecycle_rank(stage)) continue;
      c.violation("HubSpot contact " + std::to_string(link.hs_id) + " is at '" + now +
                      "' but Salesforce contact " + link.sf_id + " has a contact role on " +
                      (stage == "customer" ? "won" : "open") + " opportunity " + opp +
                      ", so it should be at '" + stage + "'" +
                      history_of(s, {std::to_string(link.hs_id), link.sf_id, opp}),
                  "not_moved", {std::to_string(link.hs_id), link.sf_id, opp});
    }
  // Moves the integration made: each needs a contact role behind it (or a
  // company moved by one), unless the stage is a mapped field.
  for (const auto& m : contacts.mappings)
    if (m.hubspot == "lifecyclestage") return c.done();
  const bool companies_follow =
      s.scenario.sync.companies.enabled && s.scenario.sync.companies.lifecycle_follows_contacts;
  for (const auto& [id, r] : s.portal.records("contacts")) {
    std::string moved_to;
    env::Timestamp at;
    for (const auto& h : s.portal.history(r, "lifecyclestage"))
      if (h.source_type == "INTEGRATION" &&
          lifecycle_rank(h.value) >= lifecycle_rank("opportunity") &&
          lifecycle_rank(h.value) > lifecycle_rank(moved_to)) {
        moved_to = h.value;
        at = h.at;
      }
    if (moved_to.empty()) continue;
    bool explained = false;
    if (contacts.lifecycle_from_opportunity) {
      for (const auto& h : s.portal.history(r, "salesforcecontactid"))
        explained = explained || had_role.count(h.value) > 0;
      if (!explained && companies_follow)
        for (const auto& [company, types] : s.portal.associations("contacts", id, "companies")) {
          const hs::ObjectRecord* co = s.portal.find("companies", company);
          if (co == nullptr) continue;
          std::string reached;
          for (const auto& h : s.portal.history(*co, "lifecyclestage"))
            if (h.source_type == "INTEGRATION") furthest(reached, h.value);
          explained = explained || lifecycle_rank(reached) >= lifecycle_rank(moved_to);
        }
    }
    if (!explained)
      c.violation("the integration moved HubSpot contact " + std::to_string(id) + " to '" +
                      moved_to + "' at " + when(at) +
                      (contacts.lifecycle_from_opportunity
                           ? ", but no Salesforce contact of it has a contact role"
                           : " although lifecycle_from_opportunity is do_nothing") +
                      history_of(s, {std::to_string(id)}),
                  "unexplained_move", {std::to_string(id)});
  }
  return c.done();
}

CheckResult api_budget(const RunState& s) {
  Checker c("api_budget");
  const int64_t peak = peak_calls_24h(s.org, s.integration_user);
  if (s.allocation_24h > 0 && peak > s.allocation_24h)
    c.violation("the integration made " + std::to_string(peak) +
                " Salesforce calls in 24 hours; its allocation is " +
                std::to_string(s.allocation_24h));
  // The org's own allocation running dry stops every API user, not only
  // the integration.
  uint64_t refused = 0;
  env::Timestamp first;
  for (const auto& e : s.org.api_usage().journal().entries())
    if (e.over_limit && refused++ == 0) first = e.at;
  if (refused > 0) {
    uint64_t refused_integration = 0, refused_others = 0;
    for (const auto& e : s.org.api_usage().journal().entries())
      if (e.over_limit) ++(e.principal == s.integration_user ? refused_integration : refused_others);
    c.violation("the org's daily API allocation (" +
                std::to_string(s.org.api_usage().daily_total()) + ") was exhausted at " +
                when(first) + ": " + std::to_string(refused) +
                " calls were refused with REQUEST_LIMIT_EXCEEDED, for every API user (" +
                std::to_string(refused_integration) + " of the sync's, " +
                std::to_string(refused_others) + " of other users')");
  }
  return c.done();
}

}  // namespace

std::string wrong_winner(const TwoSidedEdit& e, SyncRule rule, const std::string& value) {
  const bool from_hubspot = e.hubspot_taken && engine::same_value(e.property, value, e.hubspot_value);
  const bool from_salesforce =
      e.salesforce_taken && engine::same_value(e.property, value, e.salesforce_value);
  if (!from_hubspot && !from_salesforce) return "";  // changed again since: not this edit's to judge
  auto both = [&] {
    return "HubSpot '" + e.hubspot_value + "' at " + when(e.hubspot_at) + ", Salesforce '" +
           e.salesforce_value + "' at " + when(e.salesforce_at);
  };
  switch (rule) {
    case SyncRule::kTwoWay: {
      if (!e.hubspot_taken || !e.salesforce_taken) return "";  // one edit: nothing to choose
      const bool hubspot_later = e.hubspot_at > e.salesforce_at;
      if (hubspot_later == from_hubspot) return "";
      return "the earlier of one person's two edits (" + both() +
             "): two_way keeps the most recent change";
    }
    case SyncRule::kPreferSalesforceUnlessBlank:
    case SyncRule::kAlwaysUseSalesforce:
      if (!e.salesforce_taken || from_salesforce) return "";
      return "HubSpot's of one person's two edits (" + both() + "): " +
             engine::sync_rule_name(rule).data() + " keeps Salesforce's value";
    case SyncRule::kDontSync:
      return "";
  }
  return "";
}

namespace {

CheckResult convergence(const RunState& s) {
  Checker c("convergence");
  const auto& contacts = s.scenario.sync.contacts;
  const std::set<std::string>& failing = s.failing_keys;
  std::set<std::string> linked_sf;
  std::set<uint64_t> linked_hs;
  // The latest two-sided edit of each pair (edit_both_sides), by contact.
  std::map<uint64_t, const TwoSidedEdit*> two_sided;
  for (const auto& e : s.workload.two_sided_edits()) two_sided[e.hs_id] = &e;
  for (const auto& link : held_contact_links(s)) {
    linked_sf.insert(link.sf_id);
    linked_hs.insert(link.hs_id);
    const auto* h = hs_contact(s, link.hs_id);
    const sf::Record* r = s.org.find(link.sf_id);
    if (h == nullptr || r == nullptr || r->deleted) continue;
    if (text(*r, "IsConverted") == "true") continue;
    if (s.org.sharing_access(s.integration_user, *r) == sf::Access::kNone)
      continue;  // selective_sync
    if (failing.count(hs_key(engine::kContactLinks, link.hs_id)) ||
        failing.count(sf_key(link.sf_object, link.sf_id)))
      continue;  // reported in Sync Health
    if (!in_list(s, link.hs_id)) continue;
    const bool is_lead = link.sf_object == "Lead";
    // With "do nothing" for this object, Salesforce's edits stay in
    // Salesforce: a pair may rightly differ, and only what HubSpot sends is
    // the sync's business (HubSpot contacts reaching Salesforce, below).
    if ((is_lead ? contacts.on_lead_change : contacts.on_contact_change) ==
        engine::OnSalesforceChange::kDoNothing)
      continue;
    for (const auto& m : contacts.mappings) {
      const std::string& field = is_lead ? m.lead_field : m.contact_field;
      // Owners, states and countries are translated: compared by the engine's tests.
      if (field.empty() || m.rule == SyncRule::kDontSync || m.hubspot == "hubspot_owner_id" ||
          m.hubspot == "state" || m.hubspot == "country")
        continue;
      const std::string hv = prop(*h, m.hubspot);
      std::string sv = text(*r, field.c_str());
      if (sv == "[not provided]") sv.clear();
      bool agree = engine::same_value(m.hubspot, hv, sv);
      if (m.rule == SyncRule::kPreferSalesforceUnlessBlank && sv.empty()) agree = true;
      if (agree) {
        if (auto it = two_sided.find(link.hs_id);
            it != two_sided.end() && it->second->property == m.hubspot &&
            it->second->sf_id == link.sf_id) {
          const std::string wrong = wrong_winner(*it->second, m.rule, hv);
          if (!wrong.empty())
            c.violation("contact " + std::to_string(link.hs_id) + " and " + link.sf_object + " " +
                            link.sf_id + " agree on " + m.hubspot + "/" + field + " (" +
                            engine::sync_rule_name(m.rule).data() + ") = '" + hv + "', " + wrong +
                            history_of(s, {std::to_string(link.hs_id), link.sf_id}),
                        "wrong_winner", {std::to_string(link.hs_id), link.sf_id});
        }
        continue;
      }
      if (!agree)
        c.violation("contact " + std::to_string(link.hs_id) + " and " + link.sf_object + " " +
                    link.sf_id + " disagree on " + m.hubspot + "/" + field + " (" +
                    engine::sync_rule_name(m.rule).data() + "): HubSpot '" + hv +
                    "', Salesforce '" + sv + "'" +
                        history_of(s, {std::to_string(link.hs_id), link.sf_id}),
                    waiting_since_list_switch(s, link.hs_id) ? "list_switch" : "",
                    {std::to_string(link.hs_id), link.sf_id});
    }
  }
  // Deals in the synced pipeline agree with their opportunities.
  if (s.scenario.sync.deals.enabled && s.scenario.sync.deals.rule != SyncRule::kDontSync) {
    const engine::ObjectPairSettings pair = s.scenario.sync.deals.pair();
    for (const auto& link : held_deal_links(s, pair.salesforce_id_property)) {
      const auto* d = s.portal.find("deals", link.hs_id);
      const sf::Record* r = s.org.find(link.sf_id);
      if (d == nullptr || r == nullptr || r->deleted) continue;
      if (prop(*d, "pipeline") != s.scenario.sync.deals.pipeline) continue;
      if (s.org.sharing_access(s.integration_user, *r) == sf::Access::kNone) continue;
      if (failing.count(hs_key(engine::kDealLinks, link.hs_id)) ||
          failing.count(sf_key("Opportunity", link.sf_id)))
        continue;
      for (const auto& m : pair.mappings) {
        const std::string sv = text(*r, m.contact_field.c_str());
        const std::string hv = pair.to_salesforce_near(m.hubspot, prop(*d, m.hubspot), sv);
        bool agree = engine::same_value(m.hubspot, hv, sv);
        if (!agree && m.hubspot == "amount") {  // 1500 and 1500.0 are one amount
          char* end = nullptr;
          const double a = std::strtod(hv.c_str(), &end);
          agree = !hv.empty() && !sv.empty() && a == std::strtod(sv.c_str(), nullptr);
        }
        if (m.rule == SyncRule::kPreferSalesforceUnlessBlank && sv.empty()) agree = true;
        if (!agree)
          c.violation("deal " + std::to_string(link.hs_id) + " and opportunity " + link.sf_id +
                      " disagree on " + m.hubspot + "/" + m.contact_field + ": HubSpot '" +
                      prop(*d, m.hubspot) + "', Salesforce '" + sv + "'" +
                          history_of(s, {std::to_string(link.hs_id), link.sf_id}),
                      "", {std::to_string(link.hs_id), link.sf_id});
      }
    }
  }
  // Every eligible HubSpot contact reached Salesforce.
  std::map<std::string, std::string> sf_by_email;  // what Salesforce holds per email
  std::set<std::string> deleted_only;              // emails with a deleted record
  std::set<std::string> live_emails;
  for (const char* object : {"Lead", "Contact"})
    for (const auto& [id, r] : s.org.records(*s.org.schema().object(object))) {
      const std::string email = env::ascii_lower(text(r, "Email"));
      if (email.empty()) continue;
      (r.deleted ? deleted_only : live_emails).insert(email);
      std::string& d = sf_by_email[email];
      d += (d.empty() ? "" : ", ") + std::string(object) + " " + id +
           (r.deleted ? " deleted" : "") + (text(r, "IsConverted") == "true" ? " converted" : "") +
           (s.org.sharing_access(s.integration_user, r) == sf::Access::kNone ? " invisible" : "") +
           (linked_sf.count(id) ? " linked" : "");
    }
  {
    for (const auto& [id, r] : s.portal.records("contacts")) {
      if (r.archived || prop(r, "email").empty() || linked_hs.count(id) || !in_list(s, id) ||
          failing.count(hs_key(engine::kContactLinks, id)))
        continue;
      // A person deleted its Salesforce record: what happens then is the
      // deletion settings' business (deletion_policy), not convergence.
      const std::string email = env::ascii_lower(prop(r, "email"));
      if (deleted_only.count(email)) continue;
      c.violation("HubSpot contact " + std::to_string(id) + " (" + prop(r, "email") +
                  ") never reached Salesforce and is not in Sync Health; Salesforce has: " +
                  (sf_by_email.count(env::ascii_lower(prop(r, "email")))
                       ? sf_by_email[env::ascii_lower(prop(r, "email"))]
                           : std::string("nothing")) +
                      history_of(s, {std::to_string(id)}),
                  waiting_since_list_switch(s, id) ? "list_switch" : "", {std::to_string(id)});
    }
  }
  return c.done();
}

// A Salesforce user as people know them: the username.
std::string user_name(const RunState& s, const std::string& user_id) {
  const sf::Record* u = s.org.find(user_id);
  return u == nullptr ? user_id : text(*u, "Username");
}

// How the integration user reaches a record, in an admin's words.
std::string grants_text(const sf::Record& r,
                        const std::vector<sf::AccessGrant>& grants) {
  using K = sf::AccessGrant::Kind;
  std::string out;
  for (const auto& g : grants) {
    std::string one;
    switch (g.kind) {
      case K::kOwner: one = "ownership"; break;
      case K::kRoleAbove:
        one = "its role, above the owner's role '" + g.detail + "' in the hierarchy";
        break;
      case K::kModifyAll:
      case K::kViewAll: one = "its profile's " + g.detail; break;
      case K::kOrgWideDefault:
        one = r.object->name + "'s organization-wide default, " + g.detail;
        break;
      case K::kParent: one = "its parent record " + g.detail + ", which it can see"; break;
      case K::kSharingRule: one = "the sharing rule '" + g.detail + "'"; break;
    }
    out += (out.empty() ? "" : ", and ") + one;
  }
  return out;
}

CheckResult selective_sync(const RunState& s) {
  Checker c("selective_sync");
  for (const auto& d : duplicates(s, nullptr))
    c.violation("email " + d.email + ": the integration could not see " + d.existing +
                    " and created a duplicate, " + d.created + ", at " + d.at +
                    history_of(s, {d.existing, d.created}),
                "unseen_duplicate", {d.existing, d.created});
  for (const auto& link : held_contact_links(s)) {
    const sf::Record* r = s.org.find(link.sf_id);
    if (r == nullptr || r->deleted) continue;
    if (s.org.sharing_access(s.integration_user, *r) != sf::Access::kNone) continue;
    c.violation(
        link.sf_object + " " + link.sf_id + " (HubSpot contact " + std::to_string(link.hs_id) +
            ") is no longer visible to the integration user, " + "so it stopped syncing" +
            (text(*r, "CreatedById") == s.integration_user ? " (the integration created it)" : "") +
            history_of(s, {link.sf_id}),
        "lost_visibility", {link.sf_id, std::to_string(link.hs_id)});
  }
  // With a declared selection: the records someone else owns sync exactly
  // when they meet it.
  std::map<std::string, sf::Condition> selection;
  for (const auto& [object, condition] : s.scenario.selection)
    if (auto parsed = s.org.record_condition(object, condition); parsed.ok())
      selection.emplace(object, std::move(parsed).value());
  if (selection.empty()) return c.done();
  std::set<std::string> linked;
  for (const auto& link : held_contact_links(s)) {
    linked.insert(link.sf_id);
    const sf::Record* r = s.org.find(link.sf_id);
    if (r == nullptr || r->deleted || text(*r, "IsConverted") == "true") continue;
    auto sel = selection.find(r->object->name);
    if (sel == selection.end() || text(*r, "OwnerId") == s.integration_user ||
        s.org.meets(sel->second, *r))
      continue;
    const auto grants = s.org.access_grants(s.integration_user, *r);
    if (grants.empty()) continue;  // lost_visibility's, above
    c.violation(link.sf_object + " " + link.sf_id + " (HubSpot contact " +
                    std::to_string(link.hs_id) + ", owned by " + user_name(s, text(*r, "OwnerId")) +
                    ") syncs though it does not meet the selection (" +
                    s.scenario.selection.at(sel->first) +
                    "): the integration user sees it through " + grants_text(*r, grants) +
                    history_of(s, {link.sf_id}),
                "over_sync_" + std::string(sf::grant_kind_name(grants.front().kind)),
                {link.sf_id, std::to_string(link.hs_id)});
  }
  for (const auto& [object, condition] : selection) {
    for (const auto& [id, r] : s.org.records(*s.org.schema().object(object))) {
      if (linked.count(id) || r.deleted || text(r, "IsConverted") == "true" ||
          text(r, "Email").empty() ||
          text(r, "OwnerId") == s.integration_user || !s.org.meets(condition, r) ||
          s.org.sharing_access(s.integration_user, r) != sf::Access::kNone)
        continue;
      c.violation(object + " " + id + " (owned by " + user_name(s, text(r, "OwnerId")) +
                      ") meets the selection (" + s.scenario.selection.at(object) +
                      ") but the integration user cannot see it, so it never syncs" +
                      history_of(s, {id}),
                  "hidden_selected", {id});
    }
  }
  return c.done();
}

// Whether contact `r` was in the inclusion list at some moment of
// [from, to]. A dynamic list is judged by its filters over the contact's
// properties as they stood then (from their history), since people leave
// lists too; a manual list by who joined it before `to`.
bool was_in_list(const RunState& s, const hs::ObjectRecord& r, env::Timestamp from,
                 env::Timestamp to) {
  // A switch of the inclusion list within the window: either list counts
  // (the engine may have decided before it heard of the switch).
  if (list_at(s, from) != list_at(s, to) && was_in_named_list(s, list_at(s, from), r, from, to))
    return true;
  return was_in_named_list(s, list_at(s, to), r, from, to);
}

bool was_in_named_list(const RunState& s, const std::string& name, const hs::ObjectRecord& r,
                       env::Timestamp from, env::Timestamp to) {
  if (name.empty()) return true;
  const hs::HsList* list = s.portal.list_by_name("contacts", name);
  if (list == nullptr) return false;
  if (list->processing_type != "DYNAMIC" || list->filters.empty()) {
    auto it = list->members.find(r.id);
    if (it != list->members.end() && it->second <= to) return true;
    auto was = list->former.find(r.id);
    return was != list->former.end() && was->second.first <= to && was->second.second >= from;
  }
  // Each filtered property's history (newest first), read once.
  std::map<std::string, std::vector<hs::HistoryItem>> histories;
  for (const auto& g : list->filters)
    for (const auto& f : g.filters)
      if (!histories.count(f.property)) histories[f.property] = s.portal.history(r, f.property);
  // The moments to look at: `from`, and each change in the window.
  std::set<env::Timestamp> moments = {from};
  for (const auto& [p, history] : histories)
    for (const auto& h : history)
      if (h.at > from && h.at <= to) moments.insert(h.at);
  for (env::Timestamp t : moments) {
    hs::PropertyMap then;
    for (const auto& [p, history] : histories) {
      auto h = std::find_if(history.begin(), history.end(),
                            [&](const hs::HistoryItem& i) { return i.at <= t; });
      // Older versions than the portal keeps: the value then is unknown,
      // and unknown is no witness.
      if (h == history.end() && history.size() >= hs::Portal::kHistoryPerPropertyMax) return true;
      if (h != history.end() && !h->value.empty()) then.set(p, h->value);
    }
    if (hs::groups_match(*r.type, list->filters, then)) return true;
  }
  return false;
}

CheckResult inclusion_list(const RunState& s) {
  Checker c("inclusion_list");
  if (s.scenario.sync.contacts.inclusion_list.empty() &&
      std::none_of(s.scenario.events.begin(), s.scenario.events.end(), [](const ScheduledEvent& e) {
        return e.kind == ScheduledEvent::Kind::kSwitchInclusionList && !e.list.empty();
      }))
    return c.done();
  for (const auto& link : held_contact_links(s)) {
    const sf::Record* r = s.org.find(link.sf_id);
    const hs::ObjectRecord* h = hs_contact(s, link.hs_id);
    if (r == nullptr || h == nullptr || text(*r, "CreatedById") != s.integration_user) continue;
    const auto created = env::parse_datetime(text(*r, "CreatedDate"));
    if (!created) continue;
    // A contact made after the record (from it: a Salesforce change brings
    // back a contact someone deleted in HubSpot) is not what it was made from.
    const auto contact_created = env::parse_datetime(prop(*h, "createdate"));
    if (contact_created && *contact_created > *created + env::Duration::seconds(1)) continue;
    // The engine decided on what it read up to a poll interval before the
    // create (Salesforce keeps CreatedDate to the second).
    if (!was_in_list(s, *h, *created - s.scenario.sync.poll_interval,
                     *created + env::Duration::seconds(1)))
      c.violation(link.sf_object + " " + link.sf_id + " was created at " + when(*created) +
                  " from HubSpot contact " + std::to_string(link.hs_id) +
                      ", which was not in the inclusion list then" +
                      history_of(s, {std::to_string(link.hs_id), link.sf_id}),
                  "", {std::to_string(link.hs_id), link.sf_id});
  }
  return c.done();
}

CheckResult deletion_policy(const RunState& s) {
  Checker c("deletion_policy");
  for (const auto& e : s.org.api_usage().journal().entries())
    if (e.principal == s.integration_user && e.method == "DELETE" && e.status < 300)
      c.violation("the integration deleted in Salesforce at " + when(e.at) + " (" + e.route +
                  "): a HubSpot delete never deletes in Salesforce");
  const auto& contacts = s.scenario.sync.contacts;
  size_t deleted_by_engine = 0;
  for (const auto& e : s.hubspot_api.journal().entries())
    if (e.principal == s.hubspot_token && e.method == "DELETE" &&
        e.route.find("contacts") != std::string::npos && e.status < 300)
      ++deleted_by_engine;
  if (deleted_by_engine > 0 && contacts.on_lead_delete == engine::OnSalesforceDelete::kDoNothing &&
      contacts.on_contact_delete == engine::OnSalesforceDelete::kDoNothing)
    c.violation("the integration deleted " + std::to_string(deleted_by_engine) +
                " HubSpot contacts although both delete settings are do_nothing");
  return c.done();
}

CheckResult no_echo_writes(const RunState& s) {
  Checker c("no_echo_writes");
  for (const auto& [id, r] : s.portal.records("contacts")) {
    for (const auto& m : s.scenario.sync.contacts.mappings) {
      auto history = s.portal.history(r, m.hubspot);  // newest first
      for (size_t i = 0; i + 1 < history.size(); ++i)
        if (history[i].source_type == "INTEGRATION" && history[i].value == history[i + 1].value)
          c.violation("contact " + std::to_string(id) + ": the integration wrote " + m.hubspot +
                      " = '" + history[i].value + "' at " + when(history[i].at) +
                          ", the value it already had",
                      "", {std::to_string(id)});
    }
  }
  // And Salesforce: a field the integration set to the value it held.
  for (const auto& w : s.org.unchanged_writes())
    if (w.user_id == s.integration_user)
      c.violation("Salesforce " + w.record_id + ": the integration wrote " + w.field + " = '" +
                      w.value + "' at " + when(w.at) + ", the value it already had" +
                      history_of(s, {w.record_id}),
                  "", {w.record_id});
  return c.done();
}

// Whether a person acted on any of `ids` in (from, to].
bool touched_between(const RunState& s, const std::vector<std::string>& ids, env::Timestamp from,
                     env::Timestamp to) {
  for (const auto& a : s.workload.actions()) {
    if (a.at <= from || a.at > to) continue;
    for (const auto& id : ids)
      if (a.touches(id)) return true;
  }
  return false;
}

CheckResult no_oscillation(const RunState& s) {
  Checker c("no_oscillation");
  // Conversions, in the order they were taken, by each id they name.
  std::unordered_map<std::string_view, std::vector<const Action*>> conversions_naming;
  for (const auto& a : s.workload.actions()) {
    if (a.kind != "convert_lead") continue;
    for (const auto& id : a.ids) {
      auto& at = conversions_naming[id];
      if (at.empty() || at.back() != &a) at.push_back(&a);
    }
  }
  for (const auto& [id, r] : s.portal.records("contacts")) {
    auto link = held_link(r);
    std::vector<std::string> ids = {std::to_string(id), link ? link->sf_id : ""};
    // Every Salesforce record the contact was ever linked to, as its id
    // properties recorded them: the link itself is gone once the contact
    // was deleted.
    for (const char* p : {"salesforceleadid", "salesforcecontactid"})
      for (const auto& v : s.portal.history(r, p))
        if (!v.value.empty()) ids.push_back(v.value);
    // A converted lead was this contact's record before its contact.
    if (link)
      if (auto naming = conversions_naming.find(link->sf_id); naming != conversions_naming.end())
        for (const Action* conversion : naming->second) ids.push_back(conversion->ids.front());
    for (const auto& m : s.scenario.sync.contacts.mappings) {
      auto history = s.portal.history(r, m.hubspot);  // newest first
      // A, B, A written by the integration with nobody else in between.
      for (size_t i = 0; i + 2 < history.size(); ++i) {
        const auto& a = history[i + 2];
        const auto& b = history[i + 1];
        const auto& a2 = history[i];
        if (a.source_type == "INTEGRATION" && b.source_type == "INTEGRATION" &&
            a2.source_type == "INTEGRATION" && a.value == a2.value && a.value != b.value &&
            !touched_between(s, ids, a.at, a2.at)) {
          c.violation("contact " + std::to_string(id) +
                      (link ? " (" + link->sf_object + " " + link->sf_id + ")" : std::string()) +
                      ": " + m.hubspot + " flipped '" + a.value + "' -> '" + b.value + "' -> '" +
                      a2.value + "' (" + when(a.at) + " to " + when(a2.at) +
                          ") with nobody editing it" + history_of(s, ids),
                      "", ids);
          break;
        }
      }
    }
  }
  return c.done();
}

}  // namespace

int64_t peak_calls_24h(const sf::Org& org, const std::string& user_id) {
  std::deque<env::Timestamp> window;
  int64_t peak = 0;
  for (const auto& e : org.api_usage().journal().entries()) {
    if ((!user_id.empty() && e.principal != user_id) || e.over_limit) continue;
    window.push_back(e.at);
    while (!window.empty() && e.at - window.front() >= env::Duration::days(1)) window.pop_front();
    peak = std::max<int64_t>(peak, static_cast<int64_t>(window.size()));
  }
  return peak;
}

std::vector<std::string> oracle_lifecycle_stages() {
  return std::vector<std::string>(std::begin(kLifecycle), std::end(kLifecycle));
}

std::set<std::string> failing_keys(engine::SyncEngine& engine) {
  std::set<std::string> out;
  for (const auto& f : engine.store().failures())
    if (auto key = engine::HealthKey::parse(f.key)) out.insert(key->text());
  return out;
}

std::vector<CheckResult> check_invariants(const RunState& state) {
  static const std::map<std::string, std::function<CheckResult(const RunState&)>> kChecks = {
      {"no_duplicate_contacts", no_duplicate_contacts},
      {"no_duplicate_companies", no_duplicate_companies},
      {"no_duplicate_deals", no_duplicate_deals},
      {"no_lifecycle_regression", no_lifecycle_regression},
      {"lifecycle_transitions", lifecycle_transitions},
      {"api_budget", api_budget},
      {"convergence", convergence},
      {"selective_sync", selective_sync},
      {"inclusion_list", inclusion_list},
      {"deletion_policy", deletion_policy},
      {"no_echo_writes", no_echo_writes},
      {"no_oscillation", no_oscillation}};
  const std::vector<std::string> names = state.scenario.checked();
  // What the CRMs work out on first use and keep (the schemas' name
  // indexes, each list filter's values as numbers) is worked out here,
  // before any other thread reads it.
  for (const auto* object : state.org.schema().objects()) (void)object->field("");
  for (const auto* type : state.portal.types().all(true)) (void)type->property("");
  for (const auto& [id, list] : state.portal.lists())
    if (const auto* type = state.portal.types().find(list.object_type))
      for (const auto& group : list.filters)
        for (const auto& filter : group.filters)
          (void)hs::filter_matches(*type, filter, hs::PropertyMap{});
  // The threads take the longest checks first (as measured on the
  // 10,000-contact day), so that they finish about together: a long check
  // taken last would leave the other thread idle while it runs.
  static const std::vector<std::string_view> kLongestFirst = {
      "convergence",           "no_oscillation",          "no_echo_writes",
      "no_duplicate_contacts", "lifecycle_transitions",   "selective_sync",
      "deletion_policy",       "no_lifecycle_regression", "api_budget"};
  auto rank = [&](const std::string& name) {
    const auto it = std::find(kLongestFirst.begin(), kLongestFirst.end(), name);
    return static_cast<size_t>(it - kLongestFirst.begin());
  };
  std::vector<size_t> order(names.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rank(names[a]) < rank(names[b]); });
  std::vector<CheckResult> out(names.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t k; (k = next.fetch_add(1)) < order.size();) {
      const size_t i = order[k];
      out[i] = kChecks.at(names[i])(state);
    }
  };
  const unsigned helpers =
      std::min({kCheckThreadsMax, std::max(1u, std::thread::hardware_concurrency()),
                static_cast<unsigned>(names.size())});
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < helpers; ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  return out;
}

}  // namespace crmsim::sim
