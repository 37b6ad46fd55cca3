#include "env/admin_routes.h"

#include <algorithm>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "env/assert.h"
#include "env/authorization.h"
#include "env/json_body.h"

namespace crmsim::env {
namespace {

using nlohmann::json;

Response admin_json(int status, const json& body) {
  return Response::with_body(status, "application/json",
                             body.dump(-1, ' ', false, json::error_handler_t::replace));
}

json entry_json(const Journal& journal, uint64_t seq, const JournalEntry& e, bool bodies) {
  json j = {{"seq", seq},          {"at", format_hubspot_datetime(e.at)},
            {"user", e.principal}, {"method", e.method},
            {"route", e.route},    {"path", e.path},
            {"status", e.status},  {"records", e.records}};
  if (e.over_limit) j["over_limit"] = true;
  if (!e.fault.empty()) j["fault"] = e.fault;
  if (bodies) {
    if (const JournalBodies* b = journal.bodies(seq)) {
      j["request_body"] = b->request;
      j["response_body"] = b->response;
      if (b->request_truncated) j["request_body_truncated"] = true;
      if (b->response_truncated) j["response_body_truncated"] = true;
    } else {
      j["bodies"] = "not kept (the newest " + std::to_string(Journal::kBodiesKept) + " are)";
    }
  }
  return j;
}

// GET /__admin/journal and /__admin/journal/count.
Response journal_answer(const AdminHooks& h, const Request& r, bool count_only) {
  auto filter = parse_journal_filter(r.query, !count_only);
  if (!filter.ok()) return admin_json(400, {{"error", filter.error().message}});
  const JournalFilter& f = filter.value();
  const bool bodies = r.query.get("bodies") == "1";
  const Journal& journal = h.journal();
  json calls = json::array();
  uint64_t count = 0;
  std::optional<uint64_t> next;
  for (uint64_t seq = std::max(f.since_seq, journal.dropped()); seq < journal.total(); ++seq) {
    const JournalEntry& e = journal.entries()[seq - journal.dropped()];
    if (!f.matches(e)) continue;
    if (count_only) {
      ++count;
      continue;
    }
    if (calls.size() == f.limit) {
      next = seq;
      break;
    }
    calls.push_back(entry_json(journal, seq, e, bodies));
  }
  json out = {{"total", journal.total()}, {"dropped", journal.dropped()}};
  if (count_only) {
    out["count"] = count;
  } else {
    out["calls"] = std::move(calls);
    // Where the next page starts; null once this one reached the end.
    out["next_since"] = next ? json(*next) : json(nullptr);
  }
  h.usage(out);
  return admin_json(200, out);
}

Response answer(const AdminHooks& h, const Request& r) {
  const std::string action(r.params.get("action"));
  if (action == "health" && r.method == Method::kGet) {
    // Liveness without credentials: it reveals no data and no token.
    return admin_json(200, {{"status", "ok"},
                            {"service", h.service},
                            {"now", format_hubspot_datetime(h.clock->now())},
                            {"manual_clock", h.manual_clock != nullptr}});
  }
  const auto header = r.headers.get("X-Admin-Token");
  const auto bearer = r.headers.get("Authorization");
  if (!((header && same_secret(*header, h.token)) ||
        (bearer && same_secret(authorization_credential(bearer), h.token)))) {
    return admin_json(401, {{"error", "admin routes need the X-Admin-Token header"}});
  }
  json body = json::object();
  if (r.method != Method::kGet && !r.body.empty()) {
    body = env::parse_json_or_discarded(r.body);
    if (body.is_discarded() || !body.is_object())
      return admin_json(400, {{"error", "the body must be a JSON object"}});
  }
  if ((action == "journal" || action == "journal/count") && r.method == Method::kGet) {
    return journal_answer(h, r, action == "journal/count");
  }
  if (action == "faults") {
    if (!h.faults.set())
      return admin_json(404, {{"error", h.service + " has no faults on demand"}});
    if (r.method == Method::kGet)
      return Response::with_body(200, "application/json", h.faults.state());
    if (r.method == Method::kDelete) {
      h.faults.clear();
      return Response::with_body(200, "application/json", h.faults.state());
    }
    auto result = h.faults.configure(r.body.empty() ? "{}" : r.body);
    if (!result.ok()) return admin_json(400, {{"error", result.error().message}});
    return Response::with_body(200, "application/json", result.value());
  }
  if (action == "clock") {
    if (r.method == Method::kPost) {
      if (h.manual_clock == nullptr) {
        return admin_json(
            409, {{"error", "the server runs on wall time (start it with --manual-clock)"}});
      }
      Status moved = Ok{};
      if (body.contains("advance") && body["advance"].is_string()) {
        auto d = parse_duration(body["advance"].get<std::string>());
        if (!d.ok()) return admin_json(400, {{"error", d.error().message}});
        moved = h.manual_clock->advance(d.value());
      } else if (body.contains("set") && body["set"].is_string()) {
        auto t = parse_datetime(body["set"].get<std::string>());
        if (!t) return admin_json(400, {{"error", "set must be an ISO-8601 datetime"}});
        moved = h.manual_clock->set(*t);
      } else {
        return admin_json(
            400, {{"error", "give {\"advance\":\"15m\"} or {\"set\":\"2024-05-20T12:00:00Z\"}"}});
      }
      if (!moved.ok()) return admin_json(400, {{"error", moved.error().message}});
    }
    return admin_json(200, {{"now", format_hubspot_datetime(h.clock->now())}});
  }
  if (action == "reset" && r.method == Method::kPost) {
    if (auto ok = h.reset(); !ok.ok()) return admin_json(500, {{"error", ok.error().message}});
    return Response::empty(204);
  }
  if (action == "limits" && r.method == Method::kPost) {
    auto result = h.limits(r.body.empty() ? "{}" : r.body);
    if (!result.ok()) return admin_json(400, {{"error", result.error().message}});
    return Response::with_body(200, "application/json", result.value());
  }
  if (auto view = h.more.views.find(action);
      view != h.more.views.end() && r.method == Method::kGet) {
    return Response::with_body(200, "application/json", view->second());
  }
  if (r.method == Method::kDelete) {
    const size_t slash = action.find('/');
    if (auto d = h.more.deletes.find(action.substr(0, slash));
        slash != std::string::npos && d != h.more.deletes.end()) {
      auto result = d->second(action.substr(slash + 1));
      if (!result.ok()) {
        const int status = result.error().code == "not_found" ? 404 : 400;
        return admin_json(status, {{"error", result.error().message}});
      }
      return Response::with_body(200, "application/json", result.value());
    }
  }
  if (auto extra = h.more.actions.find(action);
      extra != h.more.actions.end() && r.method == Method::kPost) {
    auto result = extra->second(r.body.empty() ? "{}" : r.body);
    if (!result.ok()) return admin_json(400, {{"error", result.error().message}});
    return Response::with_body(200, "application/json", result.value());
  }
  json routes = {"GET health", "GET journal", "GET journal/count", "GET clock",
                 "POST clock", "POST reset",  "POST limits"};
  if (h.faults.set()) {
    for (const char* r : {"GET faults", "POST faults", "DELETE faults"}) routes.push_back(r);
  }
  for (const auto& [name, view] : h.more.views) routes.push_back("GET " + name);
  for (const auto& [name, act] : h.more.actions) routes.push_back("POST " + name);
  for (const auto& [name, act] : h.more.deletes) routes.push_back("DELETE " + name + "/...");
  return admin_json(404, {{"error", "no admin route " + std::string(method_name(r.method)) +
                                        " /__admin/" + action},
                          {"routes", routes}});
}

// One API call through the fault gate, journaled with its path, bodies and
// the fault it met.
Response forward(const AdminHooks& h, const std::function<const Router&()>& target,
                 const Request& r) {
  using Action = Interception::Action;
  Interception fate;
  if (h.faults.set()) fate = h.faults.decide(r);
  Journal& journal = h.journal();
  const uint64_t first = journal.total();
  auto journal_own = [&](int status) {
    JournalEntry e;
    e.at = h.clock->now();
    e.principal = h.principal(r);
    e.method = std::string(method_name(r.method));
    e.status = status;
    e.path = r.raw_path;
    e.fault = fate.fault;
    journal.append(std::move(e));
  };
  if (fate.action == Action::kAnswer) {
    journal_own(fate.response.status);
    journal.keep_bodies(first, r.body, fate.response.body);
    return std::move(fate.response);
  }
  if (fate.action == Action::kHold) {
    journal_own(0);
    journal.keep_bodies(first, r.body, "");
    Response held = Response::empty(0);
    held.delivery = Response::Delivery::kDrop;
    held.hold = fate.hold;
    return held;
  }
  Request forwarded = r;
  forwarded.params = PathParams();
  if (h.call_start) h.call_start();
  Response response = target().handle(std::move(forwarded));
  if (h.call_end) h.call_end(r, response);
  const bool drop = fate.action == Action::kApplyAndDrop;
  // A call the API answered without journaling it (refused before it knew
  // the caller) still lost its answer: the journal says so.
  if (drop && journal.total() == first) journal_own(response.status);
  for (uint64_t seq = first; seq < journal.total(); ++seq) {
    JournalEntry* e = journal.find(seq);
    e->path = r.raw_path;
    if (drop) e->fault = fate.fault;
    journal.keep_bodies(seq, r.body, response.body);
  }
  if (drop) {
    response.delivery = Response::Delivery::kDrop;
    response.hold = Duration();
  }
  return response;
}

}  // namespace

Router admin_front(AdminHooks hooks, const std::function<const Router&()>& target) {
  CRMSIM_ASSERT(hooks.clock != nullptr && hooks.journal && hooks.usage && hooks.principal &&
                    hooks.reset && hooks.limits && target,
                "admin_front needs every hook");
  auto shared = std::make_shared<AdminHooks>(std::move(hooks));
  Router router;
  for (Method m : {Method::kGet, Method::kPost, Method::kDelete}) {
    router.add(m, "/__admin/*action", [shared](const Request& r) { return answer(*shared, r); });
  }
  for (Method m : {Method::kGet, Method::kPost, Method::kPatch, Method::kPut, Method::kDelete}) {
    router.add(m, "/*rest",
               [shared, target](const Request& r) { return forward(*shared, target, r); });
  }
  // What serve() refuses before routing (413, 414) and what this router
  // answers itself take the shape of the API behind it.
  router.on_error(
      [target](const Request& r, const RouteError& e) { return target().error_response(r, e); });
  return router;
}

}  // namespace crmsim::env
