// Pipelines and their stages for deals and tickets (/crm/v3/pipelines):
// list, read, create, replace, update and delete, as documented. Deal
// stages need a probability between 0.0 and 1.0 (a stage at either end is
// closed); ticket stages take a ticketState of OPEN or CLOSED. Stage labels
// are unique within a pipeline, pipeline labels within an object type; a
// pipeline keeps at least one stage and an object type one pipeline.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "mocks/hubspot/rest_kit.h"

namespace crmsim::mocks::hubspot {
namespace {

using env::Method;
using env::Request;
using env::Response;
using nlohmann::json;

// Stages per pipeline, as HubSpot documents.
constexpr size_t kPipelineStagesMax = 100;
// Characters in a pipeline's or a stage's label (crmsim's bound).
constexpr size_t kPipelineLabelLengthMax = 255;
// Pipelines per object type, by subscription tier.
size_t pipelines_max(Tier tier) {
  switch (tier) {
    case Tier::kStarter:
      return 2;
    case Tier::kProfessional:
      return 15;
    case Tier::kEnterprise:
      return 100;
  }
  return 2;
}

// 0.2 -> "0.2", 1 -> "1.0": the shortest form, always with a decimal point.
std::string probability_text(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", p);
  std::string s = buf;
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

template <typename T>
void sort_for_display(std::vector<T>& items) {
  std::stable_sort(items.begin(), items.end(), [](const T& a, const T& b) {
    if (a.display_order != b.display_order) return a.display_order < b.display_order;
    return a.label < b.label;
  });
}

struct PipelineRoutes : RouteKit {
  using RouteKit::RouteKit;

  bool is_deals(const ObjectTypeDef& type) const { return type.name == "deals"; }

  json stage_json(const ObjectTypeDef& type, const PipelineStage& st) {
    json metadata = {{"isClosed", st.is_closed ? "true" : "false"}};
    if (is_deals(type))
      metadata["probability"] = probability_text(st.probability);
    else
      metadata["ticketState"] = st.is_closed ? "CLOSED" : "OPEN";
    return {{"id", st.id},
            {"label", st.label},
            {"displayOrder", st.display_order},
            {"metadata", metadata},
            {"createdAt", iso(st.created_at)},
            {"updatedAt", iso(st.updated_at)},
            {"archived", false},
            {"writePermissions", "CRM_PERMISSIONS_ENFORCEMENT"}};
  }

  json pipeline_json(const ObjectTypeDef& type, const Pipeline& p) {
    std::vector<PipelineStage> stages = p.stages;
    sort_for_display(stages);
    json out = json::array();
    for (const PipelineStage& st : stages) out.push_back(stage_json(type, st));
    return {{"id", p.id},
            {"label", p.label},
            {"displayOrder", p.display_order},
            {"stages", out},
            {"createdAt", iso(p.created_at)},
            {"updatedAt", iso(p.updated_at)},
            {"archived", false}};
  }

  Response bad(const std::string& message) { return error(400, "VALIDATION_ERROR", message); }

  // The object type of the path for a write: only deals and tickets have
  // pipelines here.
  env::Result<const ObjectTypeDef*, Response> writable_type(const Request& r) {
    const ObjectTypeDef* type = type_of(r);
    if (type == nullptr) return env::fail(unknown_type(r));
    if (type->name != "deals" && type->name != "tickets") {
      return env::fail(bad("Pipelines are not supported for object type " + type->name +
                           "; crmsim keeps pipelines for deals and tickets"));
    }
    return type;
  }

  Response pipeline_not_found(const Request& r) {
    return error(404, "OBJECT_NOT_FOUND",
                 "Unable to find pipeline " + std::string(r.params.get("pipelineId")));
  }
  Response stage_not_found(const Request& r) {
    return error(404, "OBJECT_NOT_FOUND",
                 "Unable to find stage " + std::string(r.params.get("stageId")) + " in pipeline " +
                     std::string(r.params.get("pipelineId")));
  }

  static Pipeline* find_pipeline(std::vector<Pipeline>& all, std::string_view id) {
    for (Pipeline& p : all) {
      if (p.id == id) return &p;
    }
    return nullptr;
  }
  static PipelineStage* find_stage(Pipeline& p, std::string_view id) {
    for (PipelineStage& st : p.stages) {
      if (st.id == id) return &st;
    }
    return nullptr;
  }

  env::Result<std::string, Response> label_field(const json& body, bool required) {
    auto label = string_field(body, "label");
    if (!label.ok()) return label;
    if (required && label->empty()) return env::fail(bad("label is required"));
    if (label->size() > kPipelineLabelLengthMax) {
      return env::fail(
          bad("label is longer than " + std::to_string(kPipelineLabelLengthMax) + " characters"));
    }
    return label;
  }

  // Applies a stage input's metadata to `st`; `required`: a deal stage must
  // carry a probability.
  std::optional<Response> apply_metadata(const ObjectTypeDef& type, const json& body,
                                         PipelineStage& st, bool required) {
    auto it = body.find("metadata");
    const bool present = it != body.end() && !it->is_null();
    if (present && !it->is_object())
      return bad("metadata must be an object of string values, got " + it->dump());
    if (is_deals(type)) {
      const json* p = present && it->contains("probability") ? &(*it)["probability"] : nullptr;
      if (p == nullptr) {
        if (required)
          return bad("Deal stages require metadata.probability, between 0.0 and 1.0");
        return std::nullopt;
      }
      double value = -1;
      if (p->is_number()) {
        value = p->get<double>();
      } else if (p->is_string()) {
        const std::string text = p->get<std::string>();
        char* end = nullptr;
        value = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size()) value = -1;
      }
      if (!std::isfinite(value) || value < 0.0 || value > 1.0)
        return bad("metadata.probability must be a number between 0.0 and 1.0, got " + p->dump());
      st.probability = value;
      st.is_closed = value == 0.0 || value == 1.0;
      return std::nullopt;
    }
    if (present && it->contains("ticketState")) {
      const json& state = (*it)["ticketState"];
      if (state != "OPEN" && state != "CLOSED")
        return bad("metadata.ticketState must be OPEN or CLOSED, got " + state.dump());
      st.is_closed = state == "CLOSED";
    }
    return std::nullopt;
  }

  // A stage from its full input (create, or a pipeline's create/replace).
  env::Result<PipelineStage, Response> stage_from(const ObjectTypeDef& type, const json& input) {
    if (!input.is_object()) return env::fail(bad("each stage must be an object"));
    PipelineStage st;
    auto label = label_field(input, true);
    if (!label.ok()) return env::fail(label.error());
    st.label = label.value();
    auto order = int_field(input, "displayOrder", 0, 0, 1'000'000);
    if (!order.ok()) return env::fail(order.error());
    st.display_order = static_cast<int>(order.value());
    if (auto e = apply_metadata(type, input, st, true)) return env::fail(*e);
    st.id = portal().next_pipeline_id();
    st.created_at = st.updated_at = portal().clock().now();
    return st;
  }

  std::optional<Response> check_stage_labels(const Pipeline& p) {
    if (p.stages.empty()) return bad("A pipeline needs at least one stage");
    if (p.stages.size() > kPipelineStagesMax)
      return bad("A pipeline may have at most " + std::to_string(kPipelineStagesMax) + " stages");
    std::set<std::string> seen;
    for (const PipelineStage& st : p.stages) {
      if (!seen.insert(lower(st.label)).second)
        return bad("Stage labels must be unique within a pipeline: " + st.label);
    }
    return std::nullopt;
  }

  std::optional<Response> check_pipeline_label(const std::vector<Pipeline>& all,
                                               const Pipeline& p) {
    for (const Pipeline& other : all) {
      if (other.id != p.id && lower(other.label) == lower(p.label)) {
        return error(409, "CONFLICT",
                     "A pipeline with label '" + p.label + "' already exists with id " + other.id);
      }
    }
    return std::nullopt;
  }

  // A pipeline from its full input: label, displayOrder and stages.
  env::Result<Pipeline, Response> pipeline_from(const ObjectTypeDef& type, const json& body) {
    Pipeline p;
    auto label = label_field(body, true);
    if (!label.ok()) return env::fail(label.error());
    p.label = label.value();
    auto order = int_field(body, "displayOrder", 0, 0, 1'000'000);
    if (!order.ok()) return env::fail(order.error());
    p.display_order = static_cast<int>(order.value());
    auto stages = body.find("stages");
    if (stages == body.end() || !stages->is_array())
      return env::fail(bad("stages must be a list of stage inputs"));
    if (stages->size() > kPipelineStagesMax) {
      return env::fail(
          bad("A pipeline may have at most " + std::to_string(kPipelineStagesMax) + " stages"));
    }
    for (const json& s : *stages) {
      auto st = stage_from(type, s);
      if (!st.ok()) return env::fail(st.error());
      p.stages.push_back(std::move(st).value());
    }
    if (auto e = check_stage_labels(p)) return env::fail(*e);
    return p;
  }

  // How many live records of `type` sit in pipeline `id` (or its stage).
  size_t records_in(const ObjectTypeDef& type, const std::string& pipeline,
                    const std::string* stage) {
    const std::string pipeline_prop = is_deals(type) ? "pipeline" : "hs_pipeline";
    const std::string stage_prop = is_deals(type) ? "dealstage" : "hs_pipeline_stage";
    const auto& all = portal().pipelines(type.name);
    const bool is_first = !all.empty() && all.front().id == pipeline;
    size_t n = 0;
    for (const auto& [id, r] : portal().records(type.name)) {
      if (r.archived) continue;
      const auto p = r.get(pipeline_prop);
      const bool in_pipeline = p && !p->empty() ? *p == pipeline : is_first;
      if (!in_pipeline) continue;
      const auto s = r.get(stage_prop);
      if (stage == nullptr || (s && *s == *stage)) ++n;
    }
    return n;
  }

  bool validate_references(const Request& r) {
    return r.query.get("validateReferencesBeforeDelete") == "true";
  }

  // What a handler of one pipeline works on: the path's object type, a
  // copy of its pipelines to edit, and the path's pipeline in that copy.
  struct Target {
    const ObjectTypeDef* type = nullptr;
    std::vector<Pipeline> all;
    Pipeline* pipeline = nullptr;
  };
  // Fills `t` from the path (`write`: deals and tickets only); the refusal
  // when the type or the pipeline is unknown.
  std::optional<Response> open(const Request& r, bool write, Target& t) {
    if (write) {
      auto type = writable_type(r);
      if (!type.ok()) return type.error();
      t.type = type.value();
    } else {
      t.type = type_of(r);
      if (t.type == nullptr) return unknown_type(r);
    }
    t.all = portal().pipelines(t.type->name);
    t.pipeline = find_pipeline(t.all, r.params.get("pipelineId"));
    if (t.pipeline == nullptr) return pipeline_not_found(r);
    return std::nullopt;
  }
  // Stores the edited pipelines (`t` is spent).
  void save(Target& t) {
    t.pipeline = nullptr;
    portal().set_pipelines(t.type->name, std::move(t.all));
  }

  // ---- pipelines
  Response list(RestApi::Context& c) {
    const ObjectTypeDef* type = type_of(c.request);
    if (type == nullptr) return unknown_type(c.request);
    std::vector<Pipeline> all = portal().pipelines(type->name);
    sort_for_display(all);
    json results = json::array();
    for (const Pipeline& p : all) results.push_back(pipeline_json(*type, p));
    return json_response(200, {{"results", results}});
  }

  Response get(RestApi::Context& c) {
    Target t;
    if (auto e = open(c.request, false, t)) return *e;
    return json_response(200, pipeline_json(*t.type, *t.pipeline));
  }

  Response create(RestApi::Context& c) {
    auto type = writable_type(c.request);
    if (!type.ok()) return type.error();
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    std::vector<Pipeline> all = portal().pipelines(type.value()->name);
    if (all.size() >= pipelines_max(portal().settings().tier)) {
      return bad("This portal's subscription allows " +
                 std::to_string(pipelines_max(portal().settings().tier)) + " " +
                 type.value()->name + " pipelines");
    }
    auto p = pipeline_from(*type.value(), body.value());
    if (!p.ok()) return p.error();
    p->id = portal().next_pipeline_id();
    p->created_at = p->updated_at = portal().clock().now();
    if (auto e = check_pipeline_label(all, p.value())) return *e;
    all.push_back(p.value());
    portal().set_pipelines(type.value()->name, std::move(all));
    return json_response(201, pipeline_json(*type.value(), p.value()));
  }

  Response replace(RestApi::Context& c) {
    Target t;
    if (auto e = open(c.request, true, t)) return *e;
    Pipeline* current = t.pipeline;
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    auto p = pipeline_from(*t.type, body.value());
    if (!p.ok()) return p.error();
    p->id = current->id;
    p->created_at = current->created_at;
    p->updated_at = portal().clock().now();
    if (auto e = check_pipeline_label(t.all, p.value())) return *e;
    if (validate_references(c.request)) {
      for (const PipelineStage& old : current->stages) {
        const bool kept = std::any_of(p->stages.begin(), p->stages.end(),
                                      [&](const PipelineStage& s) { return s.id == old.id; });
        if (!kept && records_in(*t.type, current->id, &old.id) > 0)
          return bad("Stage " + old.id + " still has records; move them before replacing it");
      }
    }
    *current = p.value();
    save(t);
    return json_response(200, pipeline_json(*t.type, p.value()));
  }

  Response update(RestApi::Context& c) {
    Target t;
    if (auto e = open(c.request, true, t)) return *e;
    Pipeline* p = t.pipeline;
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    const json& b = body.value();
    if (b.contains("label")) {
      auto label = label_field(b, true);
      if (!label.ok()) return label.error();
      p->label = label.value();
    }
    auto order = int_field(b, "displayOrder", p->display_order, 0, 1'000'000);
    if (!order.ok()) return order.error();
    p->display_order = static_cast<int>(order.value());
    auto archived = bool_field(b, "archived", false);
    if (!archived.ok()) return archived.error();
    if (archived.value()) return bad("Archive a pipeline with DELETE");
    if (auto e = check_pipeline_label(t.all, *p)) return *e;
    p->updated_at = portal().clock().now();
    const Pipeline out = *p;
    save(t);
    return json_response(200, pipeline_json(*t.type, out));
  }

  Response remove(RestApi::Context& c) {
    Target t;
    if (auto e = open(c.request, true, t)) return *e;
    const std::string id = t.pipeline->id;
    if (t.all.size() == 1) return bad("An object type keeps at least one pipeline");
    if (validate_references(c.request)) {
      if (const size_t n = records_in(*t.type, id, nullptr); n > 0)
        return bad("Pipeline " + id + " still has " + std::to_string(n) +
                   " records; move them before deleting it");
    }
    std::erase_if(t.all, [&](const Pipeline& p) { return p.id == id; });
    save(t);
    return Response::empty(204);
  }

  // ---- stages
  Response list_stages(RestApi::Context& c) {
    Target t;
    if (auto e = open(c.request, false, t)) return *e;
    json results = pipeline_json(*t.type, *t.pipeline)["stages"];
    return json_response(200, {{"results", results}});
  }

  Response get_stage(RestApi::Context& c) {
    Target t;
    if (auto e = open(c.request, false, t)) return *e;
    const PipelineStage* st = find_stage(*t.pipeline, c.request.params.get("stageId"));
    if (st == nullptr) return stage_not_found(c.request);
    return json_response(200, stage_json(*t.type, *st));
  }

  Response create_stage(RestApi::Context& c) {
    Target t;
    if (auto e = open(c.request, true, t)) return *e;
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    auto st = stage_from(*t.type, body.value());
    if (!st.ok()) return st.error();
    t.pipeline->stages.push_back(st.value());
    if (auto e = check_stage_labels(*t.pipeline)) return *e;
    t.pipeline->updated_at = portal().clock().now();
    save(t);
    return json_response(201, stage_json(*t.type, st.value()));
  }

  // PUT (`whole`: label, displayOrder and metadata all given) or PATCH.
  Response change_stage(RestApi::Context& c, bool whole) {
    Target t;
    if (auto e = open(c.request, true, t)) return *e;
    Pipeline* p = t.pipeline;
    PipelineStage* st = find_stage(*p, c.request.params.get("stageId"));
    if (st == nullptr) return stage_not_found(c.request);
    auto body = body_of(c.request);
    if (!body.ok()) return body.error();
    const json& b = body.value();
    if (whole || b.contains("label")) {
      auto label = label_field(b, true);
      if (!label.ok()) return label.error();
      st->label = label.value();
    }
    auto order = int_field(b, "displayOrder", whole ? 0 : st->display_order, 0,
                           1'000'000);
    if (!order.ok()) return order.error();
    st->display_order = static_cast<int>(order.value());
    if (auto e = apply_metadata(*t.type, b, *st, whole)) return *e;
    auto archived = bool_field(b, "archived", false);
    if (!archived.ok()) return archived.error();
    if (archived.value()) return bad("Archive a stage with DELETE");
    if (auto e = check_stage_labels(*p)) return *e;
    st->updated_at = p->updated_at = portal().clock().now();
    const PipelineStage out = *st;
    save(t);
    return json_response(200, stage_json(*t.type, out));
  }

  Response remove_stage(RestApi::Context& c) {
    Target t;
    if (auto e = open(c.request, true, t)) return *e;
    Pipeline* p = t.pipeline;
    const std::string id(c.request.params.get("stageId"));
    if (find_stage(*p, id) == nullptr) return stage_not_found(c.request);
    if (p->stages.size() == 1) return bad("A pipeline keeps at least one stage");
    if (validate_references(c.request)) {
      if (const size_t n = records_in(*t.type, p->id, &id); n > 0)
        return bad("Stage " + id + " still has " + std::to_string(n) +
                   " records; move them before deleting it");
    }
    std::erase_if(p->stages, [&](const PipelineStage& s) { return s.id == id; });
    p->updated_at = portal().clock().now();
    save(t);
    return Response::empty(204);
  }
};

}  // namespace

void RestApi::install_pipeline_routes() {
  auto r = std::make_shared<PipelineRoutes>(*this);
  const std::string base = "/crm/v3/pipelines/:type";
  const std::string one = base + "/:pipelineId";
  const std::string stage = one + "/stages/:stageId";
  add_call(Method::kGet, base, false, [r](Context& c) { return r->list(c); });
  add_call(Method::kPost, base, false, [r](Context& c) { return r->create(c); });
  add_call(Method::kGet, one, false, [r](Context& c) { return r->get(c); });
  add_call(Method::kPut, one, false, [r](Context& c) { return r->replace(c); });
  add_call(Method::kPatch, one, false, [r](Context& c) { return r->update(c); });
  add_call(Method::kDelete, one, false, [r](Context& c) { return r->remove(c); });
  add_call(Method::kGet, one + "/stages", false, [r](Context& c) { return r->list_stages(c); });
  add_call(Method::kPost, one + "/stages", false, [r](Context& c) { return r->create_stage(c); });
  add_call(Method::kGet, stage, false, [r](Context& c) { return r->get_stage(c); });
  add_call(Method::kPut, stage, false, [r](Context& c) { return r->change_stage(c, true); });
  add_call(Method::kPatch, stage, false, [r](Context& c) { return r->change_stage(c, false); });
  add_call(Method::kDelete, stage, false, [r](Context& c) { return r->remove_stage(c); });
}

}  // namespace crmsim::mocks::hubspot
