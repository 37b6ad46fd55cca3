// Composite resources, as the REST API Developer Guide documents them:
//  - /composite: up to 25 subrequests run in order, later ones naming
//    earlier results with @{referenceId.field[0].Name}; allOrNone rolls
//    every write back when one subrequest fails and answers every other one
//    400 PROCESSING_HALTED; without it, a subrequest whose reference has no
//    value is halted and the rest go on. The top-level answer is always 200.
//  - /composite/batch: up to 25 independent subrequests ("v59.0/..." URLs,
//    "richInput" bodies); haltOnError answers the rest 412
//    BATCH_PROCESSING_HALTED after the first failure.
//  - /composite/tree/{type}: up to 200 records in trees five levels deep of
//    at most five object types, children under their child relationship
//    name, created whole or not at all.
// The whole call counts once against the allocation, as in Salesforce.
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "env/json_body.h"
#include "env/text.h"
#include "mocks/salesforce/rest_kit.h"

namespace crmsim::mocks::salesforce {
namespace {

using env::Method;
using env::Request;
using env::Response;
using nlohmann::json;

constexpr std::string_view kRolledBack =
    "The transaction was rolled back since another operation in the same transaction failed.";

bool is_reference_id(std::string_view id) {
  if (id.empty() || id.size() > 255) return false;
  return std::all_of(id.begin(), id.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
  });
}

Response refuse(const std::string& message) { return errors(400, "JSON_PARSER_ERROR", message); }

// The JSON a subrequest answered (null for an empty body).
json body_json(const Response& r) {
  if (r.body.empty()) return nullptr;
  json j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json(r.body) : j;
}

// A collection's answer (an array of results) with a record refused.
bool any_record_refused(const json& body) {
  if (!body.is_array()) return false;
  return std::any_of(body.begin(), body.end(), [](const json& r) {
    return r.is_object() && r.contains("success") && r["success"] == false;
  });
}

// ---- references: @{ref.field[0].Name}

struct Unresolved {
  std::string expression;  // "ref.id"
  std::string reference;   // "ref"
};

// The value `expression` ("ref.records[0].Id") names among the answered
// subrequests; nullopt when the reference or the path has no value.
std::optional<json> lookup(const std::map<std::string, json>& answered,
                           std::string_view expression) {
  size_t i = 0;
  while (i < expression.size() &&
         (std::isalnum(static_cast<unsigned char>(expression[i])) || expression[i] == '_'))
    ++i;
  auto it = answered.find(std::string(expression.substr(0, i)));
  if (it == answered.end()) return std::nullopt;
  const json* at = &it->second;
  while (i < expression.size()) {
    if (expression[i] == '.') {
      size_t end = ++i;
      while (end < expression.size() && expression[end] != '.' && expression[end] != '[') ++end;
      const std::string key(expression.substr(i, end - i));
      if (!at->is_object() || key.empty()) return std::nullopt;
      auto found = at->find(key);
      // Field names resolve without regard to case, as in SOQL.
      for (auto f = at->begin(); found == at->end() && f != at->end(); ++f)
        if (env::iequals(f.key(), key)) found = f;
      if (found == at->end()) return std::nullopt;
      at = &*found;
      i = end;
    } else if (expression[i] == '[') {
      const size_t close = expression.find(']', i);
      if (close == std::string_view::npos || close == i + 1 || close - i > 10) return std::nullopt;
      size_t index = 0;
      for (size_t k = i + 1; k < close; ++k) {
        if (!std::isdigit(static_cast<unsigned char>(expression[k]))) return std::nullopt;
        index = index * 10 + static_cast<size_t>(expression[k] - '0');
      }
      if (!at->is_array() || index >= at->size()) return std::nullopt;
      at = &(*at)[index];
      i = close + 1;
    } else {
      return std::nullopt;
    }
  }
  return *at;
}

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : dump(v); }

// Replaces every @{...} in `text`; a text that is one reference and nothing
// else takes the referenced value with its JSON type.
env::Result<json, Unresolved> substitute(const std::string& text,
                                         const std::map<std::string, json>& answered) {
  if (text.find("@{") == std::string::npos) return json(text);
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("@{", pos);
    if (open == std::string::npos) {
      out.append(text, pos, std::string::npos);
      break;
    }
    const size_t close = text.find('}', open);
    if (close == std::string::npos) {
      out.append(text, pos, std::string::npos);
      break;
    }
    out.append(text, pos, open - pos);
    const std::string expression = text.substr(open + 2, close - open - 2);
    auto value = lookup(answered, expression);
    if (!value || value->is_null()) {
      const size_t end = expression.find_first_of(".[");
      return env::fail(Unresolved{expression, expression.substr(0, end)});
    }
    if (open == 0 && close + 1 == text.size()) return *value;
    out += text_of(*value);
    pos = close + 1;
  }
  return json(out);
}

