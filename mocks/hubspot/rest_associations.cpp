// Associations, as HubSpot documents them:
//  - v4 per record: PUT .../associations/default/{to}/{toId} (the default
//    type), PUT .../associations/{to}/{toId} with types (labels), GET the
//    associations of a record, DELETE one;
//  - v4 batches: create (with types), associate/default, read, archive and
//    labels/archive under /crm/v4/associations/{from}/{to}/batch/...;
//  - v4 labels: list, create (with an inverse), rename, delete;
//  - v3 batches: create, read and archive by type name
//    ("contact_to_company"), and the types between two object types.
// Association types are checked against the pair's definitions; a batch
// answers 207 with its errors when some inputs fail.
#include <set>

#include "env/text.h"
#include "mocks/hubspot/rest_kit.h"

namespace crmsim::mocks::hubspot {
namespace {

using env::Method;
using env::Response;
using nlohmann::json;

// Inputs per association batch: reads, and writes (create, archive).
constexpr size_t kAssociationBatchReadMax = 1000;
constexpr size_t kAssociationBatchWriteMax = 2000;

json definition_json(const AssociationDefinition& d) {
  return {{"category", d.user_defined ? "USER_DEFINED" : "HUBSPOT_DEFINED"},
          {"typeId", d.type_id},
          {"label", d.label.empty() ? json(nullptr) : json(d.label)}};
}

// An id given as "123" or 123.
std::optional<uint64_t> id_of(const json& j) {
  uint64_t id = 0;
  if (j.is_string() && parse_id(j.get<std::string>(), id)) return id;
  if (j.is_number_unsigned()) return j.get<uint64_t>();
  return std::nullopt;
}

// {"id": ...} of an input's "from" or "to".
std::optional<uint64_t> object_id(const json& input, const char* key) {
  if (!input.is_object() || !input.contains(key) || !input[key].is_object() ||
      !input[key].contains("id"))
    return std::nullopt;
  return id_of(input[key]["id"]);
}

struct AssociationRoutes : RouteKit {
  using RouteKit::RouteKit;

  // The pair of a batch or labels route, or the 400 HubSpot answers.
  env::Result<std::pair<const ObjectTypeDef*, const ObjectTypeDef*>, Response> pair_of(
      const env::Request& r) {
    const ObjectTypeDef* from = portal().types().find(r.params.get("from"));
    const ObjectTypeDef* to = portal().types().find(r.params.get("to"));
    if (from == nullptr || to == nullptr)
      return env::fail(unknown_type(r, r.params.get(from == nullptr ? "from" : "to")));
    return std::pair{from, to};
  }

  // The inputs of a batch, at most `max` of them.
  env::Result<json, Response> inputs_of(const env::Request& r, size_t max) {
    auto body = body_of(r);
    if (!body.ok()) return env::fail(body.error());
    auto inputs = body->find("inputs");
    if (inputs == body->end() || !inputs->is_array())
      return env::fail(error(400, "VALIDATION_ERROR", "inputs must be a list"));
    if (inputs->size() > max)
      return env::fail(error(400, "VALIDATION_ERROR",
                             "A batch takes at most " + std::to_string(max) + " inputs; got " +
                                 std::to_string(inputs->size())));
    return *inputs;
  }

  // A batch's pair, inputs and answers so far.
  struct Batch {
    const ObjectTypeDef* from = nullptr;
    const ObjectTypeDef* to = nullptr;
    json inputs;
    env::Timestamp started;
    json results = json::array();
    json errors = json::array();
  };

  env::Result<Batch, Response> begin_batch(RestApi::Context& c, size_t max) {
    auto pair = pair_of(c.request);
    if (!pair.ok()) return env::fail(pair.error());
    auto inputs = inputs_of(c.request, max);
    if (!inputs.ok()) return env::fail(inputs.error());
    Batch b;
    b.from = pair->first;
    b.to = pair->second;
    b.inputs = std::move(inputs).value();
    b.started = portal().clock().now();
    return b;
  }

  // `ok_status` when every input worked, 207 with the errors otherwise.
  Response end_batch(RestApi::Context& c, const Batch& b, int ok_status) {
    c.records = static_cast<int64_t>(b.results.size());
    return json_response(b.errors.empty() ? ok_status : 207,
                         batch_envelope(b.results, b.errors, b.started));
  }

