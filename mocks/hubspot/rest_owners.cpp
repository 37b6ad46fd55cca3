// GET /crm/v3/owners (paged, by email, archived) and /crm/v3/owners/{id}
// (by owner id, or by user id with ?idProperty=userId).
#include "mocks/hubspot/rest_kit.h"

namespace crmsim::mocks::hubspot {
namespace {

using env::Method;
using env::Response;
using nlohmann::json;

// Owners per page: HubSpot's default 100, at most 500.
constexpr int64_t kOwnersPageDefault = 100;
constexpr int64_t kOwnersPageMax = 500;

struct OwnerRoutes : RouteKit {
  using RouteKit::RouteKit;

  json owner_json(const Owner& o) {
    json teams = json::array();
    for (const OwnerTeam& t : o.teams) {
      teams.push_back({{"id", std::to_string(t.id)}, {"name", t.name}, {"primary", t.primary}});
    }
    return {{"id", std::to_string(o.id)},
            {"email", o.email},
            {"type", "PERSON"},
            {"firstName", o.first_name},
            {"lastName", o.last_name},
            {"userId", o.user_id},
            {"userIdIncludingInactive", o.user_id},
            {"createdAt", iso(o.created_at)},
            {"updatedAt", iso(o.created_at)},
            {"archived", !o.active},
            {"teams", teams}};
  }

  Response list(RestApi::Context& c) {
    int64_t limit = 0;
    uint64_t after = 0;
    if (auto bad = paging(c.request, kOwnersPageDefault, kOwnersPageMax, limit, after)) return *bad;
    const auto email = c.request.query.get("email");
    const bool archived = c.request.query.get("archived") == "true";
    json results = json::array();
    std::optional<uint64_t> next;
    for (auto it = portal().owners().lower_bound(after); it != portal().owners().end(); ++it) {
      const Owner& o = it->second;
      if (o.active == archived) continue;
      if (email && o.email != *email) continue;
      if (static_cast<int64_t>(results.size()) == limit) {
        next = o.id;
        break;
      }
      results.push_back(owner_json(o));
    }
    c.records = static_cast<int64_t>(results.size());
    json out = {{"results", results}};
    if (next) {
      std::string link = "/crm/v3/owners/?limit=" + std::to_string(limit) +
                         "&after=" + std::to_string(*next);
      if (archived) link += "&archived=true";
      out["paging"] = {{"next", {{"after", std::to_string(*next)}, {"link", link}}}};
    }
    return json_response(200, out);
  }

  Response get(RestApi::Context& c) {
    const std::string id_property(c.request.query.get("idProperty").value_or("id"));
    if (id_property != "id" && id_property != "userId") {
      return error(400, "VALIDATION_ERROR", "idProperty must be id or userId, got " + id_property);
    }
    const bool archived = c.request.query.get("archived") == "true";
    uint64_t id = 0;
    if (!parse_id(c.request.params.get("ownerId"), id)) return not_found();
    for (const auto& [owner_id, o] : portal().owners()) {
      const uint64_t key = id_property == "id" ? owner_id : o.user_id;
      if (key != id || o.active == archived) continue;
      c.records = 1;
      return json_response(200, owner_json(o));
    }
    return not_found();
  }
};

}  // namespace

void RestApi::install_owner_routes() {
  auto routes = std::make_shared<OwnerRoutes>(*this);
  // The Node client asks for "/crm/v3/owners/" with its trailing slash.
  add_call(Method::kGet, "/crm/v3/owners", false,
           [routes](Context& c) { return routes->list(c); });
  add_call(Method::kGet, "/crm/v3/owners/:ownerId", false,
           [routes](Context& c) { return routes->get(c); });
}

}  // namespace crmsim::mocks::hubspot