env::Result<json, Unresolved> substitute_all(const json& body,
                                             const std::map<std::string, json>& answered) {
  if (body.is_string()) return substitute(body.get<std::string>(), answered);
  if (body.is_array()) {
    json out = json::array();
    for (const json& item : body) {
      auto v = substitute_all(item, answered);
      if (!v.ok()) return v;
      out.push_back(std::move(v).value());
    }
    return out;
  }
  if (body.is_object()) {
    json out = json::object();
    for (auto it = body.begin(); it != body.end(); ++it) {
      auto v = substitute_all(it.value(), answered);
      if (!v.ok()) return v;
      out[it.key()] = std::move(v).value();
    }
    return out;
  }
  return body;
}

json halted(const std::string& message) {
  return json::array({error_entry("PROCESSING_HALTED", message, {}, false)});
}

// One subrequest of /composite, checked before anything runs.
struct Planned {
  Method method = Method::kGet;
  std::string url;
  json body;  // null: none
  std::vector<std::pair<std::string, std::string>> headers;
  std::string reference_id;
  bool collection = false;  // sObject Collections
};

std::optional<Response> plan_composite(const json& body, std::vector<Planned>& out) {
  if (!body.is_object()) return refuse("Expected a JSON object with compositeRequest");
  for (const char* flag : {"allOrNone", "collateSubrequests"}) {
    if (body.contains(flag) && !body[flag].is_boolean())
      return refuse(std::string(flag) + " must be true or false");
  }
  auto requests = body.find("compositeRequest");
  if (requests == body.end() || !requests->is_array() || requests->empty())
    return refuse("compositeRequest must be a non-empty array of subrequests");
  if (requests->size() > kCompositeSubrequestsMax)
    return errors(400, "LIMIT_EXCEEDED",
                  "A composite request can have at most " +
                      std::to_string(kCompositeSubrequestsMax) + " subrequests; it has " +
                      std::to_string(requests->size()));
  std::set<std::string> seen;
  size_t queries = 0;
  for (const json& r : *requests) {
    if (!r.is_object()) return refuse("Each subrequest must be a JSON object");
    Planned p;
    const json* method = r.contains("method") ? &r["method"] : nullptr;
    auto m = method != nullptr && method->is_string()
                 ? env::parse_method(method->get<std::string>())
                 : std::nullopt;
    if (!m || (*m != Method::kGet && *m != Method::kPost && *m != Method::kPatch &&
               *m != Method::kPut && *m != Method::kDelete))
      return refuse("method must be one of GET, POST, PUT, PATCH or DELETE (upper case)");
    p.method = *m;
    if (!r.contains("url") || !r["url"].is_string() ||
        !r["url"].get<std::string>().starts_with("/services/data/v"))
      return refuse("url must be a string starting /services/data/vXX.X/");
    p.url = r["url"].get<std::string>();
    if (!r.contains("referenceId") || !r["referenceId"].is_string() ||
        !is_reference_id(r["referenceId"].get<std::string>()))
      return refuse(
          "referenceId is required and holds only letters, numbers and underscores ('_')");
    p.reference_id = r["referenceId"].get<std::string>();
    if (!seen.insert(p.reference_id).second)
      return refuse("Duplicate referenceId: " + p.reference_id);
    if (r.contains("body")) p.body = r["body"];
    if (r.contains("httpHeaders")) {
      const json& h = r["httpHeaders"];
      if (!h.is_object()) return refuse("httpHeaders must be an object of strings");
      for (auto it = h.begin(); it != h.end(); ++it) {
        std::string name = it.key();
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        if (name == "accept" || name == "authorization" || name == "content-type")
          return refuse("A subrequest cannot set the " + it.key() +
                        " header; it takes the composite request's");
        if (!it.value().is_string()) return refuse("httpHeaders must be an object of strings");
        p.headers.emplace_back(it.key(), it.value().get<std::string>());
      }
    }
    const std::string path = p.url.substr(0, p.url.find('?'));
    p.collection = path.find("/composite/sobjects") != std::string::npos;
    const bool query = path.find("/query") != std::string::npos;
    if ((p.collection || query) && ++queries > kCompositeQueriesMax)
      return errors(400, "LIMIT_EXCEEDED",
                    "A composite request can have at most " +
                        std::to_string(kCompositeQueriesMax) +
                        " query and sObject Collections subrequests");
    out.push_back(std::move(p));
  }
  return std::nullopt;
}

}  // namespace