  json batch_error(const HsError& e, const json& context = json::object()) {
    json out = error_body(e);
    out.erase("correlationId");
    if (!context.empty()) out["context"] = context;
    return out;
  }

  // The definition `spec` names between the pair, checked against its
  // category: {"associationCategory": ..., "associationTypeId": n}.
  env::Result<AssociationDefinition, HsError> type_of_spec(const ObjectTypeDef& from,
                                                           const ObjectTypeDef& to,
                                                           const json& spec) {
    if (!spec.is_object() || !spec.contains("associationTypeId") ||
        !spec["associationTypeId"].is_number_integer())
      return env::fail(HsError{400, "VALIDATION_ERROR",
                               "each type needs an associationTypeId", {}, {}});
    const int id = spec["associationTypeId"].get<int>();
    for (const AssociationDefinition& d : portal().association_definitions(from.name, to.name)) {
      if (d.type_id != id) continue;
      if (spec.contains("associationCategory")) {
        const json& category = spec["associationCategory"];
        const std::string want = d.user_defined ? "USER_DEFINED" : "HUBSPOT_DEFINED";
        if (!category.is_string() ||
            (category.get<std::string>() != want && category != "INTEGRATOR_DEFINED"))
          return env::fail(HsError{400, "VALIDATION_ERROR",
                                   "association type " + std::to_string(id) + " is " + want,
                                   {}, {}});
      }
      return d;
    }
    return env::fail(HsError{400, "VALIDATION_ERROR",
                             std::to_string(id) + " is not a valid association type from " +
                                 from.name + " to " + to.name,
                             {}, {}});
  }

  json labels_of(const ObjectTypeDef& from, const ObjectTypeDef& to, const std::set<int>& ids) {
    json labels = json::array();
    for (const AssociationDefinition& d : portal().association_definitions(from.name, to.name))
      if (ids.contains(d.type_id) && !d.label.empty()) labels.push_back(d.label);
    return labels;
  }

  json types_json(const ObjectTypeDef& from, const ObjectTypeDef& to, const std::set<int>& ids) {
    json out = json::array();
    for (int t : ids) {
      AssociationDefinition d{t, false, "", "", 0};
      for (const AssociationDefinition& known :
           portal().association_definitions(from.name, to.name))
        if (known.type_id == t) d = known;
      out.push_back(definition_json(d));
    }
    return out;
  }

  // ---- v4, one record

  Response associate(RestApi::Context& c, bool labelled) {
    const ObjectTypeDef* from = portal().types().find(c.request.params.get("from"));
    const ObjectTypeDef* to = portal().types().find(c.request.params.get("to"));
    uint64_t from_id = 0, to_id = 0;
    if (from == nullptr || to == nullptr || !parse_id(c.request.params.get("id"), from_id) ||
        !parse_id(c.request.params.get("toId"), to_id)) {
      return not_found();
    }
    std::vector<int> types;
    if (labelled) {
      auto body = json_of(c.request);
      if (!body.ok()) return body.error();
      if (!body->is_array() || body->empty())
        return error(400, "VALIDATION_ERROR", "the body must be a list of association types");
      for (const json& spec : body.value()) {
        auto d = type_of_spec(*from, *to, spec);
        if (!d.ok()) return error(d.error());
        types.push_back(d->type_id);
      }
    } else {
      const int t = portal().default_association_type(from->name, to->name);
      if (t == 0)
        return error(400, "VALIDATION_ERROR",
                     "no default association type from " + from->name + " to " + to->name);
      types.push_back(t);
    }
    if (portal().find(from->name, from_id) == nullptr || portal().find(to->name, to_id) == nullptr)
      return not_found();
    for (int t : types) {
      auto ok = portal().associate(from->name, from_id, to->name, to_id, t);
      if (!ok.ok()) return error(ok.error());
    }
    c.records = 1;
    const env::Timestamp now = portal().clock().now();
    if (!labelled) {
      return json_response(200,
                           {{"status", "COMPLETE"},
                            {"results", json::array({{{"from", {{"id", std::to_string(from_id)}}},
                                                      {"to", {{"id", std::to_string(to_id)}}},
                                                      {"associationSpec",
                                                       {{"associationCategory", "HUBSPOT_DEFINED"},
                                                        {"associationTypeId", types.front()}}}}})},
                            {"startedAt", iso(now)},
                            {"completedAt", iso(now)}});
    }
    return json_response(201, {{"fromObjectTypeId", from->type_id},
                               {"fromObjectId", from_id},
                               {"toObjectTypeId", to->type_id},
                               {"toObjectId", to_id},
                               {"labels", labels_of(*from, *to, {types.begin(), types.end()})}});
  }

