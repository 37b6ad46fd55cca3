#include "mocks/hubspot/rest.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "crm/vocabulary.h"
#include "env/authorization.h"
#include "env/json_body.h"
#include "env/json_writer.h"
#include "mocks/hubspot/not_emulated.h"
#include "mocks/hubspot/rest_kit.h"
#include "mocks/hubspot/search.h"

namespace crmsim::mocks::hubspot {

using env::Method;
using env::Request;
using env::Response;
using nlohmann::json;

namespace {

const std::vector<std::string>& default_properties(const std::string& type) {
  static const std::map<std::string, std::vector<std::string>> kDefaults = {
      {"contacts",
       {"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"}},
      {"companies", {"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"}},
      {"deals",
       {"amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate",
        "hs_object_id", "pipeline"}},
      {"tickets",
       {"content", "createdate", "hs_lastmodifieddate", "hs_object_id", "hs_pipeline",
        "hs_pipeline_stage", "hs_ticket_priority", "subject"}},
      {"products",
       {"createdate", "description", "hs_lastmodifieddate", "hs_object_id", "name", "price"}},
      {"line_items",
       {"amount", "createdate", "description", "hs_lastmodifieddate", "hs_object_id",
        "hs_product_id", "name", "price", "quantity"}}};
  static const std::vector<std::string> kOther = {"createdate", "hs_lastmodifieddate",
                                                  "hs_object_id"};
  auto it = kDefaults.find(type);
  return it == kDefaults.end() ? kOther : it->second;
}

// The properties a record's answer shows: the asked names (or the type's
// defaults) in name order, each once, with whether the type declares it (a
// declared property without a value answers null; an undeclared one only
// when the record holds it). Computed once per request, not per record.
struct Projection {
  std::vector<std::pair<std::string, bool>> names;

  Projection(const ObjectTypeDef& type, const std::vector<std::string>& requested) {
    std::vector<std::string> sorted =
        requested.empty() ? default_properties(type.name) : requested;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
    names.reserve(sorted.size());
    for (std::string& n : sorted) {
      const bool declared = type.property(n) != nullptr;
      names.emplace_back(std::move(n), declared);
    }
  }
};

// A record as record_json answers it without history, written straight
// into `out` in the order HubSpot writes it. `is_new`: an upsert's "new".
void write_record(env::JsonWriter& w, const ObjectRecord& r,
                  const Projection& projection, const PropertyMap* view = nullptr,
                  const bool* is_new = nullptr) {
  const PropertyMap& props = view != nullptr ? *view : r.properties;
  w.begin_object();
  w.key("id");
  char id[24];
  const int n = std::snprintf(id, sizeof id, "%llu", static_cast<unsigned long long>(r.id));
  w.string(std::string_view(id, static_cast<size_t>(n)));
  w.key("properties");
  w.begin_object();
  for (const auto& [name, declared] : projection.names) {
    auto it = props.find(name);
    if (it != props.end()) {
      w.key(name);
      w.string(it->second);
    } else if (declared) {
      w.key(name);
      w.null();
    }
  }
  w.end_object();
  w.key("createdAt");
  w.datetime(r.created_at.ms_since_epoch(), "Z");
  w.key("updatedAt");
  w.datetime(r.updated_at.ms_since_epoch(), "Z");
  w.key("archived");
  w.boolean(r.archived);
  if (r.archived) {
    w.key("archivedAt");
    w.datetime(r.archived_at.ms_since_epoch(), "Z");
  }
  if (is_new != nullptr) {
    w.key("new");
    w.boolean(*is_new);
  }
  w.end_object();
}

// A batch answer written as it goes: the results one by one into the
// body, then the errors and times, in the order batch_envelope's fields
// have on HubSpot's wire.
class BatchAnswer {
 public:
  explicit BatchAnswer(env::Timestamp started) : started_(started) {
    w_.begin_object();
    w_.key("status");
    w_.string("COMPLETE");
    w_.key("results");
    w_.begin_array();
  }
  env::JsonWriter& results() { return w_; }
  Response finish(int status, const json& errors, env::Timestamp completed) {
    w_.end_array();
    if (!errors.empty()) {
      w_.key("numErrors");
      w_.number(static_cast<uint64_t>(errors.size()));
      w_.key("errors");
      w_.value(errors);
    }
    w_.key("startedAt");
    w_.datetime(started_.ms_since_epoch(), "Z");
    w_.key("completedAt");
    w_.datetime(completed.ms_since_epoch(), "Z");
    w_.end_object();
    return Response::with_body(status, kJsonContentType, std::move(body_));
  }

 private:
  std::string body_;
  env::JsonWriter w_{body_};
  env::Timestamp started_;
};

}  // namespace

struct HubSpotRoutes : RouteKit {
  using RouteKit::RouteKit;

  // The per-batch error for ids that name no record.
  static json missing_ids(const ObjectTypeDef& type, const std::vector<std::string>& ids) {
    return {
        {"status", "error"},
        {"category", "OBJECT_NOT_FOUND"},
        {"message", "Could not get some " + type.singular +
                        " objects, they may be deleted or not exist. Check that ids are valid."},
        {"context", {{"ids", ids}}}};
  }