Response RestApi::subrequest(Context& parent, Request request) {
  if (auto host = parent.request.headers.get("Host")) request.headers.set("Host", std::string(*host));
  subrequest_user_ = parent.user_id;
  subrequest_records_ = 0;
  Response r = subrequests_.handle(std::move(request));
  parent.records += subrequest_records_;
  return r;
}

Response RestApi::composite(Context& c) {
  auto body = parse_body(c.request);
  if (!body.ok()) return body.error();
  std::vector<Planned> plan;
  if (auto refused = plan_composite(body.value(), plan)) return *refused;
  const bool all_or_none = body->value("allOrNone", false);

  std::vector<json> results(plan.size());
  std::map<std::string, json> answered;  // referenceId -> body, for references
  std::optional<Org::ChangeSet> changes;
  if (all_or_none) changes.emplace(org_);
  std::optional<size_t> failed;
  for (size_t i = 0; i < plan.size() && !failed; ++i) {
    const Planned& p = plan[i];
    json& result = results[i];
    result = {{"referenceId", p.reference_id}, {"httpHeaders", json::object()}};
    auto url = substitute(p.url, answered);
    auto sub_body = url.ok() && !p.body.is_null() ? substitute_all(p.body, answered)
                                                   : env::Result<json, Unresolved>(json());
    if (!url.ok() || !sub_body.ok()) {
      const Unresolved& u = !url.ok() ? url.error() : sub_body.error();
      result["httpStatusCode"] = 400;
      result["body"] = halted("Invalid reference specified. No value for " + u.expression +
                              " found in " + u.reference + ". Provided referenceId ('" +
                              u.reference + "') must be a prior subrequest that succeeded.");
      if (all_or_none) failed = i;
      continue;
    }
    json payload = std::move(sub_body).value();
    std::string target = url->is_string() ? url->get<std::string>() : text_of(url.value());
    // allOrNone on the composite makes every collection all-or-none too.
    if (all_or_none && p.collection) {
      if (payload.is_object()) payload["allOrNone"] = true;
      if (p.method == Method::kDelete)
        target += (target.find('?') == std::string::npos ? "?" : "&") + std::string("allOrNone=true");
    }
    auto request = Request::make(p.method, target);
    Response r;
    if (!request.ok()) {
      r = errors(400, "MALFORMED_URL", "The subrequest URL is malformed: " + target);
    } else {
      for (const auto& [name, value] : p.headers) request->headers.set(name, value);
      if (!payload.is_null()) {
        request->body = dump(payload);
        request->headers.set("Content-Type", "application/json");
      }
      r = subrequest(c, std::move(request).value());
    }
    json answer = body_json(r);
    result["httpStatusCode"] = r.status;
    result["body"] = answer;
    if (auto location = r.headers.get("Location"))
      result["httpHeaders"]["Location"] = std::string(*location);
    const bool ok = r.status < 400 && !(all_or_none && any_record_refused(answer));
    if (ok) answered[p.reference_id] = std::move(answer);
    if (!ok && all_or_none) failed = i;
  }
  if (failed) {
    changes->rollback();
    for (size_t i = 0; i < plan.size(); ++i) {
      if (i == *failed) continue;
      json halted_result = {{"body", halted(std::string(kRolledBack))},
                            {"httpHeaders", json::object()},
                            {"httpStatusCode", 400},
                            {"referenceId", plan[i].reference_id}};
      results[i] = std::move(halted_result);
    }
  } else if (changes) {
    changes->commit();
  }
  return json_response(200, {{"compositeResponse", results}});
}