  Response list(RestApi::Context& c) {
    const ObjectTypeDef* from = portal().types().find(c.request.params.get("from"));
    const ObjectTypeDef* to = portal().types().find(c.request.params.get("to"));
    uint64_t from_id = 0;
    if (from == nullptr || to == nullptr || !parse_id(c.request.params.get("id"), from_id))
      return not_found();
    json results = json::array();
    for (const auto& [id, types] : portal().associations(from->name, from_id, to->name))
      results.push_back({{"toObjectId", id}, {"associationTypes", types_json(*from, *to, types)}});
    c.records = static_cast<int64_t>(results.size());
    return json_response(200, {{"results", results}});
  }

  Response remove(RestApi::Context& c) {
    const ObjectTypeDef* from = portal().types().find(c.request.params.get("from"));
    const ObjectTypeDef* to = portal().types().find(c.request.params.get("to"));
    uint64_t from_id = 0, to_id = 0;
    if (from == nullptr || to == nullptr || !parse_id(c.request.params.get("id"), from_id) ||
        !parse_id(c.request.params.get("toId"), to_id)) {
      return not_found();
    }
    (void)portal().dissociate(from->name, from_id, to->name, to_id);
    return Response::empty(204);
  }

  // ---- v4 batches

  Response batch_create(RestApi::Context& c, bool by_default) {
    auto batch = begin_batch(c, kAssociationBatchWriteMax);
    if (!batch.ok()) return batch.error();
    Batch& b = batch.value();
    const auto [from, to] = std::pair{b.from, b.to};
    for (const json& input : b.inputs) {
      auto from_id = object_id(input, "from");
      auto to_id = object_id(input, "to");
      if (!from_id || !to_id) {
        b.errors.push_back(batch_error(
            HsError{400, "VALIDATION_ERROR", "each input needs from.id and to.id", {}, {}}));
        continue;
      }
      std::vector<int> types;
      if (by_default) {
        const int t = portal().default_association_type(from->name, to->name);
        if (t == 0) {
          b.errors.push_back(batch_error(HsError{400, "VALIDATION_ERROR",
                                               "no default association type from " + from->name +
                                                   " to " + to->name,
                                               {}, {}}));
          continue;
        }
        types.push_back(t);
      } else {
        const json* specs = input.contains("types") ? &input["types"] : nullptr;
        if (specs == nullptr || !specs->is_array() || specs->empty()) {
          b.errors.push_back(
              batch_error(HsError{400, "VALIDATION_ERROR", "each input needs types", {}, {}}));
          continue;
        }
        std::optional<HsError> bad;
        for (const json& spec : *specs) {
          auto d = type_of_spec(*from, *to, spec);
          if (!d.ok()) {
            bad = d.error();
            break;
          }
          types.push_back(d->type_id);
        }
        if (bad) {
          b.errors.push_back(batch_error(*bad));
          continue;
        }
      }
      if (portal().find(from->name, *from_id) == nullptr ||
          portal().find(to->name, *to_id) == nullptr) {
        const uint64_t missing = portal().find(from->name, *from_id) == nullptr ? *from_id : *to_id;
        b.errors.push_back(batch_error(
            HsError{404, "OBJECT_NOT_FOUND", "No record with id " + std::to_string(missing), {}, {}},
            {{"ids", {std::to_string(missing)}}}));
        continue;
      }
      for (int t : types) (void)portal().associate(from->name, *from_id, to->name, *to_id, t);
      if (by_default) {
        b.results.push_back({{"from", {{"id", std::to_string(*from_id)}}},
                           {"to", {{"id", std::to_string(*to_id)}}},
                           {"associationSpec",
                            {{"associationCategory", "HUBSPOT_DEFINED"},
                             {"associationTypeId", types.front()}}}});
      } else {
        b.results.push_back({{"fromObjectTypeId", from->type_id},
                           {"fromObjectId", *from_id},
                           {"toObjectTypeId", to->type_id},
                           {"toObjectId", *to_id},
                           {"labels", labels_of(*from, *to, {types.begin(), types.end()})}});
      }
    }
    return end_batch(c, b, by_default ? 200 : 201);
  }

