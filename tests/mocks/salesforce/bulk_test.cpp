// Bulk API 2.0 over REST: ingest and query jobs through their whole life on
// the fake's clock, with sharing and validation per row, the real CSV
// shapes, the allocations, and every refusal.
#include <gtest/gtest.h>

#include "env/csv.h"
#include "rest_fixture.h"

namespace crmsim::mocks::salesforce {
namespace {

using env::Method;
using nlohmann::json;

class BulkTest : public RestTest {
 protected:
  const std::string ingest = v + "/jobs/ingest";
  const std::string query = v + "/jobs/query";

  env::Response put_csv(const std::string& job, const std::string& csv, const std::string& as = "") {
    auto r = env::Request::make(Method::kPut, ingest + "/" + job + "/batches").value();
    r.headers.set("Authorization", "Bearer " + (as.empty() ? token : as));
    r.headers.set("Content-Type", "text/csv");
    r.body = csv;
    return transport.send(r).value();
  }
  std::string open_job(const json& body, const std::string& as = "") {
    auto r = call(Method::kPost, ingest, body.dump(), as);
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body).value("id", "");
  }
  // Uploads, closes and lets the clock run until the job has finished.
  json run(const std::string& job, const std::string& csv, const std::string& as = "") {
    EXPECT_EQ(put_csv(job, csv, as).status, 201);
    EXPECT_EQ(call(Method::kPatch, ingest + "/" + job, R"({"state":"UploadComplete"})", as).status,
              200);
    tick(env::Duration::seconds(30));
    return json::parse(call(Method::kGet, ingest + "/" + job, "", as).body);
  }
  std::vector<env::CsvRecord> csv_of(const env::Response& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.get("Content-Type"), "text/csv");
    auto rows = env::parse_csv(r.body);
    EXPECT_TRUE(rows.ok()) << r.body;
    return rows.ok() ? rows.value() : std::vector<env::CsvRecord>{};
  }
  void tick(env::Duration d) { ASSERT_TRUE(clock.advance(d).ok()); }
  int64_t remaining(const char* limit) {
    return call_json(Method::kGet, v + "/limits")[limit]["Remaining"].get<int64_t>();
  }
};

TEST_F(BulkTest, AnInsertJobRunsOnTheClockAndReportsEveryRow) {
  const int64_t batches = remaining("DailyBulkApiBatches");
  auto created = call_json(Method::kPost, ingest, R"({"object":"Lead","operation":"insert"})");
  EXPECT_EQ(created["state"], "Open");
  EXPECT_EQ(created["contentType"], "CSV");
  EXPECT_EQ(created["lineEnding"], "LF");
  EXPECT_EQ(created["columnDelimiter"], "COMMA");
  EXPECT_EQ(created["apiVersion"], 59.0);
  const std::string job = created["id"];
  EXPECT_EQ(job.substr(0, 3), "750");
  EXPECT_EQ(created["contentUrl"], "services/data/v59.0/jobs/ingest/" + job + "/batches");
  // A quoted comma, a doubled quote and a line break inside a field; a
  // row that validation refuses.
  const std::string csv =
      "LastName,Company,Email,Description\n"
      "Ann,\"Acme, Inc\",ann@x.io,\"says \"\"hi\"\"\nand more\"\n"
      "Bob,Bobco,bob@x.io,\n"
      "NoCompany,,nc@x.io,\n";
  ASSERT_EQ(put_csv(job, csv).status, 201);
  EXPECT_EQ(call(Method::kGet, ingest + "/" + job + "/successfulResults").status, 409)
      << "no results before the job has run";
  auto closed = call_json(Method::kPatch, ingest + "/" + job, R"({"state":"UploadComplete"})");
  EXPECT_EQ(closed["state"], "UploadComplete");
  EXPECT_EQ(call_json(Method::kGet, v + "/query?q=SELECT+COUNT()+FROM+Lead")["totalSize"], 0)
      << "nothing lands before the pickup";

  tick(env::Duration::seconds(1));
  auto info = call_json(Method::kGet, ingest + "/" + job);
  EXPECT_EQ(info["state"], "InProgress");
  EXPECT_EQ(info["jobType"], "V2Ingest");
  EXPECT_EQ(call_json(Method::kGet, v + "/query?q=SELECT+COUNT()+FROM+Lead")["totalSize"], 2);

  tick(env::Duration::seconds(1));
  info = call_json(Method::kGet, ingest + "/" + job);
  EXPECT_EQ(info["state"], "JobComplete");
  EXPECT_EQ(info["numberRecordsProcessed"], 3);
  EXPECT_EQ(info["numberRecordsFailed"], 1);
  EXPECT_EQ(info["totalProcessingTime"], 1000);

  auto ok = csv_of(call(Method::kGet, ingest + "/" + job + "/successfulResults"));
  ASSERT_EQ(ok.size(), 3u);
  EXPECT_EQ(ok[0], (env::CsvRecord{"sf__Id", "sf__Created", "LastName", "Company", "Email",
                                   "Description"}));
  EXPECT_EQ(ok[1][1], "true");
  EXPECT_EQ(ok[1][3], "Acme, Inc");
  EXPECT_EQ(ok[1][5], "says \"hi\"\nand more");
  const Record* ann = org.find(ok[1][0]);
  ASSERT_NE(ann, nullptr);
  EXPECT_EQ(ann->id, ok[1][0]) << "18-character ids";
  EXPECT_EQ(ann->get("Description").to_text(), "says \"hi\"\nand more");
  auto failed = csv_of(call(Method::kGet, ingest + "/" + job + "/failedResults"));
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(failed[0][1], "sf__Error");
  EXPECT_EQ(failed[1][0], "");
  EXPECT_EQ(failed[1][1].rfind("REQUIRED_FIELD_MISSING:", 0), 0u) << failed[1][1];
  EXPECT_EQ(failed[1][2], "NoCompany");
  auto unprocessed = call(Method::kGet, ingest + "/" + job + "/unprocessedrecords");
  EXPECT_EQ(unprocessed.body, "");
  EXPECT_EQ(remaining("DailyBulkApiBatches"), batches - 1);
  // Every request was one counted call.
  size_t calls = 0;
  for (const auto& e : org.api_usage().journal().entries()) calls += e.route.starts_with("/jobs/ingest");
  EXPECT_EQ(calls, 9u);
}

