// A Bulk API 2.0 upload as a client sends it: the first line of the input
// picks the job ("insert Lead", "upsert Contact Id", "update Account |
// CRLF"), the rest is the CSV. The job is created, uploaded, closed and run
// on the fake's clock through the REST routes, then all three result files
// are read: no crash, no 5xx, every result file is CSV that reads back, the
// counts add up, and the org's own invariants (asserted inside) hold.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "env/assert.h"
#include "env/csv.h"
#include "env/local_transport.h"
#include "env/time.h"
#include "fuzz/fuzz_target.h"
#include "mocks/salesforce/rest.h"

using namespace crmsim;
using namespace crmsim::mocks::salesforce;
using nlohmann::json;

namespace {

env::Response send(env::LocalTransport& transport, env::Method m, const std::string& target,
                   const std::string& token, std::string body = "",
                   const std::string& type = "application/json") {
  auto request = env::Request::make(m, target).value();
  request.headers.set("Authorization", "Bearer " + token);
  request.headers.set("Content-Type", type);
  request.body = std::move(body);
  auto response = transport.send(request);
  CRMSIM_ASSERT(response.ok(), "a local transport answers");
  CRMSIM_ASSERT(response->status < 500, "a fake answered a Bulk API request with a 5xx");
  return std::move(response).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const size_t eol = in.find('\n');
  if (eol == std::string_view::npos) return 0;
  const std::string spec(in.substr(0, eol));
  const std::string csv(in.substr(eol + 1));
  // "operation object [externalIdField] [delimiter-name] [CRLF]"
  std::vector<std::string> words;
  for (size_t at = 0; at < spec.size();) {
    const size_t space = spec.find(' ', at);
    words.push_back(spec.substr(at, space == std::string::npos ? std::string::npos : space - at));
    if (space == std::string::npos) break;
    at = space + 1;
  }
  if (words.size() < 2) return 0;
  json job = {{"operation", words[0]}, {"object", words[1]}};
  for (size_t i = 2; i < words.size(); ++i) {
    if (words[i] == "CRLF" || words[i] == "LF") {
      job["lineEnding"] = words[i];
    } else if (words[i] == "COMMA" || words[i] == "TAB" || words[i] == "PIPE" ||
               words[i] == "SEMICOLON" || words[i] == "CARET" || words[i] == "BACKQUOTE") {
      job["columnDelimiter"] = words[i];
    } else {
      job["externalIdFieldName"] = words[i];
    }
  }

  env::ManualClock clock(*env::parse_datetime("2024-05-20T12:00:00Z"));
  Org org(clock);
  (void)org.create(org.admin_user_id(), "Account", {{"Name", "Acme"}});
  (void)org.create(org.admin_user_id(), "Lead",
                   {{"LastName", "L"}, {"Company", "C"}, {"Email", "l@x.io"}});
  RestApi api(org, env::seeded_secrets(1));
  const std::string token = api.issue_token(org.admin_user_id());
  env::LocalTransport transport(api.router());
  const std::string base = "/services/data/v59.0/jobs/ingest";

  auto created = send(transport, env::Method::kPost, base, token,
                      job.dump(-1, ' ', false, json::error_handler_t::replace));
  if (created.status != 200) return 0;
  const std::string id = json::parse(created.body).at("id").get<std::string>();
  send(transport, env::Method::kPut, base + "/" + id + "/batches", token, csv, "text/csv");
  send(transport, env::Method::kPatch, base + "/" + id, token, R"({"state":"UploadComplete"})");
  CRMSIM_ASSERT(clock.advance(env::Duration::minutes(10)).ok(), "the clock moves forward");
  const json info = json::parse(send(transport, env::Method::kGet, base + "/" + id, token).body);
  const std::string state = info.at("state").get<std::string>();
  CRMSIM_ASSERT(state == "JobComplete" || state == "Failed", "a closed job finishes on the clock");
  const char delimiter = json::parse(created.body).at("columnDelimiter") == "PIPE" ? '|' : ',';
  int64_t rows = 0;
  for (const char* file : {"/successfulResults", "/failedResults"}) {
    auto r = send(transport, env::Method::kGet, base + "/" + id + file, token);
    CRMSIM_ASSERT(r.status == 200, "a finished job's results are served");
    if (job.value("columnDelimiter", "COMMA") != "COMMA" &&
        job.value("columnDelimiter", "COMMA") != "PIPE") {
      continue;
    }
    auto parsed = env::parse_csv(r.body, delimiter);
    CRMSIM_ASSERT(parsed.ok(), "a result file is CSV");
    if (!parsed->empty()) rows += static_cast<int64_t>(parsed->size()) - 1;
  }
  if (state == "JobComplete" && (job.value("columnDelimiter", "COMMA") == "COMMA" ||
                                 job.value("columnDelimiter", "COMMA") == "PIPE")) {
    CRMSIM_ASSERT(rows == info.at("numberRecordsProcessed").get<int64_t>(),
                  "every processed row is in one result file");
  }
  send(transport, env::Method::kGet, base + "/" + id + "/unprocessedrecords", token);
  return 0;
}