  // {"properties":{...}} as write inputs; values may be strings, numbers or booleans.
  env::Result<PropertyInputs, Response> inputs_of(const json& object) {
    PropertyInputs out;
    if (!object.contains("properties")) return out;
    if (!object["properties"].is_object()) {
      return env::fail(
          error(400, "VALIDATION_ERROR", "properties must be an object of property name to value"));
    }
    for (const auto& [k, v] : object["properties"].items()) {
      if (v.is_string())
        out.emplace_back(k, v.get<std::string>());
      else if (v.is_null())
        out.emplace_back(k, "");
      else if (v.is_boolean())
        out.emplace_back(k, v.get<bool>() ? "true" : "false");
      else if (v.is_number_integer())
        out.emplace_back(k, std::to_string(v.get<int64_t>()));
      else if (v.is_number())
        out.emplace_back(k, v.dump());
      else
        return env::fail(error(400, "VALIDATION_ERROR",
                               "Property \"" + k + "\" must be a string, number or boolean"));
    }
    return out;
  }

  const ObjectTypeDef* type_of(const Request& r) {
    return portal().types().find(r.params.get("type"));
  }

  // One record's answer, without history or associations, written
  // straight into the body.
  static Response record_response(int status, const ObjectRecord& r,
                                  const std::vector<std::string>& requested) {
    std::string body;
    env::JsonWriter w(body);
    write_record(w, r, Projection(*r.type, requested));
    return Response::with_body(status, kJsonContentType, std::move(body));
  }

  json record_json(const ObjectRecord& r, const std::vector<std::string>& requested,
                   bool with_history, const std::vector<std::string>& history_props,
                   const PropertyMap* view = nullptr) {
    const auto& props = view != nullptr ? *view : r.properties;
    json properties = json::object();
    const auto& names = requested.empty() ? default_properties(r.type->name) : requested;
    for (const auto& name : names) {
      auto it = props.find(name);
      if (it != props.end()) {
        properties[name] = it->second;
      } else if (r.type->property(name) != nullptr) {
        properties[name] = nullptr;
      }
    }
    json out = {{"id", std::to_string(r.id)},
                {"properties", properties},
                {"createdAt", iso(r.created_at)},
                {"updatedAt", iso(r.updated_at)},
                {"archived", r.archived}};
    if (r.archived) out["archivedAt"] = iso(r.archived_at);
    if (with_history) {
      json history = json::object();
      for (const auto& name : history_props) {
        json entries = json::array();
        for (const HistoryItem& h : portal().history(r, name)) {
          entries.push_back({{"value", h.value},
                             {"timestamp", iso(h.at)},
                             {"sourceType", h.source_type},
                             {"sourceId", h.source_id}});
        }
        history[name] = entries;
      }
      out["propertiesWithHistory"] = history;
    }
    return out;
  }

  // The record a path id names, honouring ?idProperty=.
  const ObjectRecord* lookup(const ObjectTypeDef& type, std::string_view id,
                             std::string_view id_property, bool archived = false) {
    if (!id_property.empty() && id_property != "hs_object_id") {
      return portal().find_by(type.name, id_property, id);
    }
    uint64_t n = 0;
    if (!parse_id(id, n)) return nullptr;
    const ObjectRecord* r = portal().find_any(type.name, n);
    if (r == nullptr || r->archived != archived) return nullptr;
    return r;
  }

  void associations_json(json& out, const ObjectRecord& r,
                         const std::vector<std::string>& to_types) {
    json assoc = json::object();
    for (const auto& to : to_types) {
      const ObjectTypeDef* t = portal().types().find(to);
      if (t == nullptr) continue;
      json results = json::array();
      for (const auto& [id, types] : portal().associations(r.type->name, r.id, t->name)) {
        for (int type_id : types) {
          results.push_back({{"id", std::to_string(id)},
                             {"type", type_id == 1 || type_id == 2
                                          ? "contact_to_company"
                                          : std::string(r.type->singular) + "_to_" + t->singular}});
        }
      }
      if (!results.empty()) assoc[t->name] = {{"results", results}};
    }
    if (!assoc.empty()) out["associations"] = assoc;
  }

  std::vector<std::string> history_list(const Request& r) {
    return r.query.get_list("propertiesWithHistory");
  }

  // ---- single objects
  Response read(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return unknown_type(c.request);
    const bool archived = c.request.query.get("archived") == "true";
    const ObjectRecord* r = lookup(*type, c.request.params.get("id"),
                                   c.request.query.get("idProperty").value_or(""), archived);
    if (r == nullptr) return not_found();
    c.records = 1;
    const auto history = history_list(c.request);
    auto associations = c.request.query.get_list("associations");
    if (history.empty() && associations.empty())
      return record_response(200, *r, c.request.query.get_list("properties"));
    json out = record_json(*r, c.request.query.get_list("properties"), !history.empty(), history);
    associations_json(out, *r, associations);
    return json_response(200, out);
  }

