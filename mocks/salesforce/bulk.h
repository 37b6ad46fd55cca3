// Bulk API 2.0 jobs of one org: ingest jobs (insert, update, upsert,
// delete, hardDelete from CSV) and query jobs (SOQL to CSV), processed
// asynchronously on the org's clock. A job closed at time T is picked up at
// T + kBulkPickupDelay: its rows are applied then, each as the job's
// creator under sharing, validation and duplicate rules, one by one (a
// refused row fails alone); a query job runs its query then, seeing what
// that user may see. The job reads InProgress until its processing time
// (kBulkRecordsPerSecond) has passed, then JobComplete. Time moves only
// with the clock: advance(now) runs whatever is due, and every call into
// the org's API calls it first, so a client polling the job, or any other
// call, sees the rows land at the same virtual instant in every run.
//
// Counting, as Salesforce counts it: every HTTP request is one API call (the
// REST layer's job); each kBulkBatchRecords rows of an ingest job take one
// of the org's kBulkDailyBatchesMax daily batches, each query job one of its
// kBulkDailyQueryJobsMax daily query jobs, and rows one of its
// kBulkDailyRecordsMax daily records, all over a rolling 24 hours.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "env/csv.h"
#include "env/time.h"
#include "mocks/salesforce/org.h"

namespace crmsim::mocks::salesforce {

inline constexpr env::Duration kBulkPickupDelay = env::Duration::seconds(1);
// The fake's processing speed: a job of n rows reads InProgress for
// ceil(n / kBulkRecordsPerSecond) seconds after its pickup (at least one).
inline constexpr int64_t kBulkRecordsPerSecond = 10'000;
// Rows per internal batch, and the daily allocations over 24 hours.
inline constexpr int64_t kBulkBatchRecords = 10'000;
inline constexpr int64_t kBulkDailyBatchesMax = 15'000;
inline constexpr int64_t kBulkDailyQueryJobsMax = 10'000;
inline constexpr int64_t kBulkDailyRecordsMax = 150'000'000;
// One upload's size (the documented 150 MB of base64 is about 100 MB of
// CSV; `crmsim serve` refuses bodies past its request limit first).
inline constexpr size_t kBulkUploadBytesMax = 100'000'000;
// CSV bounds: a field, a record's columns.
inline constexpr size_t kBulkFieldBytesMax = 131'072;
inline constexpr size_t kBulkColumnsMax = 5'000;
// Rows in one page of query results (the client's maxRecords may ask for
// fewer), and jobs in one page of a job list.
inline constexpr int64_t kBulkQueryPageRecordsMax = 50'000;
inline constexpr size_t kBulkJobListPageMax = 1'000;
// Jobs kept: a finished job is removed kBulkJobLifespan after it finished,
// and past kBulkJobsMax the oldest finished one goes first; a create is
// refused when every kept job is still open or running.
inline constexpr env::Duration kBulkJobLifespan = env::Duration::days(7);
inline constexpr size_t kBulkJobsMax = 10'000;

enum class BulkJobState { kOpen, kUploadComplete, kInProgress, kJobComplete, kFailed, kAborted };
std::string_view bulk_state_name(BulkJobState s);

enum class BulkOperation { kInsert, kUpdate, kUpsert, kDelete, kHardDelete, kQuery, kQueryAll };
std::string_view bulk_operation_name(BulkOperation op);

// The column delimiters Bulk API 2.0 names, and line endings.
struct BulkFormat {
  std::string column_delimiter = "COMMA";  // COMMA TAB PIPE SEMICOLON CARET BACKQUOTE
  char delimiter = ',';
  bool crlf = false;  // lineEnding CRLF; LF otherwise
};
// The format named by a job request's "columnDelimiter" and "lineEnding"
// (empty: the defaults); nullopt for a name Bulk API 2.0 does not have.
std::optional<BulkFormat> bulk_format(std::string_view column_delimiter,
                                      std::string_view line_ending);

struct BulkJob {
  std::string id;  // 750...
  bool query = false;
  BulkOperation operation = BulkOperation::kInsert;
  std::string object;
  std::string external_id_field;  // upsert
  std::string soql;               // query jobs
  BulkFormat format;
  std::string api_version;  // "59.0"
  std::string created_by;
  env::Timestamp created;
  env::Timestamp modstamp;
  BulkJobState state = BulkJobState::kOpen;
  std::string error_message;  // a Failed job's reason

