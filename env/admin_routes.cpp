#include "env/admin_routes.h"

#include <memory>

#include <nlohmann/json.hpp>

#include "env/assert.h"
#include "env/json_body.h"

namespace crmsim::env {
namespace {

using nlohmann::json;

Response admin_json(int status, const json& body) {
  return Response::with_body(status, "application/json",
                             body.dump(-1, ' ', false, json::error_handler_t::replace));
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
  if (!((header && *header == h.token) || (bearer && *bearer == "Bearer " + h.token))) {
    return admin_json(401, {{"error", "admin routes need the X-Admin-Token header"}});
  }
  json body = json::object();
  if (r.method == Method::kPost && !r.body.empty()) {
    body = env::parse_json_or_discarded(r.body);
    if (body.is_discarded() || !body.is_object())
      return admin_json(400, {{"error", "the body must be a JSON object"}});
  }
  if (action == "journal" && r.method == Method::kGet) {
    uint64_t since = 0;
    if (auto s = r.query.get("since")) {
      if (s->empty() || s->size() > 12 ||
          s->find_first_not_of("0123456789") != std::string_view::npos) {
        return admin_json(400, {{"error", "since must be a whole number"}});
      }
      since = std::stoull(std::string(*s));
    }
    return Response::with_body(200, "application/json", h.journal_json(since));
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
  if (auto extra = h.actions.find(action); extra != h.actions.end() && r.method == Method::kPost) {
    auto result = extra->second(r.body.empty() ? "{}" : r.body);
    if (!result.ok()) return admin_json(400, {{"error", result.error().message}});
    return Response::with_body(200, "application/json", result.value());
  }
  return admin_json(
      404,
      {{"error", "no admin route " + std::string(method_name(r.method)) + " /__admin/" + action},
       {"routes", {"GET health", "GET journal", "GET clock", "POST clock", "POST reset", "POST limits"}}});
}

}  // namespace

Router admin_front(AdminHooks hooks, const std::function<const Router&()>& target) {
  CRMSIM_ASSERT(
      hooks.clock != nullptr && hooks.journal_json && hooks.reset && hooks.limits && target,
      "admin_front needs every hook");
  auto shared = std::make_shared<AdminHooks>(std::move(hooks));
  Router router;
  for (Method m : {Method::kGet, Method::kPost}) {
    router.add(m, "/__admin/*action", [shared](const Request& r) { return answer(*shared, r); });
  }
  for (Method m : {Method::kGet, Method::kPost, Method::kPatch, Method::kPut, Method::kDelete}) {
    router.add(m, "/*rest", [target](const Request& r) {
      Request forwarded = r;
      forwarded.params = PathParams();
      return target().handle(std::move(forwarded));
    });
  }
  // What serve() refuses before routing (413, 414) and what this router
  // answers itself take the shape of the API behind it.
  router.on_error(
      [target](const Request& r, const RouteError& e) { return target().error_response(r, e); });
  return router;
}

}  // namespace crmsim::env