  Response page(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return unknown_type(c.request);
    int64_t limit = 0;
    uint64_t after = 0;
    if (auto bad = paging(c.request, kPageLimitDefault, kPageLimitMax, limit, after)) return *bad;
    const bool archived = c.request.query.get("archived") == "true";
    const auto props = c.request.query.get_list("properties");
    json results = json::array();
    const auto& records = portal().records(type->name);
    auto it = records.upper_bound(after == 0 ? 0 : after - 1);
    std::optional<uint64_t> next;
    for (; it != records.end(); ++it) {
      if (it->second.archived != archived) continue;
      if (static_cast<int64_t>(results.size()) == limit) {
        next = it->first;
        break;
      }
      results.push_back(record_json(it->second, props, false, {}));
    }
    c.records = static_cast<int64_t>(results.size());
    json out = {{"results", results}};
    if (next) {
      const std::string cursor = std::to_string(*next);
      out["paging"] = {
          {"next",
           {{"after", cursor}, {"link", "/crm/v3/objects/" + type->name + "?after=" + cursor}}}};
    }
    return json_response(200, out);
  }

  // One association a create asks for, checked: its target exists.
  struct PlannedAssociation {
    std::string to_type;
    uint64_t to_id = 0;
    int type_id = 0;
  };

  // The "associations" of a create's input, every one checked before
  // anything is written, so that a create with a bad association is refused
  // whole instead of saving the record without it.
  env::Result<std::vector<PlannedAssociation>, Response> plan_associations(
      const ObjectTypeDef& type, const json& input) {
    std::vector<PlannedAssociation> out;
    auto list = input.find("associations");
    if (list == input.end() || list->is_null()) return out;
    auto invalid = [&](const std::string& message) {
      return env::fail(error(400, "VALIDATION_ERROR", message));
    };
    if (!list->is_array()) return invalid("associations must be a list");
    for (const json& a : *list) {
      if (!a.is_object()) return invalid("each association must be an object with to and types");
      auto to = a.find("to");
      auto types = a.find("types");
      if (to == a.end() || !to->is_object() || types == a.end() || !types->is_array()) {
        return invalid("each association needs to.id and types");
      }
      auto to_id_json = to->find("id");
      std::string to_text;
      if (to_id_json != to->end() && (to_id_json->is_string() || to_id_json->is_number_unsigned()))
        to_text = to_id_json->is_string() ? to_id_json->get<std::string>() : to_id_json->dump();
      uint64_t to_id = 0;
      if (!parse_id(to_text, to_id)) return invalid("association to.id must be a record id");
      for (const json& t : *types) {
        auto type_id_json = t.is_object() ? t.find("associationTypeId") : t.end();
        if (!t.is_object() || type_id_json == t.end() || !type_id_json->is_number_integer() ||
            type_id_json->get<int64_t>() <= 0 || type_id_json->get<int64_t>() > INT32_MAX) {
          return invalid("each association type needs an associationTypeId (a positive number)");
        }
        const int type_id = static_cast<int>(type_id_json->get<int64_t>());
        std::string to_type;
        for (const ObjectTypeDef* candidate : portal().types().all()) {
          if (crm::default_association_type(type.name, candidate->name) == type_id ||
              (type_id == 1 && type.name == "contacts" && candidate->name == "companies")) {
            to_type = candidate->name;
          }
        }
        if (to_type.empty()) return invalid("unknown associationTypeId " + std::to_string(type_id));
        if (portal().find(to_type, to_id) == nullptr)
          return invalid("association target " + to_text + " does not exist");
        out.push_back({to_type, to_id, type_id});
      }
    }
    return out;
  }

  // Writes associations plan_associations checked; none can fail now.
  void apply_associations(const ObjectTypeDef& type, uint64_t id,
                          const std::vector<PlannedAssociation>& planned) {
    for (const PlannedAssociation& a : planned) {
      auto ok = portal().associate(type.name, id, a.to_type, a.to_id, a.type_id);
      CRMSIM_ASSERT(ok.ok(), "a checked association was refused");
    }
  }

  Response create(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return unknown_type(c.request);
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    auto inputs = inputs_of(body.value());
    if (!inputs.ok()) return inputs.error();
    auto associations = plan_associations(*type, body.value());
    if (!associations.ok()) return associations.error();
    auto id = portal().create(type->name, inputs.value(),
                              WriteSource{"INTEGRATION", c.token.substr(0, 8)});
    if (!id.ok()) return error(id.error());
    apply_associations(*type, id.value(), associations.value());
    c.records = 1;
    return record_response(201, *portal().find(type->name, id.value()), {});
  }

  Response update(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return not_found();
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    auto inputs = inputs_of(body.value());
    if (!inputs.ok()) return inputs.error();
    const ObjectRecord* r =
        lookup(*type, c.request.params.get("id"), c.request.query.get("idProperty").value_or(""));
    if (r == nullptr) return not_found();
    const uint64_t id = r->id;
    auto ok = portal().update(type->name, id, inputs.value(),
                              WriteSource{"INTEGRATION", c.token.substr(0, 8)});
    if (!ok.ok()) return error(ok.error());
    c.records = 1;
    std::vector<std::string> names;
    for (const auto& [k, v] : inputs.value()) names.push_back(k);
    return record_response(200, *portal().find(type->name, id), names);
  }

  Response archive(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return not_found();
    uint64_t id = 0;
    if (parse_id(c.request.params.get("id"), id)) {
      (void)portal().archive(type->name, id, WriteSource{"INTEGRATION", c.token.substr(0, 8)});
    }
    c.records = 1;
    return Response::empty(204);  // HubSpot answers 204 even for an unknown id
  }