  Response batch_read(RestApi::Context& c, bool v3) {
    auto batch = begin_batch(c, kAssociationBatchReadMax);
    if (!batch.ok()) return batch.error();
    Batch& b = batch.value();
    const auto [from, to] = std::pair{b.from, b.to};
    for (const json& input : b.inputs) {
      auto id = input.is_object() && input.contains("id") ? id_of(input["id"]) : std::nullopt;
      if (!id || portal().find(from->name, *id) == nullptr) {
        const std::string shown = input.is_object() && input.contains("id")
                                      ? (input["id"].is_string() ? input["id"].get<std::string>()
                                                                 : input["id"].dump())
                                      : "";
        b.errors.push_back(batch_error(
            HsError{404, "OBJECT_NOT_FOUND", "No " + from->name + " with id " + shown, {}, {}},
            {{"ids", {shown}}}));
        continue;
      }
      json targets = json::array();
      for (const auto& [to_id, types] : portal().associations(from->name, *id, to->name)) {
        if (v3) {
          for (int t : types)
            targets.push_back({{"id", std::to_string(to_id)}, {"type", v3_name(*from, *to, t)}});
        } else {
          targets.push_back(
              {{"toObjectId", to_id}, {"associationTypes", types_json(*from, *to, types)}});
        }
      }
      b.results.push_back({{"from", {{"id", std::to_string(*id)}}}, {"to", targets}});
    }
    return end_batch(c, b, 200);
  }

  // v4: {"from": {"id"}, "to": [{"id"}, ...]}; v3: {"from", "to": {"id"}, "type"}.
  Response batch_archive(RestApi::Context& c, bool v3) {
    auto batch = begin_batch(c, kAssociationBatchWriteMax);
    if (!batch.ok()) return batch.error();
    const ObjectTypeDef* from = batch->from;
    const ObjectTypeDef* to = batch->to;
    const json& inputs = batch->inputs;
    std::vector<std::pair<uint64_t, uint64_t>> planned;
    for (const json& input : inputs) {
      auto from_id = object_id(input, "from");
      if (!from_id) return error(400, "VALIDATION_ERROR", "each input needs from.id");
      if (v3) {
        auto to_id = object_id(input, "to");
        if (!to_id) return error(400, "VALIDATION_ERROR", "each input needs to.id");
        planned.emplace_back(*from_id, *to_id);
        continue;
      }
      if (!input.contains("to") || !input["to"].is_array())
        return error(400, "VALIDATION_ERROR", "each input needs a list of to ids");
      for (const json& target : input["to"]) {
        auto to_id = target.is_object() && target.contains("id") ? id_of(target["id"])
                                                                 : std::nullopt;
        if (!to_id) return error(400, "VALIDATION_ERROR", "each to needs an id");
        planned.emplace_back(*from_id, *to_id);
      }
    }
    for (const auto& [from_id, to_id] : planned)
      (void)portal().dissociate(from->name, from_id, to->name, to_id);
    c.records = static_cast<int64_t>(planned.size());
    return Response::empty(204);
  }

  Response batch_archive_labels(RestApi::Context& c) {
    auto batch = begin_batch(c, kAssociationBatchWriteMax);
    if (!batch.ok()) return batch.error();
    const ObjectTypeDef* from = batch->from;
    const ObjectTypeDef* to = batch->to;
    const json& inputs = batch->inputs;
    struct Planned {
      uint64_t from_id, to_id;
      std::set<int> types;
    };
    std::vector<Planned> planned;
    for (const json& input : inputs) {
      auto from_id = object_id(input, "from");
      auto to_id = object_id(input, "to");
      if (!from_id || !to_id || !input.contains("types") || !input["types"].is_array())
        return error(400, "VALIDATION_ERROR", "each input needs from.id, to.id and types");
      Planned p{*from_id, *to_id, {}};
      for (const json& spec : input["types"]) {
        auto d = type_of_spec(*from, *to, spec);
        if (!d.ok()) return error(d.error());
        p.types.insert(d->type_id);
      }
      planned.push_back(std::move(p));
    }
    for (const Planned& p : planned)
      (void)portal().dissociate_types(from->name, p.from_id, to->name, p.to_id, p.types);
    c.records = static_cast<int64_t>(planned.size());
    return Response::empty(204);
  }

