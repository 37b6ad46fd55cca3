// Bulk API 2.0 over REST: /jobs/ingest (create, upload CSV, close or
// abort, poll, successfulResults / failedResults / unprocessedrecords,
// delete, list) and /jobs/query (create, poll, results paged with
// Sforce-Locator, abort, delete, list). The jobs themselves live in
// BulkJobs (bulk.h); every request here is one counted data call, as
// Salesforce counts Bulk API 2.0 requests.
#include <algorithm>
#include <charconv>

#include "env/time.h"
#include "mocks/salesforce/bulk.h"
#include "mocks/salesforce/rest_kit.h"

namespace crmsim::mocks::salesforce {
namespace {

using env::Method;
using env::Request;
using env::Response;
using nlohmann::json;

constexpr int kIngestVersionMin = 41;
constexpr int kQueryVersionMin = 47;

Response from(const BulkError& e) { return errors(e.status, e.error_code, e.message); }

Response csv_response(std::string body) {
  return Response::with_body(200, "text/csv", std::move(body));
}

double version_number(const std::string& version) { return std::stod(version); }

json job_json(const BulkJob& job, bool detail) {
  json j = {{"id", job.id},
            {"operation", bulk_operation_name(job.operation)},
            {"object", job.object},
            {"createdById", job.created_by},
            {"createdDate", env::format_salesforce_datetime(job.created)},
            {"systemModstamp", env::format_salesforce_datetime(job.modstamp)},
            {"state", bulk_state_name(job.state)}};
  if (!job.query && job.operation == BulkOperation::kUpsert) {
    j["externalIdFieldName"] = job.external_id_field;
  }
  j["concurrencyMode"] = "Parallel";
  j["contentType"] = "CSV";
  j["apiVersion"] = version_number(job.api_version);
  if (!job.query && job.state == BulkJobState::kOpen) {
    j["contentUrl"] = "services/data/v" + job.api_version + "/jobs/ingest/" + job.id + "/batches";
  }
  j["lineEnding"] = job.format.crlf ? "CRLF" : "LF";
  j["columnDelimiter"] = job.format.column_delimiter;
  if (!detail) return j;
  // Set at pickup; a job that never ran took no time.
  const bool ran = job.done_at > job.picked_up_at;
  const int64_t processing_ms = ran ? (job.done_at - job.picked_up_at).ms() : 0;
  j["jobType"] = job.query ? "V2Query" : "V2Ingest";
  j["numberRecordsProcessed"] = job.records_processed;
  if (!job.query) j["numberRecordsFailed"] = job.records_failed;
  j["retries"] = 0;
  j["totalProcessingTime"] = processing_ms;
  if (!job.query) {
    j["apiActiveProcessingTime"] = processing_ms;
    j["apexProcessingTime"] = 0;
  } else {
    j["isPkChunkingSupported"] = true;
  }
  if (!job.error_message.empty() && job.state == BulkJobState::kFailed) {
    j["errorMessage"] = job.error_message;
  }
  return j;
}

}  // namespace

void RestApi::install_bulk_routes() {
  // A counted data route of the Bulk API 2.0 family `kind` ("ingest" or
  // "query"), from the version that introduced it.
  auto route = [this](Method m, const std::string& kind, const std::string& tail,
                      std::function<Response(Context&)> fn) {
    const std::string pattern = "/services/data/:version/jobs/" + kind + tail;
    const int min = kind == "query" ? kQueryVersionMin : kIngestVersionMin;
    router_.add(m, pattern, [this, kind, tail, min, fn](const Request& q) {
      return data_call(q, "/jobs/" + kind + tail, [&](Context& c) {
        if (std::stod(c.version) < min) return not_found();
        return fn(c);
      });
    });
  };
  // The job of the path's :id that the caller may see; nullptr answers 404.
  auto job_of = [this](Context& c, bool query) {
    return bulk_.find(c.user_id, c.request.params.get("id"), query);
  };
  // A job request's body, an object, and the CSV format it names.
  struct JobRequest {
    json body;
    BulkFormat format;
  };
  auto job_request = [](const Request& r) -> env::Result<JobRequest, Response> {
    auto body = parse_body(r);
    if (!body.ok()) return env::fail(body.error());
    if (!body->is_object()) {
      return env::fail(errors(400, "INVALIDJOB", "InvalidJob : the body must be an object"));
    }
    auto text = [&](const char* key) -> std::optional<std::string> {
      const json& b = body.value();
      if (!b.contains(key) || b[key].is_null()) return std::string();
      if (!b[key].is_string()) return std::nullopt;
      return b[key].get<std::string>();
    };
    auto delimiter = text("columnDelimiter");
    auto ending = text("lineEnding");
    auto content = text("contentType");
    std::optional<BulkFormat> format;
    if (delimiter && ending && content && (content->empty() || *content == "CSV")) {
      format = bulk_format(*delimiter, *ending);
    }
    if (!format) {
      return env::fail(errors(400, "INVALIDJOB",
                              "InvalidJob : contentType must be CSV, columnDelimiter one of COMMA, "
                              "TAB, PIPE, SEMICOLON, CARET, BACKQUOTE, and lineEnding LF or CRLF"));
    }
    return JobRequest{std::move(body).value(), *format};
  };
  auto text_field = [](const json& body, const char* key) {
    return body.contains(key) && body[key].is_string() ? body[key].get<std::string>()
                                                       : std::string();
  };
  auto list = [this](Context& c, bool query) {
    const std::string kind = query ? "query" : "ingest";
    std::vector<const BulkJob*> jobs = bulk_.list(c.user_id, query);
    size_t start = 0;
    if (auto locator = c.request.query.get("queryLocator")) {
      auto it = std::find_if(jobs.begin(), jobs.end(),
                             [&](const BulkJob* j) { return j->id == *locator; });
      if (it == jobs.end()) return errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
      start = static_cast<size_t>(it - jobs.begin()) + 1;
    }
    json records = json::array();
    size_t i = start;
    for (; i < jobs.size() && records.size() < kBulkJobListPageMax; ++i) {
      records.push_back(job_json(*jobs[i], false));
    }
    const bool done = i >= jobs.size();
    return json_response(
        200, {{"done", done},
              {"records", records},
              {"nextRecordsUrl", done ? json(nullptr)
                                      : json("/services/data/v" + c.version + "/jobs/" + kind +
                                             "?queryLocator=" + jobs[i - 1]->id)}});
  };
  auto state_change = [this, job_of](Context& c, bool query) {
    const BulkJob* job = job_of(c, query);
    if (job == nullptr) return not_found();
    auto body = parse_body(c.request);
    if (!body.ok()) return body.error();
    if (!body->is_object() || !body->contains("state") || !(*body)["state"].is_string()) {
      return errors(400, "INVALIDJOB", "InvalidJob : the body must set \"state\"");
    }
    auto changed = bulk_.set_state(job->id, (*body)["state"].get<std::string>());
    if (!changed.ok()) return from(changed.error());
    return json_response(200, job_json(*changed.value(), false));
  };
  auto remove = [this, job_of](Context& c, bool query) {
    const BulkJob* job = job_of(c, query);
    if (job == nullptr) return not_found();
    auto removed = bulk_.remove(job->id);
    if (!removed.ok()) return from(removed.error());
    return Response::empty(204);
  };

  // ---- ingest
  route(Method::kPost, "ingest", "", [this, job_request, text_field](Context& c) {
    auto request = job_request(c.request);
    if (!request.ok()) return request.error();
    const json& body = request->body;
    auto job = bulk_.create_ingest(c.user_id, text_field(body, "object"),
                                   text_field(body, "operation"),
                                   text_field(body, "externalIdFieldName"), request->format,
                                   c.version);
    if (!job.ok()) return from(job.error());
    return json_response(200, job_json(*job.value(), false));
  });
  route(Method::kGet, "ingest", "", [list](Context& c) { return list(c, false); });
  route(Method::kGet, "ingest", "/:id", [job_of](Context& c) {
    const BulkJob* job = job_of(c, false);
    return job == nullptr ? not_found() : json_response(200, job_json(*job, true));
  });
  route(Method::kPatch, "ingest", "/:id",
        [state_change](Context& c) { return state_change(c, false); });
  route(Method::kDelete, "ingest", "/:id", [remove](Context& c) { return remove(c, false); });
  route(Method::kPut, "ingest", "/:id/batches", [this, job_of](Context& c) {
    const BulkJob* job = job_of(c, false);
    if (job == nullptr) return not_found();
    auto uploaded = bulk_.upload(job->id, c.request.body);
    if (!uploaded.ok()) return from(uploaded.error());
    return Response::empty(201);
  });
  // The three result files, once the job has finished.
  struct Results {
    const char* tail;
    const char* status_column;  // after sf__Id; null: the upload as it was
    std::string BulkJob::*lines;
  };
  static const Results kResults[] = {
      {"/:id/successfulResults", "sf__Created", &BulkJob::successful},
      {"/:id/failedResults", "sf__Error", &BulkJob::failed},
      {"/:id/unprocessedrecords", nullptr, &BulkJob::unprocessed},
  };
  for (const Results& r : kResults) {
    route(Method::kGet, "ingest", r.tail, [job_of, r](Context& c) {
      const BulkJob* job = job_of(c, false);
      if (job == nullptr) return not_found();
      const bool done = job->state == BulkJobState::kJobComplete ||
                        job->state == BulkJobState::kFailed ||
                        job->state == BulkJobState::kAborted;
      if (!done) {
        return errors(409, "INVALIDJOBSTATE",
                      "Job is " + std::string(bulk_state_name(job->state)) +
                          ": results are available once it has finished");
      }
      if (r.status_column == nullptr) return csv_response(job->*r.lines);  // as uploaded
      const char d = job->format.delimiter;
      std::string out = "\"sf__Id\"" + std::string(1, d) + "\"" + r.status_column + "\"";
      for (const std::string& column : job->header) out += d + env::csv_field(column, d);
      out += job->format.crlf ? "\r\n" : "\n";
      out += job->*r.lines;
      return csv_response(std::move(out));
    });
  }

  // ---- query
  route(Method::kPost, "query", "", [this, job_request, text_field](Context& c) {
    auto request = job_request(c.request);
    if (!request.ok()) return request.error();
    const json& body = request->body;
    std::string operation = text_field(body, "operation");
    if (operation.empty()) operation = "query";
    auto job = bulk_.create_query(c.user_id, operation, text_field(body, "query"),
                                  request->format, c.version);
    if (!job.ok()) return from(job.error());
    return json_response(200, job_json(*job.value(), false));
  });
  route(Method::kGet, "query", "", [list](Context& c) { return list(c, true); });
  route(Method::kGet, "query", "/:id", [job_of](Context& c) {
    const BulkJob* job = job_of(c, true);
    return job == nullptr ? not_found() : json_response(200, job_json(*job, true));
  });
  route(Method::kPatch, "query", "/:id",
        [state_change](Context& c) { return state_change(c, true); });
  route(Method::kDelete, "query", "/:id", [remove](Context& c) { return remove(c, true); });
  route(Method::kGet, "query", "/:id/results", [job_of](Context& c) {
    const BulkJob* job = job_of(c, true);
    if (job == nullptr) return not_found();
    if (job->state != BulkJobState::kJobComplete) {
      return errors(409, "INVALIDJOBSTATE",
                    "Job is " + std::string(bulk_state_name(job->state)) +
                        ": results are available once it is JobComplete");
    }
    int64_t page = kBulkQueryPageRecordsMax;
    if (auto max = c.request.query.get("maxRecords")) {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(max->data(), max->data() + max->size(), n);
      if (ec != std::errc() || end != max->data() + max->size() || n <= 0) {
        return errors(400, "INVALIDMAXRECORDS", "maxRecords must be a positive integer");
      }
      page = std::min(n, kBulkQueryPageRecordsMax);
    }
    size_t start = 0;
    const auto& lines = job->result_lines;
    if (auto locator = c.request.query.get("locator"); locator && !locator->empty()) {
      uint64_t at = 0;
      auto [end, ec] = std::from_chars(locator->data(), locator->data() + locator->size(), at);
      if (ec != std::errc() || end != locator->data() + locator->size() || at > lines.size()) {
        return errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
      }
      start = at;
    }
    const size_t stop = std::min(lines.size(), start + static_cast<size_t>(page));
    std::string out = job->result_header;
    for (size_t i = start; i < stop; ++i) out += lines[i];
    Response r = csv_response(std::move(out));
    r.headers.set("Sforce-NumberOfRecords", std::to_string(stop - start));
    r.headers.set("Sforce-Locator", stop < lines.size() ? std::to_string(stop) : "null");
    c.records = static_cast<int64_t>(stop - start);
    return r;
  });
}

}  // namespace crmsim::mocks::salesforce