Response RestApi::composite_batch(Context& c) {
  auto body = parse_body(c.request);
  if (!body.ok()) return body.error();
  const json& b = body.value();
  if (!b.is_object() || !b.contains("batchRequests") || !b["batchRequests"].is_array() ||
      b["batchRequests"].empty())
    return refuse("batchRequests must be a non-empty array of subrequests");
  if (b.contains("haltOnError") && !b["haltOnError"].is_boolean())
    return refuse("haltOnError must be true or false");
  const json& requests = b["batchRequests"];
  if (requests.size() > kBatchSubrequestsMax)
    return errors(400, "LIMIT_EXCEEDED",
                  "A batch can have at most " + std::to_string(kBatchSubrequestsMax) +
                      " subrequests; it has " + std::to_string(requests.size()));
  // Checked whole before any runs, as the real API deserializes first.
  std::vector<Request> planned;
  for (const json& r : requests) {
    if (!r.is_object() || !r.contains("method") || !r["method"].is_string() ||
        !r.contains("url") || !r["url"].is_string())
      return refuse("Each batch subrequest needs a method and a url");
    auto m = env::parse_method(r["method"].get<std::string>());
    if (!m) return refuse("Unsupported method: " + r["method"].get<std::string>());
    std::string url = r["url"].get<std::string>();
    if (url.starts_with("v")) url = "/services/data/" + url;
    if (!url.starts_with("/services/data/v"))
      return refuse("url must be vXX.X/... or /services/data/vXX.X/...");
    auto request = Request::make(*m, url);
    if (!request.ok()) return refuse("The subrequest URL is malformed: " + url);
    if (r.contains("richInput")) {
      request->body = dump(r["richInput"]);
      request->headers.set("Content-Type", "application/json");
    }
    planned.push_back(std::move(request).value());
  }
  const bool halt = b.value("haltOnError", false);
  json results = json::array();
  bool has_errors = false;
  for (Request& request : planned) {
    if (halt && has_errors) {
      results.push_back(
          {{"statusCode", 412},
           {"result", json::array({error_entry("BATCH_PROCESSING_HALTED",
                                               "Batch processing halted per request", {},
                                               false)})}});
      continue;
    }
    Response r = subrequest(c, std::move(request));
    has_errors = has_errors || r.status >= 400;
    results.push_back({{"statusCode", r.status}, {"result", body_json(r)}});
  }
  return json_response(200, {{"hasErrors", has_errors}, {"results", results}});
}

namespace {

struct TreeNode {
  const ObjectDef* object = nullptr;
  std::string reference_id;
  FieldInputs fields;
  const FieldDef* parent_field = nullptr;  // the reference to its parent, if a child
  size_t parent = SIZE_MAX;                // index of the parent node
};

struct TreeError {
  std::string reference_id;
  std::string code;
  std::string message;
  std::vector<std::string> fields;
};

// Flattens the trees depth-first, checking every documented limit.
std::optional<Response> flatten_tree(const Org& org, std::string_view user_id,
                                     const ObjectDef& root_type, const json& records,
                                     size_t level, size_t parent, const FieldDef* parent_field,
                                     std::vector<TreeNode>& out, std::set<std::string>& refs,
                                     std::set<std::string>& types) {
  if (!records.is_array()) return refuse("records must be an array");
  if (level > kTreeLevelsMax)
    return errors(400, "INVALID_INPUT",
                  "sObject trees nest at most " + std::to_string(kTreeLevelsMax) + " levels");
  for (const json& r : records) {
    if (!r.is_object() || !r.contains("attributes") || !r["attributes"].is_object())
      return refuse("Each record needs an attributes object with type and referenceId");
    const json& a = r["attributes"];
    if (!a.contains("type") || !a["type"].is_string() || !a.contains("referenceId") ||
        !a["referenceId"].is_string() || !is_reference_id(a["referenceId"].get<std::string>()))
      return refuse("Each record needs attributes.type and an attributes.referenceId of letters, "
                    "numbers and underscores");
    const ObjectDef* object = org.schema().object(a["type"].get<std::string>());
    if (object == nullptr || !org.permissions(user_id, *object).read)
      return errors(400, "INVALID_TYPE",
                    "sObject type '" + a["type"].get<std::string>() + "' is not supported.");
    if (level == 1 && object != &root_type)
      return errors(400, "INVALID_INPUT", "Every top-level record must be a " + root_type.name);
    TreeNode node;
    node.object = object;
    node.reference_id = a["referenceId"].get<std::string>();
    if (!refs.insert(node.reference_id).second)
      return errors(400, "INVALID_INPUT", "Duplicate referenceId: " + node.reference_id);
    types.insert(object->name);
    if (types.size() > kTreeObjectTypesMax)
      return errors(400, "INVALID_INPUT", "An sObject tree holds at most " +
                                              std::to_string(kTreeObjectTypesMax) +
                                              " types of objects");
    node.parent = parent;
    node.parent_field = parent_field;
    json own = json::object();
    std::vector<std::pair<ChildRelationship, const json*>> children;
    for (auto it = r.begin(); it != r.end(); ++it) {
      if (it.key() == "attributes") continue;
      if (it.value().is_object()) {
        auto rel = org.schema().child_relationship(*object, it.key());
        if (!rel || !it.value().contains("records"))
          return errors(400, "INVALID_FIELD",
                        "No such child relationship '" + it.key() + "' on " + object->name);
        children.emplace_back(*rel, &it.value()["records"]);
        continue;
      }
      own[it.key()] = it.value();
    }
    auto inputs = inputs_from(own);
    if (!inputs.ok()) return inputs.error();
    node.fields = std::move(inputs).value();
    out.push_back(std::move(node));
    if (out.size() > kTreeRecordsMax)
      return errors(400, "INVALID_INPUT", "An sObject tree request holds at most " +
                                              std::to_string(kTreeRecordsMax) + " records");
    const size_t self = out.size() - 1;
    for (const auto& [rel, list] : children) {
      if (auto e = flatten_tree(org, user_id, root_type, *list, level + 1, self, rel.field, out,
                                refs, types))
        return e;
    }
  }
  return std::nullopt;
}

}  // namespace