  // ---- v4 labels

  Response list_labels(RestApi::Context& c) {
    auto pair = pair_of(c.request);
    if (!pair.ok()) return pair.error();
    json results = json::array();
    for (const AssociationDefinition& d :
         portal().association_definitions(pair->first->name, pair->second->name))
      results.push_back(definition_json(d));
    return json_response(200, {{"results", results}});
  }

  // What a label create or update sends: the pair, its body, the label and
  // the optional inverse label.
  struct LabelRequest {
    const ObjectTypeDef* from;
    const ObjectTypeDef* to;
    json body;
    std::string label;
    std::string inverse;
  };
  env::Result<LabelRequest, Response> label_request(const env::Request& r) {
    auto pair = pair_of(r);
    if (!pair.ok()) return env::fail(pair.error());
    auto body = body_of(r);
    if (!body.ok()) return env::fail(body.error());
    auto label = string_field(body.value(), "label");
    if (!label.ok()) return env::fail(label.error());
    auto inverse = string_field(body.value(), "inverseLabel");
    if (!inverse.ok()) return env::fail(inverse.error());
    return LabelRequest{pair->first, pair->second, std::move(body).value(), label.value(),
                        inverse.value()};
  }

  Response create_label(RestApi::Context& c) {
    auto request = label_request(c.request);
    if (!request.ok()) return request.error();
    auto name = string_field(request->body, "name");
    if (!name.ok()) return name.error();
    auto made = portal().create_association_label(request->from->name, request->to->name,
                                                  request->label, name.value(), request->inverse);
    if (!made.ok()) return error(made.error());
    json results = json::array({definition_json(made->first)});
    if (made->second.type_id != made->first.type_id) results.push_back(definition_json(made->second));
    return json_response(200, {{"results", results}});
  }