  // Ingest: the uploaded CSV until pickup.
  std::string data;
  bool uploaded = false;
  // Set when closed: the pickup, and the end of processing.
  env::Timestamp picked_up_at;
  env::Timestamp done_at;

  // Results, rendered at pickup. Ingest: header and one line per row.
  std::vector<std::string> header;
  std::string successful;   // CSV lines, without header
  std::string failed;
  std::string unprocessed;  // the uploaded rows when the job never ran
  int64_t records_processed = 0;
  int64_t records_failed = 0;
  // Query: the result rows, each a CSV line, and the header line.
  std::string result_header;
  std::vector<std::string> result_lines;
};

// A refusal of a job request, in the shape the REST layer answers it.
struct BulkError {
  int status = 400;
  std::string error_code;
  std::string message;
};

class BulkJobs {
 public:
  explicit BulkJobs(Org& org) : org_(org) {}
  BulkJobs(const BulkJobs&) = delete;
  BulkJobs& operator=(const BulkJobs&) = delete;

  // Runs what is due by `now`: pickups and completions, in time order.
  void advance(env::Timestamp now);

  env::Result<const BulkJob*, BulkError> create_ingest(std::string_view user_id,
                                                       std::string_view object,
                                                       std::string_view operation,
                                                       std::string_view external_id_field,
                                                       const BulkFormat& format,
                                                       std::string_view api_version);
  env::Result<const BulkJob*, BulkError> create_query(std::string_view user_id,
                                                      std::string_view operation,
                                                      std::string_view soql,
                                                      const BulkFormat& format,
                                                      std::string_view api_version);
  // The job when it exists and `user_id` may see it (its creator, or a
  // user whose profile views all data); nullptr otherwise.
  const BulkJob* find(std::string_view user_id, std::string_view id, bool query) const;
  // The user's visible jobs of one kind, oldest first.
  std::vector<const BulkJob*> list(std::string_view user_id, bool query) const;

  env::Result<env::Ok, BulkError> upload(std::string_view id, std::string data);
  // "UploadComplete" or "Aborted" (ingest); "Aborted" (query).
  env::Result<const BulkJob*, BulkError> set_state(std::string_view id, std::string_view state);
  env::Result<env::Ok, BulkError> remove(std::string_view id);

  // Used over the rolling 24 hours before `now`.
  int64_t batches_used(env::Timestamp now);
  int64_t query_jobs_used(env::Timestamp now);
  int64_t records_used(env::Timestamp now);

 private:
  // Amounts taken over a rolling 24 hours.
  class Window {
   public:
    int64_t used(env::Timestamp now);
    void add(env::Timestamp now, int64_t n);

   private:
    std::deque<std::pair<env::Timestamp, int64_t>> entries_;
    int64_t total_ = 0;
  };

  BulkJob& make_job(std::string_view user_id, bool query, const BulkFormat& format,
                    std::string_view api_version);
  env::Result<env::Ok, BulkError> make_room(env::Timestamp now);
  void pick_up(BulkJob& job);
  void run_ingest(BulkJob& job);
  void run_query(BulkJob& job);
  // The row's result line: the row as uploaded, after `prefix` columns.
  std::string result_line(const BulkJob& job, const std::vector<std::string>& prefix,
                          const env::CsvRecord& row) const;

  Org& org_;
  std::map<std::string, BulkJob> jobs_;  // by id
  std::set<std::string> active_;         // ids of the jobs queued or running
  uint64_t sequence_ = 0;
  Window batches_;
  Window query_jobs_;
  Window records_;
};

}  // namespace crmsim::mocks::salesforce
