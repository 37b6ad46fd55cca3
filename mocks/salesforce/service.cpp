#include "mocks/salesforce/service.h"

#include <nlohmann/json.hpp>

namespace crmsim::mocks::salesforce {

using env::Method;
using env::Request;
using env::Response;
using nlohmann::json;

namespace {

Response admin_json(int status, const json& body) {
  return Response::with_body(status, "application/json", body.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

Service::Service(const env::Clock& clock, env::ManualClock* manual_clock, std::string admin_token,
                 std::unique_ptr<json> description)
    : clock_(clock), manual_clock_(manual_clock), admin_token_(std::move(admin_token)),
      description_(std::move(description)) {
  router_.add(Method::kGet, "/__admin/*action", [this](const Request& r) { return admin(r); });
  router_.add(Method::kPost, "/__admin/*action", [this](const Request& r) { return admin(r); });
  for (Method m : {Method::kGet, Method::kPost, Method::kPatch, Method::kPut, Method::kDelete}) {
    router_.add(m, "/*rest", [this](const Request& r) {
      Request forwarded = r;
      forwarded.params = env::PathParams();
      return api_->router().handle(std::move(forwarded));
    });
  }
}

Service::~Service() = default;

env::Result<std::unique_ptr<Service>> Service::create(const env::Clock& clock, env::ManualClock* manual_clock,
                                                      const json& description, std::string admin_token) {
  std::unique_ptr<Service> s(new Service(clock, manual_clock, std::move(admin_token),
                                         std::make_unique<json>(description)));
  if (auto ok = s->build(); !ok.ok()) return env::fail(ok.error());
  return s;
}

env::Status Service::build() {
  auto settings = org_settings_from(*description_);
  if (!settings.ok()) return env::fail(settings.error());
  auto org = std::make_unique<Org>(clock_, settings.value());
  auto users = populate_org(*org, *description_);
  if (!users.ok()) return env::fail(users.error());
  org->api_usage().set_enforced(limits_enforced_);
  api_.reset();
  org_ = std::move(org);
  api_ = std::make_unique<RestApi>(*org_);
  users_ = std::move(users).value();
  return env::Ok{};
}

void Service::set_limits_enforced(bool on) {
  limits_enforced_ = on;
  org_->api_usage().set_enforced(on);
}

Response Service::admin(const Request& r) {
  const auto header = r.headers.get("X-Admin-Token");
  const auto bearer = r.headers.get("Authorization");
  const bool authorized = (header && *header == admin_token_) ||
                          (bearer && *bearer == "Bearer " + admin_token_);
  if (!authorized) return admin_json(401, {{"error", "admin routes need the X-Admin-Token header"}});
  const std::string action(r.params.get("action"));
  json body = json::object();
  if (r.method == Method::kPost && !r.body.empty()) {
    body = json::parse(r.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return admin_json(400, {{"error", "the body must be a JSON object"}});
  }
  if (action == "journal" && r.method == Method::kGet) {
    size_t since = 0;
    if (auto s = r.query.get("since")) {
      if (s->empty() || s->find_first_not_of("0123456789") != std::string_view::npos || s->size() > 12) {
        return admin_json(400, {{"error", "since must be a whole number"}});
      }
      since = std::stoull(std::string(*s));
    }
    const auto& journal = org_->api_usage().journal();
    const uint64_t dropped = org_->api_usage().journal_dropped();
    json calls = json::array();
    for (size_t i = since > dropped ? since - dropped : 0; i < journal.size(); ++i) {
      const JournalEntry& e = journal[i];
      calls.push_back({{"at", env::format_salesforce_datetime(e.at)}, {"user_id", e.user_id}, {"method", e.method},
                       {"route", e.route}, {"status", e.status}, {"records", e.records}});
    }
    return admin_json(200, {{"calls", calls}, {"total", dropped + journal.size()}, {"dropped", dropped},
                            {"api_usage", org_->api_usage().used(clock_.now())},
                            {"daily_total", org_->api_usage().daily_total()}});
  }
  if (action == "clock") {
    if (r.method == Method::kPost) {
      if (manual_clock_ == nullptr) return admin_json(409, {{"error", "the server runs on wall time (start it with --manual-clock)"}});
      env::Status moved = env::Ok{};
      if (body.contains("advance") && body["advance"].is_string()) {
        auto d = env::parse_duration(body["advance"].get<std::string>());
        if (!d.ok()) return admin_json(400, {{"error", d.error().message}});
        moved = manual_clock_->advance(d.value());
      } else if (body.contains("set") && body["set"].is_string()) {
        auto t = env::parse_datetime(body["set"].get<std::string>());
        if (!t) return admin_json(400, {{"error", "set must be an ISO-8601 datetime"}});
        moved = manual_clock_->set(*t);
      } else {
        return admin_json(400, {{"error", "give {\"advance\":\"15m\"} or {\"set\":\"2024-05-20T12:00:00Z\"}"}});
      }
      if (!moved.ok()) return admin_json(400, {{"error", moved.error().message}});
    }
    return admin_json(200, {{"now", env::format_salesforce_datetime(clock_.now())}});
  }
  if (action == "reset" && r.method == Method::kPost) {
    if (auto ok = build(); !ok.ok()) return admin_json(500, {{"error", ok.error().message}});
    return Response::empty(204);
  }
  if (action == "limits" && r.method == Method::kPost) {
    if (body.contains("enforced") && body["enforced"].is_boolean()) set_limits_enforced(body["enforced"].get<bool>());
    if (body.contains("daily_total") && body["daily_total"].is_number_integer()) {
      org_->api_usage().set_daily_total(body["daily_total"].get<int64_t>());
    }
    return admin_json(200, {{"enforced", limits_enforced_}, {"daily_total", org_->api_usage().daily_total()}});
  }
  return admin_json(404, {{"error", "no admin route " + std::string(env::method_name(r.method)) + " /__admin/" + action},
                          {"routes", {"GET journal", "GET clock", "POST clock", "POST reset", "POST limits"}}});
}

}  // namespace crmsim::mocks::salesforce