TEST_F(BulkTest, UpdateUpsertAndDeleteByRow) {
  add_external_id("Account");
  const std::string acme =
      org.create(org.admin_user_id(), "Account", {{"Name", "Acme"}, {"Ext__c", "A-1"}}).value();
  // Upsert contacts, their account found by its external id.
  std::string job =
      open_job({{"object", "Account"}, {"operation", "upsert"}, {"externalIdFieldName", "Ext__c"}});
  auto info = run(job, "Ext__c,Name\nA-1,Acme Renamed\nA-2,Newco\n");
  EXPECT_EQ(info["numberRecordsFailed"], 0) << info.dump();
  auto ok = csv_of(call(Method::kGet, ingest + "/" + job + "/successfulResults"));
  ASSERT_EQ(ok.size(), 3u);
  EXPECT_EQ(ok[1][0], acme);
  EXPECT_EQ(ok[1][1], "false");
  EXPECT_EQ(ok[2][1], "true");
  EXPECT_EQ(org.find(acme)->get("Name").to_text(), "Acme Renamed");

  job = open_job({{"object", "Contact"}, {"operation", "insert"}});
  info = run(job, "LastName,Account.Ext__c\nCee,A-2\nDee,A-404\n");
  ok = csv_of(call(Method::kGet, ingest + "/" + job + "/successfulResults"));
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(org.find(ok[1][0])->get("AccountId").to_text(),
            org.match_external(org.admin_user_id(), *org.schema().object("Account"), "Ext__c",
                               "A-2")
                .value()
                .front());
  auto failed = csv_of(call(Method::kGet, ingest + "/" + job + "/failedResults"));
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_NE(failed[1][1].find("Foreign key external ID: A-404 not found"), std::string::npos);
  const std::string cee = ok[1][0];

  // Update: an empty cell leaves the field; #N/A clears it.
  ASSERT_TRUE(org.update(org.admin_user_id(), "Contact", cee,
                         {{"Title", "CEO"}, {"Phone", "555"}})
                  .ok());
  job = open_job({{"object", "Contact"}, {"operation", "update"}});
  info = run(job, "Id,Title,Phone\n" + cee + ",,#N/A\n003000000000000AAA,x,\n");
  EXPECT_EQ(info["numberRecordsFailed"], 1);
  EXPECT_EQ(org.find(cee)->get("Title").to_text(), "CEO");
  EXPECT_TRUE(org.find(cee)->get("Phone").is_blank());

  job = open_job({{"object", "Contact"}, {"operation", "delete"}});
  info = run(job, "Id\n" + cee + "\n");
  EXPECT_EQ(info["numberRecordsFailed"], 0);
  EXPECT_TRUE(org.find(cee)->deleted);
  EXPECT_TRUE(org.undelete(org.admin_user_id(), cee).ok()) << "delete keeps the recycle bin";

  job = open_job({{"object", "Contact"}, {"operation", "hardDelete"}});
  info = run(job, "Id\n" + cee + "\n");
  EXPECT_EQ(info["numberRecordsFailed"], 0);
  EXPECT_EQ(org.find(cee), nullptr) << "hard-deleted: no recycle bin";
  EXPECT_EQ(call_json(Method::kGet, v + "/queryAll?q=SELECT+COUNT()+FROM+Contact+WHERE+Id='" +
                                        cee + "'")["totalSize"],
            0);
}