  Response merge(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return not_found();
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    uint64_t primary = 0, merged = 0;
    const json& b = body.value();
    auto text = [](const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
    if (!b.contains("primaryObjectId") || !b.contains("objectIdToMerge") ||
        !parse_id(text(b["primaryObjectId"]), primary) ||
        !parse_id(text(b["objectIdToMerge"]), merged)) {
      return error(400, "VALIDATION_ERROR", "primaryObjectId and objectIdToMerge are required");
    }
    auto ok = portal().merge(type->name, primary, merged,
                             WriteSource{"INTEGRATION", c.token.substr(0, 8)});
    if (!ok.ok()) return error(ok.error());
    c.records = 2;
    return json_response(200, record_json(*portal().find(type->name, primary), {}, false, {}));
  }

  Response gdpr_delete(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return not_found();
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    const json& b = body.value();
    const std::string id_text =
        b.contains("objectId")
            ? (b["objectId"].is_string() ? b["objectId"].get<std::string>() : b["objectId"].dump())
            : "";
    const ObjectRecord* r = lookup(*type, id_text, b.value("idProperty", ""));
    if (r == nullptr) r = lookup(*type, id_text, b.value("idProperty", ""), /*archived=*/true);
    if (r == nullptr) return not_found();
    (void)portal().gdpr_delete(type->name, r->id);
    c.records = 1;
    return Response::empty(204);
  }

  // ---- batch
  env::Result<json, Response> batch_inputs(RestApi::Context& c) {
    auto body = body_of(c.request);
    if (!body.ok()) return env::fail(body.error());
    if (!body->contains("inputs") || !(*body)["inputs"].is_array()) {
      return env::fail(error(400, "VALIDATION_ERROR", "inputs must be a list"));
    }
    if ((*body)["inputs"].size() > kBatchInputsMax) {
      return env::fail(error(400, "VALIDATION_ERROR",
                             "Batch input size " + std::to_string((*body)["inputs"].size()) +
                                 " is too large; the limit is " + std::to_string(kBatchInputsMax)));
    }
    return body;
  }



  Response batch_create(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return not_found();
    auto body = batch_inputs(c);
    if (!body.ok()) return body.error();
    const json& inputs = (*body)["inputs"];
    const env::Timestamp started = portal().clock().now();
    const WriteSource source{"INTEGRATION", c.token.substr(0, 8)};
    const bool traced =
        !inputs.empty() && std::all_of(inputs.begin(), inputs.end(), [](const json& i) {
          return i.is_object() && i.contains("objectWriteTraceId");
        });
    // Without trace ids, one bad input fails the whole batch: check first.
    std::vector<PropertyInputs> parsed;
    std::vector<std::vector<PlannedAssociation>> planned;
    std::set<std::string> emails;
    std::set<std::pair<std::string, std::string>> unique_values;
    for (const json& input : inputs) {
      if (!input.is_object()) return error(400, "VALIDATION_ERROR", "each input must be an object");
      auto in = inputs_of(input);
      if (!in.ok()) return in.error();
      auto associations = plan_associations(*type, input);
      if (!associations.ok()) return associations.error();
      planned.push_back(std::move(associations).value());
      if (!traced) {
        HsError e;
        if (!portal().check_create(type->name, in.value(), source, &e).ok()) return error(e);
        for (const auto& [k, v] : in.value()) {
          if (type->name == "contacts" && k == "email" && !v.empty()) {
            std::string l = v;
            std::transform(l.begin(), l.end(), l.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
            if (!emails.insert(l).second)
              return error(409, "CONFLICT", "Duplicate email in batch: " + v);
          }
          // A property requiring unique values: one value per batch too.
          if (const PropertyDef* def = type->property(k);
              def != nullptr && def->has_unique_value && !v.empty() &&
              !unique_values.insert({k, v}).second)
            return error(409, "CONFLICT", "Duplicate " + k + " in batch: " + v);
        }
      }
      parsed.push_back(std::move(in).value());
    }
    BatchAnswer answer(started);
    const Projection projection(*type, {});
    int64_t written = 0;
    json errors = json::array();
    for (size_t i = 0; i < parsed.size(); ++i) {
      auto id = portal().create(type->name, parsed[i], source);
      if (!id.ok()) {
        json e = error_body(id.error());
        e.erase("correlationId");
        auto trace = inputs[i].find("objectWriteTraceId");
        e["context"] = {{"objectWriteTraceId",
                         {trace == inputs[i].end()
                              ? std::string()
                              : (trace->is_string() ? trace->get<std::string>() : trace->dump())}}};
        errors.push_back(e);
        continue;
      }
      apply_associations(*type, id.value(), planned[i]);
      write_record(answer.results(), *portal().find(type->name, id.value()), projection);
      ++written;
    }
    c.records = written;
    return answer.finish(errors.empty() ? 201 : 207, errors, portal().clock().now());
  }

  Response batch_read(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return not_found();
    auto body = batch_inputs(c);
    if (!body.ok()) return body.error();
    const env::Timestamp started = portal().clock().now();
    std::vector<std::string> props, history;
    for (const json& p : body->value("properties", json::array()))
      if (p.is_string()) props.push_back(p.get<std::string>());
    for (const json& p : body->value("propertiesWithHistory", json::array()))
      if (p.is_string()) history.push_back(p.get<std::string>());
    const std::string id_property = body->value("idProperty", "");
    const bool archived = body->value("archived", false);
    BatchAnswer answer(started);
    const Projection projection(*type, props);
    int64_t written = 0;
    std::vector<std::string> missing;
    for (const json& input : (*body)["inputs"]) {
      const std::string id =
          input.is_object() && input.contains("id")
              ? (input["id"].is_string() ? input["id"].get<std::string>() : input["id"].dump())
              : "";
      const ObjectRecord* r = lookup(*type, id, id_property, archived);
      if (r == nullptr) {
        missing.push_back(id);
        continue;
      }
      if (history.empty())
        write_record(answer.results(), *r, projection);
      else
        answer.results().value(record_json(*r, props, true, history));
      ++written;
    }
    c.records = written;
    json errors = json::array();
    if (!missing.empty()) {
      errors.push_back(missing_ids(*type, missing));
    }
    return answer.finish(errors.empty() ? 200 : 207, errors, portal().clock().now());
  }

  Response batch_update(RestApi::Context& c, bool upsert) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return not_found();
    auto body = batch_inputs(c);
    if (!body.ok()) return body.error();
    const env::Timestamp started = portal().clock().now();
    const WriteSource source{"INTEGRATION", c.token.substr(0, 8)};
    // Every input is read and checked before any is written: a bad one
    // refuses the whole batch, never half of it.
    struct Planned {
      PropertyInputs inputs;
      std::string id;
      std::string id_property;
      const ObjectRecord* record = nullptr;  // null: missing (or created by an upsert)
    };
    std::vector<Planned> plan;
    for (const json& input : (*body)["inputs"]) {
      if (!input.is_object()) return error(400, "VALIDATION_ERROR", "each input must be an object");
      Planned p;
      auto in = inputs_of(input);
      if (!in.ok()) return in.error();
      p.inputs = std::move(in).value();
      auto id = input.find("id");
      if (id != input.end() && !id->is_string() && !id->is_number_unsigned())
        return error(400, "VALIDATION_ERROR", "id must be a string, got " + id->dump());
      if (id != input.end()) p.id = id->is_string() ? id->get<std::string>() : id->dump();
      auto id_property = string_field(input, "idProperty");
      if (!id_property.ok()) return id_property.error();
      p.id_property = std::move(id_property).value();
      p.record = lookup(*type, p.id, p.id_property);
      HsError e;
      if (p.record != nullptr) {
        if (!portal().check_update(type->name, p.record->id, p.inputs, source, &e).ok())
          return error(e);
      } else if (upsert && !p.id_property.empty()) {
        PropertyInputs with_key = p.inputs;
        with_key.emplace_back(p.id_property, p.id);
        if (!portal().check_create(type->name, with_key, source, &e).ok()) return error(e);
      }
      plan.push_back(std::move(p));
    }
    BatchAnswer answer(started);
    int64_t written = 0;
    json errors = json::array();
    std::vector<std::string> missing;
    for (Planned& p : plan) {
      bool created = false;
      uint64_t target = 0;
      if (p.record == nullptr) {
        if (!upsert || p.id_property.empty()) {
          missing.push_back(p.id);
          continue;
        }
        PropertyInputs with_key = p.inputs;
        with_key.emplace_back(p.id_property, p.id);
        auto made = portal().create(type->name, with_key, source);
        // Checked above; a batch that upserts one key twice finds it made.
        if (!made.ok()) {
          json e = error_body(made.error());
          e.erase("correlationId");
          errors.push_back(e);
          continue;
        }
        target = made.value();
        created = true;
      } else {
        target = p.record->id;
        auto ok = portal().update(type->name, target, p.inputs, source);
        if (!ok.ok()) {
          json e = error_body(ok.error());
          e.erase("correlationId");
          errors.push_back(e);
          continue;
        }
      }
      std::vector<std::string> names;
      for (const auto& [k, v] : p.inputs) names.push_back(k);
      write_record(answer.results(), *portal().find(type->name, target), Projection(*type, names),
                   nullptr, upsert ? &created : nullptr);
      ++written;
    }
    if (!missing.empty()) {
      errors.push_back(missing_ids(*type, missing));
    }
    c.records = written;
    return answer.finish(errors.empty() ? 200 : 207, errors, portal().clock().now());
  }

  Response batch_archive(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return not_found();
    auto body = batch_inputs(c);
    if (!body.ok()) return body.error();
    for (const json& input : (*body)["inputs"]) {
      uint64_t id = 0;
      const std::string text =
          input.is_object() && input.contains("id")
              ? (input["id"].is_string() ? input["id"].get<std::string>() : input["id"].dump())
              : "";
      if (parse_id(text, id) &&
          portal().archive(type->name, id, WriteSource{"INTEGRATION", c.token.substr(0, 8)}).ok()) {
        ++c.records;
      }
    }
    return Response::empty(204);
  }

  // ---- search
  Response search_objects(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return not_found();
    auto request = parse_search(*type, c.request.body);
    if (!request.ok()) return error(request.error());
    auto page = search(portal(), *type, request.value());
    if (!page.ok()) return error(page.error());
    // Written straight into the body, in the order HubSpot writes it.
    const Projection projection(*type, request->properties);
    std::string body;
    body.reserve(page->results.size() * (160 + 40 * projection.names.size()));
    env::JsonWriter w(body);
    w.begin_object();
    w.key("total");
    w.number(static_cast<int64_t>(page->total));
    w.key("results");
    w.begin_array();
    for (size_t i = 0; i < page->results.size(); ++i)
      write_record(w, *page->results[i], projection, page->views[i]);
    w.end_array();
    if (page->next_after) {
      w.key("paging");
      w.begin_object();
      w.key("next");
      w.begin_object();
      w.key("after");
      w.string(std::to_string(*page->next_after));
      w.end_object();
      w.end_object();
    }
    w.end_object();
    c.records = static_cast<int64_t>(page->results.size());
    return Response::with_body(200, kJsonContentType, std::move(body));
  }

  // ---- lists
  json list_json(const HsList& l) {
    return {{"listId", std::to_string(l.id)},
            {"name", l.name},
            {"objectTypeId", portal().types().find(l.object_type)->type_id},
            {"processingType", l.processing_type},
            {"processingStatus", "COMPLETE"},
            {"size", l.members.size()},
            {"listVersion", 1},
            {"createdAt", iso(l.created_at)},
            {"updatedAt", iso(l.updated_at)}};
  }

  const HsList* list_of(const Request& r) {
    uint64_t id = 0;
    return parse_id(r.params.get("listId"), id) ? portal().list(id) : nullptr;
  }

  Response list_not_found(const Request& r) {
    return error(404, "OBJECT_NOT_FOUND",
                 "List " + std::string(r.params.get("listId")) + " does not exist.");
  }

  Response create_list(RestApi::Context& c) {
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    auto filters = parse_filter_branch(body->value("filterBranch", json()));
    if (!filters.ok()) return error(400, "VALIDATION_ERROR", filters.error().message);
    auto id =
        portal().create_list(body->value("name", ""), body->value("objectTypeId", "0-1"),
                             body->value("processingType", "MANUAL"), std::move(filters).value());
    if (!id.ok()) return error(id.error());
    return json_response(200, {{"list", list_json(*portal().list(id.value()))}});
  }

  Response get_list(RestApi::Context& c) {
    const HsList* l = list_of(c.request);
    if (l == nullptr) return list_not_found(c.request);
    return json_response(200, {{"list", list_json(*l)}});
  }

  Response get_list_by_name(RestApi::Context& c) {
    const HsList* l =
        portal().list_by_name(c.request.params.get("objectTypeId"), c.request.params.get("name"));
    if (l == nullptr)
      return error(404, "OBJECT_NOT_FOUND",
                   "List " + std::string(c.request.params.get("name")) + " does not exist.");
    return json_response(200, {{"list", list_json(*l)}});
  }

  Response search_lists(RestApi::Context& c) {
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    auto query = string_field(*body, "query");
    if (!query.ok()) return query.error();
    auto offset = int_field(*body, "offset", 0, 0, kListSearchOffsetMax);
    if (!offset.ok()) return offset.error();
    auto count = int_field(*body, "count", 20, 1, kListSearchCountMax);
    if (!count.ok()) return count.error();
    std::vector<const HsList*> found;
    for (const auto& [id, l] : portal().lists()) {
      if (query->empty() || l.name.find(*query) != std::string::npos) found.push_back(&l);
    }
    const size_t first = std::min(found.size(), static_cast<size_t>(*offset));
    const size_t end = std::min(found.size(), first + static_cast<size_t>(*count));
    json lists = json::array();
    for (size_t i = first; i < end; ++i) lists.push_back(list_json(*found[i]));
    return json_response(200, {{"lists", lists},
                               {"hasMore", end < found.size()},
                               {"offset", end},
                               {"total", found.size()}});
  }

  Response delete_list(RestApi::Context& c) {
    uint64_t id = 0;
    if (!parse_id(c.request.params.get("listId"), id) || !portal().delete_list(id).ok())
      return list_not_found(c.request);
    return Response::empty(204);
  }

  Response change_members(RestApi::Context& c, bool add) {
    uint64_t id = 0;
    if (!parse_id(c.request.params.get("listId"), id)) return list_not_found(c.request);
    json body = env::parse_json_or_discarded(c.request.body);
    if (body.is_discarded() || !body.is_array())
      return error(400, "VALIDATION_ERROR", "the body must be a list of record ids");
    std::vector<uint64_t> ids;
    std::vector<std::string> unreadable;
    for (const json& v : body) {
      uint64_t n = 0;
      const std::string t = v.is_string() ? v.get<std::string>() : v.dump();
      if (parse_id(t, n))
        ids.push_back(n);
      else
        unreadable.push_back(t);
    }
    auto change = add ? portal().add_to_list(id, ids) : portal().remove_from_list(id, ids);
    if (!change.ok()) return error(change.error());
    auto strings = [](const std::vector<uint64_t>& v) {
      json out = json::array();
      for (uint64_t n : v) out.push_back(std::to_string(n));
      return out;
    };
    json missing = strings(change->missing);
    for (const auto& u : unreadable) missing.push_back(u);
    c.records = static_cast<int64_t>(change->added.size() + change->removed.size());
    // HubSpot spells the added key "recordsIdsAdded".
    return json_response(200, {{"recordIdsRemoved", strings(change->removed)},
                               {"recordsIdsAdded", strings(change->added)},
                               {"recordIdsMissing", missing}});
  }

  Response members(RestApi::Context& c) {
    const HsList* l = list_of(c.request);
    if (l == nullptr) return list_not_found(c.request);
    constexpr int64_t kMembershipPageMax = 250;
    int64_t limit = 0;
    uint64_t after = 0;
    if (auto bad = paging(c.request, 100, kMembershipPageMax, limit, after)) return *bad;
    json results = json::array();
    auto it = l->members.upper_bound(after);
    for (; it != l->members.end() && static_cast<int64_t>(results.size()) < limit; ++it) {
      results.push_back(
          {{"recordId", std::to_string(it->first)}, {"membershipTimestamp", iso(it->second)}});
    }
    c.records = static_cast<int64_t>(results.size());
    json out = {{"results", results}};
    if (it != l->members.end() && !results.empty()) {
      out["paging"] = {{"next", {{"after", results.back()["recordId"]}}}};
    }
    return json_response(200, out);
  }

  // The lists each of up to kBatchInputsMax records is a member of:
  // {"inputs": [{"objectTypeId": "0-1", "recordId": "101"}]}. A record
  // that does not exist is in no list.
  Response record_memberships(RestApi::Context& c) {
    const env::Timestamp started = portal().clock().now();
    auto body = batch_inputs(c);
    if (!body.ok()) return body.error();
    json results = json::array();
    for (const json& in : (*body)["inputs"]) {
      const ObjectTypeDef* type =
          in.is_object() && in.contains("objectTypeId") && in["objectTypeId"].is_string()
              ? portal().types().find(in["objectTypeId"].get<std::string>())
              : nullptr;
      if (type == nullptr)
        return error(400, "VALIDATION_ERROR", "each input needs a known objectTypeId");
      uint64_t id = 0;
      const json& rid = in.value("recordId", json());
      if (!parse_id(rid.is_string() ? rid.get<std::string>() : rid.dump(), id))
        return error(400, "VALIDATION_ERROR", "each input needs a numeric recordId");
      json memberships = json::array();
      for (const auto& [list_id, l] : portal().lists()) {
        if (l.object_type != type->name) continue;
        auto member = l.members.find(id);
        if (member == l.members.end()) continue;
        memberships.push_back({{"listId", list_id},
                               {"listVersion", 1},
                               {"firstAddedTimestamp", iso(member->second)},
                               {"lastAddedTimestamp", iso(member->second)}});
      }
      results.push_back({{"objectTypeId", type->type_id},
                         {"recordId", std::to_string(id)},
                         {"recordListMemberships", memberships}});
    }
    c.records = static_cast<int64_t>(results.size());
    return json_response(200, batch_envelope(results, json::array(), started));
  }
};

RestApi::RestApi(Portal& portal, std::unique_ptr<env::SecretSource> secrets)
    : portal_(portal),
      limiter_(limits_for(portal.settings().tier, portal.settings().api_limit_addons),
               portal.settings().time_zone_offset_minutes),
      secrets_(std::move(secrets)) {
  CRMSIM_ASSERT(secrets_ != nullptr, "a RestApi needs a secret source");
  install_routes();
}

std::string RestApi::issue_token() {
  // A private app's token: "pat-na1-" and a UUID's shape, 128 random bits.
  const std::string r = secrets_->hex(16);
  std::string token = "pat-na1-" + r.substr(0, 8) + "-" + r.substr(8, 4) + "-" + r.substr(12, 4) +
                      "-" + r.substr(16, 4) + "-" + r.substr(20, 12);
  tokens_.insert(token);
  return token;
}

void RestApi::add_call(Method m, const std::string& pattern, bool is_search,
                       std::function<Response(Context&)> handler) {
  router_.add(m, pattern, [this, pattern, is_search, handler = std::move(handler)](const Request& request) {
    const std::string token = env::authorization_credential(request.headers.get("Authorization"));
    const env::Timestamp now = portal_.clock().now();
    auto journal = [&](int status, int64_t records) {
      journal_.append(env::JournalEntry::call(now, token, env::method_name(request.method), pattern,
                                              status, records));
    };
    if (!tokens_.contains(token)) {
      Response r = RouteKit(*this).error(
          401, "INVALID_AUTHENTICATION",
          "Authentication credentials not found. This API supports OAuth 2.0 authentication "
          "and you can find more details at "
          "https://developers.hubspot.com/docs/methods/auth/oauth-overview");
      return r;
    }
    const Verdict verdict = limiter_.admit(token, now, is_search);
    if (verdict != Verdict::kAllowed) {
      const char* message = verdict == Verdict::kDaily ? "You have reached your daily limit."
                            : verdict == Verdict::kSecondly
                                ? "You have reached your secondly limit."
                                : "You have reached your ten secondly limit.";
      json body = {{"status", "error"},
                   {"message", message},
                   {"errorType", "RATE_LIMIT"},
                   {"correlationId", RouteKit(*this).correlation_id()}};
      if (verdict != Verdict::kSecondly) {
        body["policyName"] = verdict == Verdict::kDaily ? "DAILY" : "TEN_SECONDLY_ROLLING";
      }
      journal(429, 0);
      return json_response(429, body);
    }
    Context c{request, token, 0};
    Response response = handler(c);
    if (!is_search) {
      const RateLimits& l = limiter_.limits();
      response.headers.set("X-HubSpot-RateLimit-Daily", std::to_string(l.per_day));
      response.headers.set("X-HubSpot-RateLimit-Daily-Remaining",
                           std::to_string(limiter_.daily_remaining(now)));
      response.headers.set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000");
      response.headers.set("X-HubSpot-RateLimit-Max", std::to_string(l.per_ten_seconds));
      response.headers.set("X-HubSpot-RateLimit-Remaining",
                           std::to_string(limiter_.ten_second_remaining(token, now)));
    }
    journal(response.status, c.records);
    return response;
  });
}

void RestApi::install_routes() {
  auto routes = std::make_shared<HubSpotRoutes>(*this);
  router_.on_error([routes](const Request& r, const env::RouteError& e) {
    if (e.status == 405)
      return routes->error(
          405, "VALIDATION_ERROR",
          "HTTP " + std::string(env::method_name(r.method)) + " is not allowed on this path");
    if (e.cause == env::RouteError::Cause::kTooLarge || e.status == 400)
      return routes->error(e.status, "VALIDATION_ERROR", e.message);
    if (e.cause == env::RouteError::Cause::kNotEmulated)
      return routes->error(501, "NOT_EMULATED", e.message);
    return routes->error(404, "OBJECT_NOT_FOUND", "resource not found");
  });
  add_routes_not_emulated(router_);
  auto call = [this, routes](Method m, const std::string& pattern, bool is_search,
                             const std::function<Response(HubSpotRoutes&, Context&)>& fn) {
    add_call(m, pattern, is_search, [routes, fn](Context& c) { return fn(*routes, c); });
  };
  install_owner_routes();
  install_property_routes();
  install_schema_routes();
  install_account_routes();
  install_association_routes();
  install_pipeline_routes();
  const std::string objects = "/crm/v3/objects/:type";
  call(Method::kGet, objects, false, [](HubSpotRoutes& s, Context& c) { return s.page(c); });
  call(Method::kPost, objects, false, [](HubSpotRoutes& s, Context& c) { return s.create(c); });
  call(Method::kGet, objects + "/:id", false,
       [](HubSpotRoutes& s, Context& c) { return s.read(c); });
  call(Method::kPatch, objects + "/:id", false,
       [](HubSpotRoutes& s, Context& c) { return s.update(c); });
  call(Method::kDelete, objects + "/:id", false,
       [](HubSpotRoutes& s, Context& c) { return s.archive(c); });
  call(Method::kPost, objects + "/merge", false,
       [](HubSpotRoutes& s, Context& c) { return s.merge(c); });
  call(Method::kPost, objects + "/gdpr-delete", false,
       [](HubSpotRoutes& s, Context& c) { return s.gdpr_delete(c); });
  call(Method::kPost, objects + "/search", true,
       [](HubSpotRoutes& s, Context& c) { return s.search_objects(c); });
  call(Method::kPost, objects + "/batch/create", false,
       [](HubSpotRoutes& s, Context& c) { return s.batch_create(c); });
  call(Method::kPost, objects + "/batch/read", false,
       [](HubSpotRoutes& s, Context& c) { return s.batch_read(c); });
  call(Method::kPost, objects + "/batch/update", false,
       [](HubSpotRoutes& s, Context& c) { return s.batch_update(c, false); });
  call(Method::kPost, objects + "/batch/upsert", false,
       [](HubSpotRoutes& s, Context& c) { return s.batch_update(c, true); });
  call(Method::kPost, objects + "/batch/archive", false,
       [](HubSpotRoutes& s, Context& c) { return s.batch_archive(c); });
  call(Method::kPost, "/crm/v3/lists", false,
       [](HubSpotRoutes& s, Context& c) { return s.create_list(c); });
  call(Method::kPost, "/crm/v3/lists/search", false,
       [](HubSpotRoutes& s, Context& c) { return s.search_lists(c); });
  call(Method::kGet, "/crm/v3/lists/:listId", false,
       [](HubSpotRoutes& s, Context& c) { return s.get_list(c); });
  call(Method::kDelete, "/crm/v3/lists/:listId", false,
       [](HubSpotRoutes& s, Context& c) { return s.delete_list(c); });
  call(Method::kGet, "/crm/v3/lists/object-type-id/:objectTypeId/name/:name", false,
       [](HubSpotRoutes& s, Context& c) { return s.get_list_by_name(c); });
  call(Method::kPut, "/crm/v3/lists/:listId/memberships/add", false,
       [](HubSpotRoutes& s, Context& c) { return s.change_members(c, true); });
  call(Method::kPut, "/crm/v3/lists/:listId/memberships/remove", false,
       [](HubSpotRoutes& s, Context& c) { return s.change_members(c, false); });
  call(Method::kGet, "/crm/v3/lists/:listId/memberships", false,
       [](HubSpotRoutes& s, Context& c) { return s.members(c); });
  call(Method::kPost, "/crm/v3/lists/records/memberships/batch/read", false,
       [](HubSpotRoutes& s, Context& c) { return s.record_memberships(c); });
}

}  // namespace crmsim::mocks::hubspot