Response RestApi::composite_tree(Context& c) {
  const ObjectDef* root = org_.schema().object(c.request.params.get("type"));
  if (root == nullptr || !org_.permissions(c.user_id, *root).read) return not_found();
  auto body = parse_body(c.request);
  if (!body.ok()) return body.error();
  if (!body->is_object() || !body->contains("records"))
    return refuse("Expected a JSON object with records");
  std::vector<TreeNode> nodes;
  std::set<std::string> refs;
  std::set<std::string> types;
  if (auto refused = flatten_tree(org_, c.user_id, *root, (*body)["records"], 1, SIZE_MAX, nullptr,
                                  nodes, refs, types))
    return *refused;
  // Whole or not at all: the first refusal takes back every record saved.
  Org::ChangeSet changes(org_);
  std::vector<std::string> ids(nodes.size());
  std::vector<TreeError> refused;
  for (size_t i = 0; i < nodes.size(); ++i) {
    TreeNode& n = nodes[i];
    if (n.parent != SIZE_MAX) {
      if (ids[n.parent].empty()) continue;  // its parent was refused
      n.fields.emplace_back(n.parent_field->name, Value(ids[n.parent]));
    }
    auto id = org_.create(c.user_id, n.object->name, n.fields);
    if (!id.ok()) {
      refused.push_back(
          {n.reference_id, id.error().error_code, id.error().message, id.error().fields});
      continue;
    }
    ids[i] = id.value();
  }
  json results = json::array();
  if (!refused.empty()) {
    changes.rollback();
    for (const TreeError& e : refused) {
      json entry = {{"referenceId", e.reference_id},
                    {"errors", json::array({error_entry(e.code, e.message, e.fields, true)})}};
      results.push_back(std::move(entry));
    }
    return json_response(400, {{"hasErrors", true}, {"results", results}});
  }
  changes.commit();
  c.records = static_cast<int64_t>(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i)
    results.push_back({{"referenceId", nodes[i].reference_id}, {"id", ids[i]}});
  return json_response(201, {{"hasErrors", false}, {"results", results}});
}

void RestApi::install_composite_routes() {
  auto post = [this](const std::string& route, Response (RestApi::*handler)(Context&)) {
    router_.add(Method::kPost, "/services/data/:version" + route,
                [this, route, handler](const Request& q) {
                  return data_call(q, route, [&](Context& c) { return (this->*handler)(c); });
                });
  };
  // GET /composite lists the composite resources served.
  router_.add(Method::kGet, "/services/data/:version/composite", [this](const Request& q) {
    return data_call(q, "/composite", [&](Context& c) {
      const std::string base = "/services/data/v" + c.version + "/composite";
      return json_response(200, {{"batch", base + "/batch"},
                                 {"sobjects", base + "/sobjects"},
                                 {"tree", base + "/tree"}});
    });
  });
  post("/composite", &RestApi::composite);
  post("/composite/batch", &RestApi::composite_batch);
  post("/composite/tree/:type", &RestApi::composite_tree);
}

}  // namespace crmsim::mocks::salesforce