TEST_F(BulkTest, RowsAreDecidedAsTheJobsUserUnderSharing) {
  const std::string user = integration_user_seeing_hot_leads();
  const std::string sync = api.issue_token(user);
  const std::string hot =
      org.create(org.admin_user_id(), "Lead", {{"LastName", "Hot"}, {"Company", "H"}, {"Rating", "Hot"}})
          .value();
  const std::string cold =
      org.create(org.admin_user_id(), "Lead", {{"LastName", "Cold"}, {"Company", "C"}, {"Rating", "Cold"}})
          .value();
  const std::string job = open_job({{"object", "Lead"}, {"operation", "update"}}, sync);
  auto info = run(job, "Id,Title\n" + hot + ",A\n" + cold + ",B\n", sync);
  EXPECT_EQ(info["numberRecordsFailed"], 2) << "read-only on Hot, nothing on Cold";
  EXPECT_TRUE(org.find(hot)->get("Title").is_blank());
  // A job is its creator's: others do not see it, unless they view all.
  const std::string rep = standard_user("rep@x.io");
  EXPECT_EQ(call(Method::kGet, ingest + "/" + job, "", api.issue_token(rep)).status, 404);
  EXPECT_EQ(call(Method::kGet, ingest + "/" + job).status, 200) << "the admin views all";
  // Hard delete needs Modify All Data.
  const std::string hd = open_job({{"object", "Lead"}, {"operation", "hardDelete"}}, sync);
  info = run(hd, "Id\n" + hot + "\n", sync);
  EXPECT_EQ(info["numberRecordsFailed"], 1);
}

TEST_F(BulkTest, AJobFailsWholeOnABadHeaderOrLineEnding) {
  std::string job = open_job({{"object", "Lead"}, {"operation", "insert"}});
  auto info = run(job, "LastName,Nope__c\nA,B\n");
  EXPECT_EQ(info["state"], "Failed");
  EXPECT_EQ(info["errorMessage"], "InvalidBatch : Field name not found : Nope__c");
  EXPECT_EQ(call(Method::kGet, ingest + "/" + job + "/unprocessedrecords").body,
            "LastName,Nope__c\nA,B\n");

  job = open_job({{"object", "Lead"}, {"operation", "insert"}});
  info = run(job, "LastName,Company\r\nA,B\r\n");
  EXPECT_EQ(info["state"], "Failed");
  EXPECT_EQ(info["errorMessage"],
            "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF");

  // Another delimiter and line ending, declared.
  job = open_job({{"object", "Lead"}, {"operation", "insert"}, {"columnDelimiter", "PIPE"},
                  {"lineEnding", "CRLF"}});
  info = run(job, "LastName|Company\r\nA|B, Inc\r\n");
  EXPECT_EQ(info["state"], "JobComplete");
  EXPECT_EQ(info["numberRecordsFailed"], 0);
  auto ok = call(Method::kGet, ingest + "/" + job + "/successfulResults");
  EXPECT_NE(ok.body.find("\"sf__Id\"|\"sf__Created\"|LastName|Company\r\n"), std::string::npos)
      << ok.body;

  job = open_job({{"object", "Lead"}, {"operation", "insert"}});
  info = run(job, "LastName,Company\n\"unterminated,B\n");
  EXPECT_EQ(info["state"], "Failed");
  EXPECT_NE(info["errorMessage"].get<std::string>().find("ClientInputError"), std::string::npos);

  job = open_job({{"object", "Lead"}, {"operation", "update"}});
  info = run(job, "LastName\nA\n");
  EXPECT_EQ(info["errorMessage"], "InvalidBatch : Field name not provided: Id");

  // Closing with nothing uploaded fails the job.
  job = open_job({{"object", "Lead"}, {"operation", "insert"}});
  info = call_json(Method::kPatch, ingest + "/" + job, R"({"state":"UploadComplete"})");
  EXPECT_EQ(info["state"], "Failed");
}

