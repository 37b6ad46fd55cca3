#include "sim/workload.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "crm/vocabulary.h"
#include "env/assert.h"
#include "env/text.h"

namespace crmsim::sim {

namespace sf = mocks::salesforce;
namespace hs = mocks::hubspot;
using State = Expectation::State;

namespace {

// Names as people type them: accents, apostrophes, hyphens, particles.
constexpr std::array<std::pair<const char*, const char*>, 24> kFirstNames = {{
    {"Ann", "ann"},          {"Zoë", "zoe"},         {"José", "jose"},     {"Chloé", "chloe"},
    {"Łukasz", "lukasz"},    {"Søren", "soren"},     {"Ana-María", "ana"}, {"Renée", "renee"},
    {"Björn", "bjorn"},      {"Siobhán", "siobhan"}, {"Thảo", "thao"},     {"Kim", "kim"},
    {"Lee", "lee"},          {"Mia", "mia"},         {"Noah", "noah"},     {"Omar", "omar"},
    {"Priya", "priya"},      {"Raj", "raj"},         {"Sven", "sven"},     {"Aoife", "aoife"},
    {"Jean-Luc", "jeanluc"}, {"Fatima", "fatima"},   {"Yuki", "yuki"},     {"Émile", "emile"},
}};
constexpr std::array<std::pair<const char*, const char*>, 20> kLastNames = {{
    {"O'Neil", "oneil"},
    {"Müller", "muller"},
    {"D'Angelo", "dangelo"},
    {"García", "garcia"},
    {"Smith", "smith"},
    {"van der Berg", "vanderberg"},
    {"Nguyễn", "nguyen"},
    {"Øster", "oster"},
    {"Dubois", "dubois"},
    {"Kowalski", "kowalski"},
    {"Smith-Jones", "smithjones"},
    {"Brown", "brown"},
    {"Patel", "patel"},
    {"Rossi", "rossi"},
    {"Schmidt", "schmidt"},
    {"Tanaka", "tanaka"},
    {"MacLeod", "macleod"},
    {"Ó Briain", "obriain"},
    {"Lefèvre", "lefevre"},
    {"Quinn \"QQ\"", "quinn"},
}};
constexpr std::array<const char*, 16> kCompanyWords = {
    "Acme",  "Globex", "Initech",   "Umbrella", "Hooli",     "Vandelay", "Stark",  "Wayne",
    "Wonka", "Tyrell", "Cyberdyne", "Soylent",  "Gringotts", "Monarch",  "Oscorp", "Massive"};
// (state, country): what Salesforce's default picklists take...
constexpr std::array<std::pair<const char*, const char*>, 6> kGoodPlaces = {
    {{"California", "United States"},
     {"New York", "United States"},
     {"Ontario", "Canada"},
     {"", "Germany"},
     {"", "France"},
     {"", ""}}};
// ...and what people type that they refuse.
constexpr std::array<std::pair<const char*, const char*>, 4> kBadPlaces = {
    {{"Calif.", "USA"}, {"", "Untied States"}, {"Bavaria", "Deutschland"}, {"NY", "U.S."}}};
constexpr std::array<const char*, 6> kOpenStages = {"Prospecting",          "Qualification",
                                                    "Needs Analysis",       "Value Proposition",
                                                    "Proposal/Price Quote", "Negotiation/Review"};
constexpr std::array<const char*, 5> kTitles = {"CEO", "VP Sales", "Buyer", "Engineer", ""};

const hs::WriteSource kForm{"FORM", "marketing-forms"};
const hs::WriteSource kMarketer{"CRM_UI", "marketer"};
const hs::WriteSource kSalesUi{"CRM_UI", "sales-rep"};
const hs::WriteSource kHsAdmin{"CRM_UI", "hubspot-admin"};

}  // namespace

size_t Workload::pick(std::initializer_list<double> weights) {
  const std::vector<double> w(weights);
  return rng_.weighted_index(w);
}

Workload::Workload(const Scenario& scenario, sf::Org& org, hs::Portal& portal, EventLoop& loop,
                   env::Rng rng, std::vector<std::string> rep_user_ids)
    : scenario_(scenario),
      org_(org),
      portal_(portal),
      loop_(loop),
      rng_(rng.fork("actions")),
      data_rng_(rng.fork("data")),
      reps_(std::move(rep_user_ids)),
      admin_(org.admin_user_id()),
      inclusion_list_(scenario.sync.contacts.inclusion_list) {
  if (reps_.empty()) reps_.push_back(admin_);
}

std::string Workload::owner() { return reps_[rng_.index(reps_.size())]; }

void Workload::set_population_owners(std::vector<std::pair<std::string, double>> owners) {
  owners_ = std::move(owners);
  owner_weights_.clear();
  for (const auto& o : owners_) owner_weights_.push_back(o.second);
}

std::string Workload::population_owner() {
  if (owners_.empty()) return owner();
  return owners_[data_rng_.weighted_index(owner_weights_)].first;
}

void Workload::build_domains() {
  const auto& d = scenario_.population.domains;
  if (d.count == 0 || !domain_cumulative_.empty()) return;
  // The accounts made first took the first domains; the rest are named now.
  while (companies_.size() < static_cast<size_t>(d.count)) {
    const std::string word = kCompanyWords[data_rng_.index(kCompanyWords.size())];
    const std::string n = std::to_string(companies_.size() + 1);
    companies_.emplace_back(word + " " + n + (data_rng_.bernoulli(0.3) ? " Inc." : ""),
                            env::ascii_lower(word) + n + ".io");
  }
  double sum = 0;
  for (size_t k = 0; k < static_cast<size_t>(d.count); ++k) {
    sum += 1.0 / std::pow(static_cast<double>(k + 1), d.skew);
    domain_cumulative_.push_back(sum);
  }
}

std::string Workload::draw_domain(std::string* company) {
  if (const auto& d = scenario_.population.domains; d.count > 0 || d.freemail >= 1) {
    build_domains();
    if (domain_cumulative_.empty() || data_rng_.bernoulli(d.freemail)) {
      if (company != nullptr) *company = "";
      return data_rng_.bernoulli(0.5) ? "gmail.com" : "outlook.com";
    }
    const double x = data_rng_.uniform_real() * domain_cumulative_.back();
    const size_t k = static_cast<size_t>(
        std::upper_bound(domain_cumulative_.begin(), domain_cumulative_.end(), x) -
        domain_cumulative_.begin());
    const auto& c = companies_[std::min(k, companies_.size() - 1)];
    if (company != nullptr) *company = c.first;
    return c.second;
  }
  // Colleagues share a domain: most people join an existing company.
  if (!companies_.empty() && data_rng_.bernoulli(0.7)) {
    const auto& c = companies_[data_rng_.index(companies_.size())];
    if (company != nullptr) *company = c.first;
    return c.second;
  }
  if (data_rng_.bernoulli(0.15)) {
    if (company != nullptr) *company = "";
    return data_rng_.bernoulli(0.5) ? "gmail.com" : "outlook.com";
  }
  const std::string word = kCompanyWords[data_rng_.index(kCompanyWords.size())];
  const std::string n = std::to_string(companies_.size() + 1);
  companies_.emplace_back(word + " " + n + (data_rng_.bernoulli(0.3) ? " Inc." : ""),
                          env::ascii_lower(word) + n + ".io");
  if (company != nullptr) *company = companies_.back().first;
  return companies_.back().second;
}

Workload::Person Workload::draw_person(const std::string& domain, const std::string& company) {
  Person p;
  const auto& f = kFirstNames[data_rng_.index(kFirstNames.size())];
  const auto& l = kLastNames[data_rng_.index(kLastNames.size())];
  p.first = data_rng_.bernoulli(0.05) ? "" : f.first;
  p.last = l.first;
  p.company = company;
  const std::string serial = std::to_string(++serial_);
  if (!data_rng_.bernoulli(scenario_.population.without_email)) {
    std::string local = std::string(f.second) + "." + l.second + serial;
    if (data_rng_.bernoulli(0.05)) local += "+news";
    p.email = local + "@" + domain;
  }
  const auto& place = data_rng_.bernoulli(scenario_.population.bad_addresses)
                          ? kBadPlaces[data_rng_.index(kBadPlaces.size())]
                          : kGoodPlaces[data_rng_.index(kGoodPlaces.size())];
  p.state = place.first;
  p.country = place.second;
  return p;
}

std::string Workload::case_variant(const std::string& email) {
  if (email.empty() || !data_rng_.bernoulli(0.3)) return email;
  std::string out = email;
  out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

Action Action::on(env::Timestamp at, std::string actor, std::string kind, std::string target) {
  Action a{at, std::move(actor), std::move(kind), std::move(target), {}};
  for (size_t start = 0; start < a.target.size();) {
    const size_t end = std::min(a.target.find(' ', start), a.target.size());
    if (end > start) a.ids.push_back(a.target.substr(start, end - start));
    start = end + 1;
  }
  return a;
}

bool Action::touches(std::string_view id) const {
  return !id.empty() && std::find(ids.begin(), ids.end(), id) != ids.end();
}

void Workload::note(const std::string& actor, const std::string& kind, const std::string& target) {
  ++actions_taken_;
  Action a = Action::on(loop_.now(), actor, kind, target);
  if (listener_) listener_(a);
  if (actions_.size() >= kActionsKeptMax) actions_.erase(actions_.begin(), actions_.begin() + 1000);
  actions_.push_back(std::move(a));
}

hs::PropertyInputs Workload::contact_props(const Person& p) {
  hs::PropertyInputs props = {{"lastname", p.last}};
  if (!p.first.empty()) props.emplace_back("firstname", p.first);
  if (!p.email.empty()) props.emplace_back("email", p.email);
  if (!p.company.empty()) props.emplace_back("company", p.company);
  if (!p.state.empty()) props.emplace_back("state", p.state);
  if (!p.country.empty()) props.emplace_back("country", p.country);
  return props;
}

env::Status Workload::populate(env::Duration span) {
  const Population& pop = scenario_.population;
  // Records are made over `span` (the CRMs' history before the run), so
  // they carry realistic, distinct timestamps.
  const int64_t total = std::max<int64_t>(
      1, pop.accounts + pop.salesforce_contacts + pop.salesforce_leads + pop.hubspot_contacts);
  const env::Duration step = env::Duration::millis(std::max<int64_t>(1, span.ms() / total));
  const env::Timestamp until = loop_.now() + span;
  auto tick = [&] {
    if (loop_.now() + step < until) loop_.run_until(loop_.now() + step);
  };
  auto refused = [](const std::string& what, const std::string& message) {
    return env::fail("population", "generating " + what + " was refused: " + message);
  };
  // Accounts and their contacts.
  for (int64_t i = 0; i < pop.accounts; ++i) {
    // Each account is its own organisation (people join them later).
    const std::string word = kCompanyWords[data_rng_.index(kCompanyWords.size())];
    const std::string n = std::to_string(companies_.size() + 1);
    companies_.emplace_back(word + " " + n, env::ascii_lower(word) + n + ".io");
    const std::string company = companies_.back().first, domain = companies_.back().second;
    tick();
    sf::FieldInputs account = {{"Name", company}, {"Website", domain}};
    complete_required("Account", account);
    auto id = org_.create(population_owner(), "Account", account);
    if (!id.ok() && id.error().error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION") {
      ++population_refused_["Account: " + id.error().message];
      continue;
    }
    if (!id.ok()) return refused("an account", id.error().message);
    accounts_.push_back(*id);
  }
  std::vector<std::string> sf_emails;
  auto add_person = [&](const std::string& object, bool duplicate) -> env::Status {
    tick();
    std::string company;
    const std::string domain = draw_domain(&company);
    Person p = draw_person(domain, company);
    sf::FieldInputs fields = {{"LastName", p.last}, {"OwnerId", population_owner()}};
    if (!p.first.empty()) fields.emplace_back("FirstName", p.first);
    if (!p.email.empty()) fields.emplace_back("Email", p.email);
    if (duplicate && !sf_emails.empty()) {
      const std::string& again = sf_emails[data_rng_.index(sf_emails.size())];
      for (auto& [k, v] : fields)
        if (k == "Email") v = case_variant(again);
      human_duplicates_.push_back(env::ascii_lower(again));
    }
    if (object == "Lead") {
      fields.emplace_back("Company", p.company.empty() ? "[not provided]" : p.company);
      fields.emplace_back("Rating", lead_rating(data_rng_));
      add_lead_status(data_rng_, fields);
      if (!p.state.empty()) fields.emplace_back("State", p.state);
      if (!p.country.empty()) fields.emplace_back("Country", p.country);
    } else {
      if (!accounts_.empty())
        fields.emplace_back("AccountId", accounts_[data_rng_.index(accounts_.size())]);
      if (!p.state.empty()) fields.emplace_back("MailingState", p.state);
      if (!p.country.empty()) fields.emplace_back("MailingCountry", p.country);
    }
    complete_required(object, fields);
    auto id = org_.create(admin_, object, fields);
    // A person Salesforce refuses (a bad country with picklists on) is
    // entered without the address, as a person would retry.
    if (!id.ok() && id.error().error_code == "FIELD_INTEGRITY_EXCEPTION") {
      std::erase_if(fields, [](const auto& f) {
        return f.first.find("State") != std::string::npos ||
               f.first.find("Country") != std::string::npos;
      });
      id = org_.create(admin_, object, fields);
    }
    if (!id.ok() && id.error().error_code == "DUPLICATES_DETECTED") return env::Ok{};
    // A record the org's own validation rules refuse cannot be in it.
    if (!id.ok() && id.error().error_code == "FIELD_CUSTOM_VALIDATION_EXCEPTION") {
      ++population_refused_[object + ": " + id.error().message];
      return env::Ok{};
    }
    if (!id.ok()) return refused("a " + object, id.error().message);
    if (!p.email.empty() && !duplicate) sf_emails.push_back(p.email);
    return env::Ok{};
  };
  for (int64_t i = 0; i < pop.salesforce_contacts; ++i)
    if (auto s = add_person("Contact", data_rng_.bernoulli(pop.duplicates)); !s) return s;
  for (int64_t i = 0; i < pop.salesforce_leads; ++i)
    if (auto s = add_person("Lead", data_rng_.bernoulli(pop.duplicates)); !s) return s;

  // HubSpot contacts: `shared` of the Salesforce people (each once) are
  // among them, spread over the portal by selection sampling, so the portal
  // holds exactly `hubspot_contacts` contacts.
  int64_t shared_left = std::min<int64_t>(
      pop.hubspot_contacts, std::llround(pop.shared * static_cast<double>(sf_emails.size())));
  data_rng_.shuffle(std::span(sf_emails));
  for (int64_t i = 0; i < pop.hubspot_contacts; ++i) {
    tick();
    hs::PropertyInputs props;
    std::string email;
    if (shared_left > 0 && data_rng_.index(static_cast<size_t>(pop.hubspot_contacts - i)) <
                               static_cast<size_t>(shared_left)) {
      email = case_variant(sf_emails[static_cast<size_t>(--shared_left)]);
      props = {{"email", email}, {"lastname", "Again"}};
    } else {
      std::string company;
      const std::string domain = draw_domain(&company);
      Person p = draw_person(domain, company);
      email = p.email;
      props = contact_props(p);
    }
    if (std::string stage = contact_stage(data_rng_, i < pop.mqls); !stage.empty())
      props.emplace_back("lifecyclestage", std::move(stage));
    auto id = portal_.create("contacts", props, kForm);
    if (!id.ok() && id.error().category == "CONFLICT") continue;  // the same email twice
    if (!id.ok()) return refused("a HubSpot contact", id.error().message);
  }
  loop_.run_until(until);
  return env::Ok{};
}

void Workload::complete_required(std::string_view object, sf::FieldInputs& fields) const {
  const sf::ObjectDef* o = org_.schema().object(object);
  if (o == nullptr) return;
  for (const sf::FieldDef& f : o->fields) {
    if (!f.required || f.formula || f.default_value || !f.name.ends_with("__c")) continue;
    if (std::any_of(fields.begin(), fields.end(), [&](const auto& in) { return in.first == f.name; }))
      continue;
    using T = sf::FieldType;
    switch (f.type) {
      case T::kPicklist:
      case T::kMultiPicklist:
        if (!f.picklist_values.empty()) fields.emplace_back(f.name, f.picklist_values.front());
        break;
      case T::kInt:
      case T::kDouble:
      case T::kCurrency:
      case T::kPercent:
        fields.emplace_back(f.name, std::string("0"));
        break;
      case T::kDate:
        fields.emplace_back(f.name, env::format_date(loop_.now()));
        break;
      case T::kDateTime:
        fields.emplace_back(f.name, env::format_salesforce_datetime(loop_.now()));
        break;
      case T::kBoolean:
      case T::kReference:
      case T::kEmail:
        break;  // a checkbox is never blank; a lookup or an address has no stand-in
      default:
        fields.emplace_back(f.name, std::string("n/a"));
        break;
    }
  }
}

void Workload::schedule(double per_hour, env::Timestamp until, std::function<void()> act) {
  if (per_hour <= 0) return;
  const env::Duration mean = env::Duration::millis(static_cast<int64_t>(3'600'000.0 / per_hour));
  // The tick lives as long as the workload; each run schedules the next.
  ticks_.push_back(std::make_unique<std::function<void()>>());
  std::function<void()>* tick = ticks_.back().get();
  *tick = [this, mean, until, act, tick] {
    if (loop_.now() >= until) return;
    act();
    (void)loop_.schedule_after(rng_.exponential(mean) + env::Duration::millis(1), *tick);
  };
  (void)loop_.schedule_after(rng_.exponential(mean) + env::Duration::millis(1), *tick);
}

void Workload::start(env::Timestamp until) {
  schedule(scenario_.humans.marketing_per_hour, until, [this] { marketing_act(); });
  schedule(scenario_.humans.sales_per_hour, until, [this] { sales_act(); });
  schedule(scenario_.humans.admin_per_hour, until, [this] { admin_act(); });
  const env::Timestamp begin = loop_.now();
  for (const auto& e : scenario_.events)
    (void)loop_.schedule_at(begin + e.at, [this, &e] { scheduled_act(e); });
}

void Workload::spread(const ScheduledEvent& event, size_t units,
                      std::function<void(size_t)> unit) {
  const int64_t over = event.over.ms();
  for (size_t i = 0; i < units; ++i) {
    const int64_t offset = over * static_cast<int64_t>(i) / static_cast<int64_t>(units);
    if (offset == 0) {
      unit(i);
      continue;
    }
    (void)loop_.schedule_after(env::Duration::millis(offset), [unit, i] { unit(i); });
  }
}

void Workload::scheduled_act(const ScheduledEvent& e) {
  using Kind = ScheduledEvent::Kind;
  const std::string name(event_name(e.kind));
  const size_t count = static_cast<size_t>(e.count);
  switch (e.kind) {
    case Kind::kDeactivateIntegrationUser:
    case Kind::kReactivateIntegrationUser:
      if (integration_user_.empty()) return;
      if (org_.set_user_active(integration_user_, e.kind == Kind::kReactivateIntegrationUser).ok())
        note("admin", name, integration_user_);
      return;
    case Kind::kSwitchInclusionList:
      inclusion_list_ = e.list;
      if (settings_listener_) settings_listener_(e);
      note("admin", name, "");
      return;
    case Kind::kConvertLeads: {
      // The wave's leads: live, unconverted, drawn now.
      std::vector<std::string> leads;
      for (const auto& [id, r] : org_.records(*org_.schema().object("Lead")))
        if (!r.deleted && r.get("IsConverted").to_text() != "true") leads.push_back(id);
      rng_.shuffle(std::span(leads));
      leads.resize(std::min(leads.size(), count));
      spread(e, leads.size(), [this, leads](size_t i) { (void)convert_lead(owner(), leads[i], "sales"); });
      return;
    }
    case Kind::kImportContacts: {
      const double mqls = e.mqls;
      spread(e, count, [this, mqls](size_t) {
        std::string company;
        const std::string domain = draw_domain(&company);
        Person p = draw_person(domain, company);
        hs::PropertyInputs props = contact_props(p);
        const bool mql = rng_.bernoulli(mqls);
        if (std::string stage = contact_stage(rng_, mql); !stage.empty())
          props.emplace_back("lifecyclestage", std::move(stage));
        auto id = portal_.create("contacts", props, hs::WriteSource{"IMPORT", "contact-import"});
        if (id.ok()) note("marketing", "import_contact", std::to_string(*id));
      });
      return;
    }
    case Kind::kImportLeads:
      spread(e, count, [this](size_t) {
        std::string company;
        const std::string domain = draw_domain(&company);
        Person p = draw_person(domain, company);
        sf::FieldInputs fields = {
            {"LastName", p.last},
            {"Company", p.company.empty() ? "[not provided]" : p.company},
            {"Rating", lead_rating(rng_)},
            {"LeadSource", "Purchased List"},
            {"OwnerId", population_owner()}};
        add_lead_status(rng_, fields);
        if (!p.first.empty()) fields.emplace_back("FirstName", p.first);
        if (!p.email.empty()) fields.emplace_back("Email", p.email);
        if (!p.country.empty()) fields.emplace_back("Country", p.country);
        complete_required("Lead", fields);
        auto id = org_.create(admin_, "Lead", fields);
        if (id.ok()) note("admin", "import_lead", *id);
      });
      return;
    case Kind::kAddToList:
    case Kind::kRemoveFromList: {
      const hs::HsList* list = portal_.list_by_name("contacts", e.list);
      if (list == nullptr) return;
      const bool adding = e.kind == Kind::kAddToList;
      std::vector<uint64_t> picked;
      for (const auto& [id, r] : portal_.records("contacts"))
        if (!r.archived && list->members.count(id) == (adding ? 0u : 1u)) picked.push_back(id);
      rng_.shuffle(std::span(picked));
      picked.resize(std::min(picked.size(), count));
      const uint64_t list_id = list->id;
      spread(e, picked.size(), [this, picked, list_id, adding, name](size_t i) {
        auto done = adding ? portal_.add_to_list(list_id, {picked[i]})
                           : portal_.remove_from_list(list_id, {picked[i]});
        if (done.ok()) note("marketing", name, std::to_string(picked[i]));
      });
      return;
    }
    case Kind::kEditBothSides: {
      // Pairs the sync has linked: their contacts carry the record's id.
      std::vector<uint64_t> linked;
      for (const auto& [id, r] : portal_.records("contacts")) {
        if (r.archived) continue;
        for (const char* p : {"salesforceleadid", "salesforcecontactid"})
          if (const auto v = r.get(p); v && !v->empty()) {
            const sf::Record* sr = org_.find(*v);
            if (sr != nullptr && !sr->deleted) {
              linked.push_back(id);
              break;
            }
          }
      }
      rng_.shuffle(std::span(linked));
      linked.resize(std::min(linked.size(), count));
      spread(e, linked.size(), [this, linked, &e](size_t i) { edit_both_sides(e, linked[i]); });
      return;
    }
  }
}

bool Workload::convert_lead(const std::string& rep, const std::string& lead_id,
                            const std::string& actor) {
  const sf::Record* lead = org_.find(lead_id);
  if (lead == nullptr || lead->deleted || lead->get("IsConverted").to_text() == "true")
    return false;
  sf::LeadConversion conversion;
  conversion.lead_id = lead_id;
  conversion.create_opportunity = rng_.bernoulli(0.5);
  auto r = org_.convert_lead(rep, conversion);
  if (!r.ok()) return false;
  note(actor, "convert_lead",
       lead_id + " " + r->contact_id + " " + r->account_id + " " + r->opportunity_id);
  return true;
}

void Workload::edit_both_sides(const ScheduledEvent& e, uint64_t hs_id) {
  const auto* c = portal_.find("contacts", hs_id);
  if (c == nullptr) return;
  std::string sf_id;
  for (const char* p : {"salesforceleadid", "salesforcecontactid"})
    if (const auto v = c->get(p); v && !v->empty()) sf_id = *v;
  const sf::Record* r = org_.find(sf_id);
  const engine::FieldMapping* m = scenario_.sync.contacts.mapping(e.property);
  if (r == nullptr || r->deleted || m == nullptr) return;
  const std::string object = r->object->name;
  const std::string& field = m->field_on(object == "Lead" ? engine::SalesforceObject::kLead
                                                          : engine::SalesforceObject::kContact);
  if (field.empty()) return;
  // One person, two tabs: the same field set to two different values, the
  // second a few seconds after the first, either side first.
  const std::string serial = std::to_string(++serial_);
  const std::string in_hubspot = "Head of Growth " + serial, in_salesforce = "Growth Lead " + serial;
  const bool hubspot_first = rng_.bernoulli(0.5);
  const env::Duration gap = env::Duration::millis(rng_.uniform_int(2'000, 30'000));
  const std::string rep = owner();
  // Kept (by index: the vector may grow before the second edit) for the
  // checks, which judge the value that stays by the field's rule.
  size_t kept = two_sided_edits_.size();
  if (kept < kTwoSidedEditsMax) {
    TwoSidedEdit t;
    t.hs_id = hs_id;
    t.sf_id = sf_id;
    t.property = e.property;
    t.field = field;
    t.hubspot_value = in_hubspot;
    t.salesforce_value = in_salesforce;
    two_sided_edits_.push_back(std::move(t));
  } else {
    kept = SIZE_MAX;
  }
  auto edit_hubspot = [this, hs_id, property = e.property, in_hubspot, kept] {
    const bool taken = portal_.update("contacts", hs_id, {{property, in_hubspot}}, kSalesUi).ok();
    if (kept != SIZE_MAX) {
      two_sided_edits_[kept].hubspot_taken = taken;
      two_sided_edits_[kept].hubspot_at = loop_.now();
    }
  };
  auto edit_salesforce = [this, rep, object, sf_id, field, in_salesforce, kept] {
    const bool taken = org_.update(rep, object, sf_id, {{field, in_salesforce}}).ok();
    if (kept != SIZE_MAX) {
      two_sided_edits_[kept].salesforce_taken = taken;
      two_sided_edits_[kept].salesforce_at = loop_.now();
    }
  };
  if (hubspot_first) {
    edit_hubspot();
    (void)loop_.schedule_after(gap, edit_salesforce);
  } else {
    edit_salesforce();
    (void)loop_.schedule_after(gap, edit_hubspot);
  }
  note("sales", "edit_both_sides", std::to_string(hs_id) + " " + sf_id);
}

void Workload::refresh_pools() {
  if (pools_valid_ && loop_.now() - pools_at_ < env::Duration::hours(1)) return;
  pools_valid_ = true;
  pools_at_ = loop_.now();
  hs_contacts_.clear();
  for (const auto& [id, r] : portal_.records("contacts"))
    if (!r.archived) hs_contacts_.push_back(id);
  // Refreshed in place: an id is written over the one before it, in the
  // string that already holds it, so that an hourly refresh of thousands of
  // ids allocates nothing once the pools have their size.
  for (const char* object : {"Lead", "Contact", "Opportunity", "Account"}) {
    std::vector<std::string>& pool = sf_ids_[object];
    size_t n = 0;
    for (const auto& [id, r] : org_.records(*org_.schema().object(object))) {
      if (r.deleted) continue;
      if (n < pool.size())
        pool[n].assign(id);
      else
        pool.push_back(id);
      ++n;
    }
    pool.resize(n);
  }
}

const hs::ObjectRecord* Workload::random_contact() {
  refresh_pools();
  for (int tries = 0; tries < 5 && !hs_contacts_.empty(); ++tries) {
    const auto* r = portal_.find("contacts", hs_contacts_[rng_.index(hs_contacts_.size())]);
    if (r != nullptr) return r;
  }
  return nullptr;
}

bool Workload::hidden_from_sync(const std::string& id) const {
  const sf::Record* r = org_.find(id);
  return !integration_user_.empty() && r != nullptr &&
         org_.sharing_access(integration_user_, *r) == sf::Access::kNone;
}

std::string Workload::random_sf(const std::string& object, bool live_unconverted) {
  refresh_pools();
  auto& pool = sf_ids_[object];
  for (int tries = 0; tries < 5 && !pool.empty(); ++tries) {
    const std::string& id = pool[rng_.index(pool.size())];
    const sf::Record* r = org_.find(id);
    if (r == nullptr || r->deleted) continue;
    if (live_unconverted && object == "Lead" && r->get("IsConverted").to_text() == "true") continue;
    return id;
  }
  return "";
}

void Workload::marketing_act() {
  const size_t kind = pick({4, 4, 2, 1});
  if (kind == 0) {  // a form submission from someone new
    std::string company;
    const std::string domain = draw_domain(&company);
    Person p = draw_person(domain, company);
    if (p.email.empty()) p.email = "form" + std::to_string(++serial_) + "@" + domain;
    hs::PropertyInputs props = {
        {"email", p.email}, {"lastname", p.last}, {"lifecyclestage", "lead"}};
    if (!p.first.empty()) props.emplace_back("firstname", p.first);
    if (!p.company.empty()) props.emplace_back("company", p.company);
    if (!p.country.empty()) props.emplace_back("country", p.country);
    auto id = portal_.create("contacts", props, kForm);
    if (!id.ok()) return;
    note("marketing", "form_new_contact", std::to_string(*id));
    if (inclusion_list_.empty() && expectations_.size() < kExpectationsMax) {
      const uint64_t c = *id;
      expectations_.push_back({loop_.now(), true,
                               [this, c] {
                                 const auto* r = portal_.find("contacts", c);
                                 if (r == nullptr) return State::kMoot;  // deleted meanwhile
                                 for (const char* p : {"salesforceleadid", "salesforcecontactid"})
                                   if (const auto v = r->get(p); v && !v->empty())
                                     return State::kArrived;
                                 return State::kWaiting;
                               },
                               c});
    }
    return;
  }
  const auto* c = random_contact();
  if (c == nullptr) return;
  const uint64_t id = c->id;
  if (kind == 1) {  // an edit
    const std::string phone = "+1 555 " + std::to_string(rng_.uniform_int(1000, 9999));
    hs::PropertyInputs props = {{"phone", phone}};
    if (rng_.bernoulli(0.3)) props.emplace_back("jobtitle", kTitles[rng_.index(kTitles.size())]);
    if (portal_.update("contacts", id, props, kMarketer).ok())
      note("marketing", "edit_contact", std::to_string(id));
  } else if (kind == 2) {  // a lifecycle move forward
    const auto stage = c->get("lifecyclestage");
    const int rank = !stage ? -1 : crm::lifecycle_rank(*stage);
    if (rank >= 3) return;  // sales moves it from here
    if (portal_
            .update("contacts", id, {{"lifecyclestage", std::string(crm::kLifecycleStages[static_cast<size_t>(rank + 1)])}},
                    kMarketer)
            .ok())
      note("marketing", "lifecycle_forward", std::to_string(id));
  } else {  // the same person fills a form again, in another case
    const auto email = c->get("email");
    if (!email) return;
    if (portal_.update("contacts", id, {{"city", rng_.bernoulli(0.5) ? "Oslo" : "Lyon"}}, kForm)
            .ok())
      note("marketing", "form_again", std::to_string(id));
  }
}

void Workload::hubspot_deal_act() {
  const auto& deals = scenario_.sync.deals;
  if (rng_.bernoulli(0.4)) {  // a deal made in HubSpot for a contact synced as a contact
    const auto* c = random_contact();
    if (c == nullptr) return;
    const auto sf_contact = c->get("salesforcecontactid");
    if (!sf_contact || sf_contact->empty()) return;
    const std::string stage =
        deals.stages.empty() ? std::string("appointmentscheduled") : deals.stages.front().second;
    auto id = portal_.create("deals",
                             {{"dealname", "Inbound deal " + std::to_string(++serial_)},
                              {"pipeline", deals.pipeline},
                              {"dealstage", stage},
                              {"closedate", "2025-03-31T00:00:00.000Z"},
                              {"amount", std::to_string(rng_.uniform_int(1, 80) * 250)}},
                             kSalesUi);
    if (!id.ok()) return;
    (void)portal_.associate("deals", *id, "contacts", c->id, crm::default_association_type("deals", "contacts"));
    note("sales", "create_hubspot_deal", std::to_string(*id) + " " + std::to_string(c->id));
    return;
  }
  const auto& all = portal_.records("deals");
  if (all.empty()) return;
  auto it = std::next(all.begin(), static_cast<std::ptrdiff_t>(rng_.index(all.size())));
  if (it->second.archived) return;
  const uint64_t id = it->first;
  hs::PropertyInputs props;
  switch (rng_.index(3)) {
    case 0:
      props = {{"amount", std::to_string(rng_.uniform_int(1, 80) * 250)}};
      break;
    case 1:
      props = {
          {"closedate", "2025-0" + std::to_string(rng_.uniform_int(1, 9)) + "-15T00:00:00.000Z"}};
      break;
    default:
      props = {{"dealname", "Deal " + std::to_string(++serial_) + " (renamed)"}};
  }
  if (portal_.update("deals", id, props, kSalesUi).ok())
    note("sales", "edit_hubspot_deal", std::to_string(id));
}

namespace {

// A value of a population mix, drawn by weight.
const std::string& draw_mix(env::Rng& rng, const std::vector<std::pair<std::string, double>>& mix) {
  double total = 0;
  for (const auto& [value, weight] : mix) total += weight;
  double x = rng.uniform_real() * total;
  const std::string* last = &mix.back().first;
  for (const auto& [value, weight] : mix) {
    if (weight <= 0) continue;
    if (x < weight) return value;
    x -= weight;
    last = &value;
  }
  return *last;
}

}  // namespace

std::string Workload::contact_stage(env::Rng& rng, bool mql) const {
  if (mql) return "marketingqualifiedlead";
  const auto& mix = scenario_.population.mix.lifecyclestage;
  if (!mix.empty()) return draw_mix(rng, mix);
  return rng.bernoulli(0.5) ? "lead" : "subscriber";
}

std::string Workload::lead_rating(env::Rng& rng) const {
  const auto& mix = scenario_.population.mix.rating;
  if (!mix.empty()) return draw_mix(rng, mix);
  return rng.bernoulli(scenario_.population.hot_leads) ? "Hot" : "Warm";
}

void Workload::add_lead_status(env::Rng& rng, sf::FieldInputs& fields) const {
  const auto& mix = scenario_.population.mix.lead_status;
  if (mix.empty()) return;
  if (const std::string& status = draw_mix(rng, mix); !status.empty())
    fields.emplace_back("Status", status);
}

void Workload::sales_act() {
  if (scenario_.sync.deals.enabled && rng_.bernoulli(0.2)) return hubspot_deal_act();
  const std::string rep = owner();
  const size_t kind = pick({3, 3, 1.5, 1, 2, 1, 2, 1});
  if (kind == 0) {  // a new lead
    std::string company;
    const std::string domain = draw_domain(&company);
    Person p = draw_person(domain, company);
    sf::FieldInputs fields = {
        {"LastName", p.last},
        {"Company", p.company.empty() ? "Self" : p.company},
        {"Rating", lead_rating(rng_)},
        {"OwnerId", rep}};
    add_lead_status(rng_, fields);
    if (!p.email.empty()) fields.emplace_back("Email", p.email);
    if (!p.country.empty()) fields.emplace_back("Country", p.country);
    complete_required("Lead", fields);
    auto id = org_.create(rep, "Lead", fields);
    if (!id.ok()) return;
    note("sales", "create_lead", *id);
    if (!p.email.empty() &&
        scenario_.sync.contacts.on_lead_change == engine::OnSalesforceChange::kCreateOrUpdate &&
        expectations_.size() < kExpectationsMax) {
      const std::string email = p.email, lead = *id;
      expectations_.push_back({loop_.now(), false,
                               [this, email, lead] {
                                 if (portal_.find_by("contacts", "email", email) != nullptr)
                                   return State::kArrived;
                                 return hidden_from_sync(lead) ? State::kMoot : State::kWaiting;
                               },
                               0, env::ascii_lower(email)});
    }
    return;
  }
  if (kind == 1 || kind == 4) {  // edit a lead or a contact
    const std::string object = kind == 1 ? "Lead" : "Contact";
    const std::string id = random_sf(object);
    if (id.empty()) return;
    const std::string title = kTitles[rng_.index(kTitles.size())];
    if (org_.update(rep, object, id, {{"Title", title}}).ok()) {
      note("sales", "edit_" + env::ascii_lower(object), id);
      const sf::Record* r = org_.find(id);
      const std::string email = r == nullptr ? "" : r->get("Email").to_text();
      const auto* m = scenario_.sync.contacts.mapping("jobtitle");
      const auto& contacts = scenario_.sync.contacts;
      const bool carried =
          (object == "Lead" ? contacts.on_lead_change : contacts.on_contact_change) ==
          engine::OnSalesforceChange::kCreateOrUpdate;
      if (carried && !email.empty() && m != nullptr && m->rule != engine::SyncRule::kDontSync &&
          expectations_.size() < kExpectationsMax) {
        const auto* c = portal_.find_by("contacts", "email", email);
        const std::string& list_name = inclusion_list_;
        const hs::HsList* list =
            list_name.empty() ? nullptr : portal_.list_by_name("contacts", list_name);
        // Outside the inclusion list its updates wait until it qualifies.
        if (c != nullptr &&
            (list_name.empty() || (list != nullptr && list->members.count(c->id)))) {
          const uint64_t hs_id = c->id;
          expectations_.push_back(
              {loop_.now(), false,
               [this, hs_id, title, id] {
                 const auto* h = portal_.find("contacts", hs_id);
                 const sf::Record* s = org_.find(id);
                 if (h == nullptr || s == nullptr || s->deleted || hidden_from_sync(id))
                   return State::kMoot;
                 // Overtaken by a later edit: no longer measurable.
                 if (s->get("Title").to_text() != title) return State::kMoot;
                 return h->get("jobtitle").value_or("") == title ? State::kArrived
                                                                 : State::kWaiting;
               },
               hs_id});
        }
      }
    }
    return;
  }
  if (kind == 2) {  // convert a lead
    const std::string id = random_sf("Lead");
    if (!id.empty()) (void)convert_lead(rep, id, "sales");
    return;
  }
  if (kind == 3) {  // a contact under an account
    const std::string account = random_sf("Account", false);
    if (account.empty()) return;
    Person p = draw_person(draw_domain(nullptr), "");
    sf::FieldInputs fields = {{"LastName", p.last}, {"AccountId", account}, {"OwnerId", rep}};
    if (!p.email.empty()) fields.emplace_back("Email", p.email);
    complete_required("Contact", fields);
    auto id = org_.create(rep, "Contact", fields);
    if (id.ok()) note("sales", "create_contact", *id);
    return;
  }
  if (kind == 5) {  // an opportunity, usually with a contact role
    const std::string contact = random_sf("Contact");
    if (contact.empty()) return;
    const sf::Record* c = org_.find(contact);
    const std::string account = c->get("AccountId").to_text();
    if (account.empty()) return;
    auto opp = org_.create(rep, "Opportunity",
                           {{"Name", "Deal " + std::to_string(++serial_)},
                            {"StageName", "Prospecting"},
                            {"CloseDate", "2024-12-31"},
                            {"Amount", static_cast<double>(rng_.uniform_int(1, 200) * 500)},
                            {"AccountId", account}});
    if (!opp.ok()) return;
    std::string target = *opp;
    if (rng_.bernoulli(0.7)) {
      auto role = org_.create(
          rep, "OpportunityContactRole",
          {{"OpportunityId", *opp}, {"ContactId", contact}, {"Role", "Decision Maker"}});
      if (role.ok()) target += " " + contact;
    }
    note("sales", "create_opportunity", target);
    return;
  }
  // Move an opportunity along, or close it.
  const std::string opp = random_sf("Opportunity", false);
  if (opp.empty()) return;
  const sf::Record* o = org_.find(opp);
  const std::string stage = o->get("StageName").to_text();
  if (stage.rfind("Closed", 0) == 0) return;
  std::string next;
  if (kind == 7) {
    next = rng_.bernoulli(0.5) ? "Closed Won" : "Closed Lost";
  } else {
    next = "Negotiation/Review";
    for (size_t i = 0; i + 1 < kOpenStages.size(); ++i)
      if (stage == kOpenStages[i]) next = kOpenStages[i + 1];
  }
  if (org_.update(rep, "Opportunity", opp, {{"StageName", next}}).ok())
    note("sales", next.rfind("Closed", 0) == 0 ? "close_opportunity" : "move_stage", opp);
}

void Workload::admin_act() {
  const size_t kind = pick({1, 1, 0.5, 1, 1});
  if (kind == 0) {  // delete a Salesforce person
    const std::string object = rng_.bernoulli(0.5) ? "Lead" : "Contact";
    const std::string id = random_sf(object);
    if (!id.empty() && org_.remove(admin_, object, id).ok())
      note("admin", "delete_" + env::ascii_lower(object), id);
  } else if (kind == 1) {  // delete a HubSpot contact
    const auto* c = random_contact();
    if (c != nullptr) {
      const uint64_t id = c->id;
      if (portal_.archive("contacts", id, kHsAdmin).ok())
        note("admin", "delete_hubspot_contact", std::to_string(id));
    }
  } else if (kind == 2) {  // merge two HubSpot contacts
    const auto* a = random_contact();
    const auto* b = random_contact();
    if (a != nullptr && b != nullptr && a->id != b->id) {
      const uint64_t ida = a->id, idb = b->id;
      if (portal_.merge("contacts", ida, idb, kHsAdmin).ok())
        note("admin", "merge_hubspot_contacts", std::to_string(ida) + " " + std::to_string(idb));
    }
  } else if (kind == 3) {  // reassign an owner
    const std::string object = rng_.bernoulli(0.5) ? "Lead" : "Contact";
    const std::string id = random_sf(object);
    const std::string to = owner();
    if (!id.empty() && org_.update(admin_, object, id, {{"OwnerId", to}}).ok())
      note("admin", "change_owner", id + " " + to);
  } else {  // change what sharing rules look at
    const std::string id = random_sf("Lead");
    if (id.empty()) return;
    const std::string rating = org_.find(id)->get("Rating").to_text() == "Hot" ? "Warm" : "Hot";
    if (org_.update(admin_, "Lead", id, {{"Rating", rating}}).ok())
      note("admin", "change_rating", id + " " + rating);
  }
}

}  // namespace crmsim::sim