  Response update_label(RestApi::Context& c) {
    auto request = label_request(c.request);
    if (!request.ok()) return request.error();
    auto type_id = int_field(request->body, "associationTypeId", 0, 1, 1'000'000'000);
    if (!type_id.ok()) return type_id.error();
    if (type_id.value() == 0)
      return error(400, "VALIDATION_ERROR", "associationTypeId is required");
    auto ok = portal().update_association_label(request->from->name, request->to->name,
                                                static_cast<int>(type_id.value()), request->label,
                                                request->inverse);
    if (!ok.ok()) return error(ok.error());
    return Response::empty(204);
  }

  Response delete_label(RestApi::Context& c) {
    auto pair = pair_of(c.request);
    if (!pair.ok()) return pair.error();
    uint64_t type_id = 0;
    if (!parse_id(c.request.params.get("typeId"), type_id) || type_id > 1'000'000'000)
      return not_found();
    auto ok = portal().delete_association_label(pair->first->name, pair->second->name,
                                                static_cast<int>(type_id));
    if (!ok.ok()) return error(ok.error());
    return Response::empty(204);
  }

  // ---- v3

  // "contact_to_company" for the primary (or only) type, with
  // "_unlabeled" for the unlabelled one beside a primary, as v3 names them.
  std::string v3_name(const ObjectTypeDef& from, const ObjectTypeDef& to, int type_id) {
    const std::string base =
        env::ascii_lower(from.singular) + "_to_" + env::ascii_lower(to.singular);
    const auto defs = portal().association_definitions(from.name, to.name);
    bool has_primary = false;
    for (const AssociationDefinition& d : defs) has_primary |= d.label == "Primary";
    for (const AssociationDefinition& d : defs) {
      if (d.type_id != type_id) continue;
      if (d.user_defined) return d.name;
      if (d.label == "Primary") return base;
      if (d.label.empty()) return has_primary ? base + "_unlabeled" : base;
    }
    return base + "_" + std::to_string(type_id);
  }

  std::optional<int> v3_type(const ObjectTypeDef& from, const ObjectTypeDef& to,
                             const std::string& name) {
    for (const AssociationDefinition& d : portal().association_definitions(from.name, to.name))
      if (v3_name(from, to, d.type_id) == name) return d.type_id;
    return std::nullopt;
  }

  Response v3_types(RestApi::Context& c) {
    auto pair = pair_of(c.request);
    if (!pair.ok()) return pair.error();
    json results = json::array();
    for (const AssociationDefinition& d :
         portal().association_definitions(pair->first->name, pair->second->name)) {
      results.push_back({{"id", std::to_string(d.type_id)},
                         {"name", v3_name(*pair->first, *pair->second, d.type_id)}});
    }
    return json_response(200, {{"results", results}});
  }

  Response v3_create(RestApi::Context& c) {
    auto batch = begin_batch(c, kAssociationBatchWriteMax);
    if (!batch.ok()) return batch.error();
    Batch& b = batch.value();
    const auto [from, to] = std::pair{b.from, b.to};
    for (const json& input : b.inputs) {
      auto from_id = object_id(input, "from");
      auto to_id = object_id(input, "to");
      const std::string name =
          input.is_object() && input.contains("type") && input["type"].is_string()
              ? input["type"].get<std::string>()
              : "";
      auto type = v3_type(*from, *to, name);
      if (!from_id || !to_id || !type) {
        b.errors.push_back(batch_error(HsError{400, "VALIDATION_ERROR",
                                             !type ? "Unknown association type: " + name
                                                   : "each input needs from.id and to.id",
                                             {}, {}}));
        continue;
      }
      auto ok = portal().associate(from->name, *from_id, to->name, *to_id, *type);
      if (!ok.ok()) {
        b.errors.push_back(batch_error(ok.error(), {{"ids", {std::to_string(*from_id)}}}));
        continue;
      }
      b.results.push_back({{"from", {{"id", std::to_string(*from_id)}}},
                         {"to", {{"id", std::to_string(*to_id)}}},
                         {"type", name}});
    }
    return end_batch(c, b, 201);
  }
};

}  // namespace

void RestApi::install_association_routes() {
  auto r = std::make_shared<AssociationRoutes>(*this);
  const std::string one = "/crm/v4/objects/:from/:id/associations";
  add_call(Method::kPut, one + "/default/:to/:toId", false,
           [r](Context& c) { return r->associate(c, false); });
  add_call(Method::kPut, one + "/:to/:toId", false,
           [r](Context& c) { return r->associate(c, true); });
  add_call(Method::kGet, one + "/:to", false, [r](Context& c) { return r->list(c); });
  add_call(Method::kDelete, one + "/:to/:toId", false, [r](Context& c) { return r->remove(c); });

  const std::string v4 = "/crm/v4/associations/:from/:to";
  add_call(Method::kPost, v4 + "/batch/create", false,
           [r](Context& c) { return r->batch_create(c, false); });
  add_call(Method::kPost, v4 + "/batch/associate/default", false,
           [r](Context& c) { return r->batch_create(c, true); });
  add_call(Method::kPost, v4 + "/batch/read", false,
           [r](Context& c) { return r->batch_read(c, false); });
  add_call(Method::kPost, v4 + "/batch/archive", false,
           [r](Context& c) { return r->batch_archive(c, false); });
  add_call(Method::kPost, v4 + "/batch/labels/archive", false,
           [r](Context& c) { return r->batch_archive_labels(c); });
  add_call(Method::kGet, v4 + "/labels", false, [r](Context& c) { return r->list_labels(c); });
  add_call(Method::kPost, v4 + "/labels", false, [r](Context& c) { return r->create_label(c); });
  add_call(Method::kPut, v4 + "/labels", false, [r](Context& c) { return r->update_label(c); });
  add_call(Method::kDelete, v4 + "/labels/:typeId", false,
           [r](Context& c) { return r->delete_label(c); });

  const std::string v3 = "/crm/v3/associations/:from/:to";
  add_call(Method::kGet, v3 + "/types", false, [r](Context& c) { return r->v3_types(c); });
  add_call(Method::kPost, v3 + "/batch/create", false,
           [r](Context& c) { return r->v3_create(c); });
  add_call(Method::kPost, v3 + "/batch/read", false,
           [r](Context& c) { return r->batch_read(c, true); });
  add_call(Method::kPost, v3 + "/batch/archive", false,
           [r](Context& c) { return r->batch_archive(c, true); });
}

}  // namespace crmsim::mocks::hubspot