TEST_F(BulkTest, RefusalsHaveTheRealShapes) {
  auto code = [&](const env::Response& r) { return error_code(r); };
  auto r = call(Method::kPost, ingest, R"({"object":"Nope","operation":"insert"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(code(r), "INVALIDENTITY");
  EXPECT_EQ(code(call(Method::kPost, ingest, R"({"object":"Lead","operation":"merge"})")),
            "INVALIDJOB");
  EXPECT_EQ(code(call(Method::kPost, ingest,
                      R"({"object":"Lead","operation":"upsert","externalIdFieldName":"Email"})")),
            "INVALIDJOB")
      << "Email is not an external id";
  EXPECT_EQ(code(call(Method::kPost, ingest,
                      R"({"object":"Lead","operation":"insert","columnDelimiter":"HASH"})")),
            "INVALIDJOB");
  EXPECT_EQ(code(call(Method::kPost, ingest, "{not json")), "JSON_PARSER_ERROR");
  EXPECT_EQ(call(Method::kGet, ingest + "/750000000000000AAA").status, 404);
  EXPECT_EQ(call(Method::kGet, ingest + "/garbage").status, 404);
  EXPECT_EQ(call(Method::kGet, "/services/data/v40.0/jobs/ingest").status, 404)
      << "Bulk API 2.0 starts at 41.0";

  const std::string job = open_job({{"object", "Lead"}, {"operation", "insert"}});
  ASSERT_EQ(put_csv(job, "LastName,Company\nA,B\n").status, 201);
  r = put_csv(job, "LastName,Company\nC,D\n");
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("Found multiple contents for job"), std::string::npos);
  EXPECT_EQ(code(call(Method::kPatch, ingest + "/" + job, R"({"state":"JobComplete"})")),
            "INVALIDJOB");
  EXPECT_EQ(call(Method::kDelete, ingest + "/" + job).status, 409) << "an open job";
  EXPECT_EQ(call(Method::kPatch, ingest + "/" + job, R"({"state":"Aborted"})").status, 200);
  EXPECT_EQ(call(Method::kPatch, ingest + "/" + job, R"({"state":"UploadComplete"})").status, 409);
  EXPECT_EQ(call(Method::kGet, ingest + "/" + job + "/unprocessedrecords").body,
            "LastName,Company\nA,B\n");
  tick(env::Duration::minutes(1));
  EXPECT_EQ(call_json(Method::kGet, v + "/query?q=SELECT+COUNT()+FROM+Lead")["totalSize"], 0)
      << "an aborted job never runs";
  EXPECT_EQ(call(Method::kDelete, ingest + "/" + job).status, 204);
  EXPECT_EQ(call(Method::kGet, ingest + "/" + job).status, 404);
}

TEST_F(BulkTest, AQueryJobPagesItsCsvWithALocator) {
  const std::string user = integration_user_seeing_hot_leads();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(org.create(org.admin_user_id(), "Lead",
                           {{"LastName", "L" + std::to_string(i)},
                            {"Company", "C, " + std::to_string(i)},
                            {"Rating", i < 3 ? "Hot" : "Cold"},
                            {"NumberOfEmployees", i * 10}})
                    .ok());
  }
  const int64_t jobs = remaining("DailyBulkV2QueryJobs");
  const std::string sync = api.issue_token(user);
  auto r = call(Method::kPost, query,
                R"({"operation":"query","query":"SELECT Id, LastName, Company, NumberOfEmployees, Owner.Name FROM Lead ORDER BY LastName"})",
                sync);
  ASSERT_EQ(r.status, 200) << r.body;
  json created = json::parse(r.body);
  EXPECT_EQ(created["state"], "UploadComplete");
  EXPECT_EQ(created["object"], "Lead");
  const std::string job = created["id"];
  EXPECT_EQ(call(Method::kGet, query + "/" + job + "/results", "", sync).status, 409);
  tick(env::Duration::seconds(2));
  auto info = call_json(Method::kGet, query + "/" + job);  // the admin views all
  EXPECT_EQ(info["state"], "JobComplete");
  EXPECT_EQ(info["jobType"], "V2Query");
  EXPECT_EQ(info["numberRecordsProcessed"], 3) << "only what sharing gives the job's user";

  auto page = call(Method::kGet, query + "/" + job + "/results?maxRecords=2", "", sync);
  auto rows = csv_of(page);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (env::CsvRecord{"Id", "LastName", "Company", "NumberOfEmployees",
                                     "Owner.Name"}));
  EXPECT_EQ(rows[1][1], "L0");
  EXPECT_EQ(rows[1][2], "C, 0");
  EXPECT_EQ(rows[2][3], "10");
  EXPECT_EQ(page.headers.get("Sforce-NumberOfRecords"), "2");
  const std::string locator = std::string(page.headers.get("Sforce-Locator").value_or(""));
  ASSERT_NE(locator, "null");
  page = call(Method::kGet, query + "/" + job + "/results?maxRecords=2&locator=" + locator, "", sync);
  rows = csv_of(page);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][1], "L2");
  EXPECT_EQ(page.headers.get("Sforce-Locator"), "null");
  EXPECT_EQ(call(Method::kGet, query + "/" + job + "/results?locator=zz", "", sync).status, 400);
  EXPECT_EQ(remaining("DailyBulkV2QueryJobs"), jobs - 1);

  // The list shows the caller's jobs; delete removes one.
  auto list = call_json(Method::kGet, query, "");
  EXPECT_EQ(list["done"], true);
  ASSERT_EQ(list["records"].size(), 1u);
  EXPECT_EQ(call(Method::kDelete, query + "/" + job, "", sync).status, 204);
  EXPECT_EQ(call_json(Method::kGet, query)["records"].size(), 0u);
}

TEST_F(BulkTest, QueryJobsRefuseWhatBulkQueryCannotRun) {
  for (const char* soql :
       {"SELECT COUNT() FROM Lead", "SELECT Rating, COUNT(Id) FROM Lead GROUP BY Rating",
        "SELECT Id FROM Lead OFFSET 5", "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
        "SELECT FIELDS(STANDARD) FROM Lead"}) {
    auto r = call(Method::kPost, query, json{{"operation", "query"}, {"query", soql}}.dump());
    EXPECT_EQ(r.status, 400) << soql;
    EXPECT_EQ(error_code(r), "API_ERROR") << soql;
  }
  auto r = call(Method::kPost, query, R"({"operation":"query","query":"SELECT Nope FROM Lead"})");
  EXPECT_EQ(error_code(r), "INVALID_FIELD");
  r = call(Method::kPost, query, R"({"operation":"query","query":"SELECT FROM"})");
  EXPECT_EQ(error_code(r), "MALFORMED_QUERY");
  r = call(Method::kPost, query, R"({"operation":"count","query":"SELECT Id FROM Lead"})");
  EXPECT_EQ(error_code(r), "INVALIDJOB");
  EXPECT_EQ(call(Method::kPost, "/services/data/v46.0/jobs/query",
                 R"({"operation":"query","query":"SELECT Id FROM Lead"})")
                .status,
            404)
      << "query jobs start at 47.0";
}

TEST_F(BulkTest, QueryAllSeesTheRecycleBin) {
  const std::string gone =
      org.create(org.admin_user_id(), "Lead", {{"LastName", "Gone"}, {"Company", "G"}}).value();
  ASSERT_TRUE(org.remove(org.admin_user_id(), "Lead", gone).ok());
  for (const char* op : {"query", "queryAll"}) {
    auto created = call_json(Method::kPost, query,
                             json{{"operation", op}, {"query", "SELECT Id, IsDeleted FROM Lead"}}.dump());
    tick(env::Duration::seconds(5));
    auto rows = csv_of(call(Method::kGet, query + "/" + created["id"].get<std::string>() + "/results"));
    EXPECT_EQ(rows.size(), std::string(op) == "query" ? 1u : 2u) << op;
  }
}

}  // namespace
}  // namespace crmsim::mocks::salesforce
