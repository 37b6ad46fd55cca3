#include "mocks/salesforce/bulk.h"

#include <algorithm>
#include <charconv>
#include <span>

#include "env/assert.h"
#include "env/text.h"
#include "mocks/salesforce/ids.h"
#include "mocks/salesforce/query.h"

namespace crmsim::mocks::salesforce {
namespace {

constexpr env::Duration kWindow = env::Duration::hours(24);

BulkError job_error(int status, std::string code, std::string message) {
  return BulkError{status, std::move(code), std::move(message)};
}

bool finished(BulkJobState s) {
  return s == BulkJobState::kJobComplete || s == BulkJobState::kFailed ||
         s == BulkJobState::kAborted;
}

// A value as the CSV results write it: numbers in their shortest form.
std::string csv_value(const Value& v) {
  if (v.is_number()) {
    const double d = v.as_number();
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    if (ec == std::errc()) return std::string(buf, end);
  }
  return v.to_text();
}

// Every field quoted, as Bulk API 2.0 writes its results.
std::string quoted_line(const std::vector<std::string>& fields, const BulkFormat& format) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += format.delimiter;
    out += '"';
    for (char c : fields[i]) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  out += format.crlf ? "\r\n" : "\n";
  return out;
}

// "CODE:message:Field1,Field2 --", as failedResults writes a refusal.
std::string row_error(std::string_view code, std::string_view message,
                      const std::vector<std::string>& fields = {}) {
  std::string out = std::string(code) + ":" + std::string(message) + ":";
  for (size_t i = 0; i < fields.size(); ++i) out += (i > 0 ? "," : "") + fields[i];
  return out + " --";
}

std::optional<BulkOperation> parse_operation(std::string_view name, bool query) {
  static constexpr std::pair<std::string_view, BulkOperation> kIngest[] = {
      {"insert", BulkOperation::kInsert}, {"update", BulkOperation::kUpdate},
      {"upsert", BulkOperation::kUpsert}, {"delete", BulkOperation::kDelete},
      {"hardDelete", BulkOperation::kHardDelete}};
  static constexpr std::pair<std::string_view, BulkOperation> kQuery[] = {
      {"query", BulkOperation::kQuery}, {"queryAll", BulkOperation::kQueryAll}};
  using Entry = std::pair<std::string_view, BulkOperation>;
  for (const auto& [n, op] : query ? std::span<const Entry>(kQuery) : std::span<const Entry>(kIngest)) {
    if (n == name) return op;
  }
  return std::nullopt;
}

// A column of an ingest upload: a field, or a lookup through a parent's
// external id ("Account.External_Id__c").
struct Column {
  const FieldDef* field = nullptr;   // the field written
  const ObjectDef* parent = nullptr;  // lookups: the object searched
  std::string parent_field;           // lookups: its external id field
};

}  // namespace

std::string_view bulk_state_name(BulkJobState s) {
  switch (s) {
    case BulkJobState::kOpen: return "Open";
    case BulkJobState::kUploadComplete: return "UploadComplete";
    case BulkJobState::kInProgress: return "InProgress";
    case BulkJobState::kJobComplete: return "JobComplete";
    case BulkJobState::kFailed: return "Failed";
    case BulkJobState::kAborted: return "Aborted";
  }
  return "Open";
}

std::string_view bulk_operation_name(BulkOperation op) {
  switch (op) {
    case BulkOperation::kInsert: return "insert";
    case BulkOperation::kUpdate: return "update";
    case BulkOperation::kUpsert: return "upsert";
    case BulkOperation::kDelete: return "delete";
    case BulkOperation::kHardDelete: return "hardDelete";
    case BulkOperation::kQuery: return "query";
    case BulkOperation::kQueryAll: return "queryAll";
  }
  return "insert";
}

std::optional<BulkFormat> bulk_format(std::string_view column_delimiter,
                                      std::string_view line_ending) {
  static constexpr std::pair<std::string_view, char> kDelimiters[] = {
      {"COMMA", ','}, {"TAB", '\t'}, {"PIPE", '|'},
      {"SEMICOLON", ';'}, {"CARET", '^'}, {"BACKQUOTE", '`'}};
  BulkFormat format;
  if (!column_delimiter.empty()) {
    bool known = false;
    for (const auto& [name, c] : kDelimiters) {
      if (name == column_delimiter) {
        format.column_delimiter = std::string(name);
        format.delimiter = c;
        known = true;
      }
    }
    if (!known) return std::nullopt;
  }
  if (line_ending == "CRLF") {
    format.crlf = true;
  } else if (!line_ending.empty() && line_ending != "LF") {
    return std::nullopt;
  }
  return format;
}

// ------------------------------------------------------------ the window

int64_t BulkJobs::Window::used(env::Timestamp now) {
  while (!entries_.empty() && now - entries_.front().first >= kWindow) {
    total_ -= entries_.front().second;
    entries_.pop_front();
  }
  return total_;
}

void BulkJobs::Window::add(env::Timestamp now, int64_t n) {
  if (n <= 0) return;
  entries_.emplace_back(now, n);
  total_ += n;
}

int64_t BulkJobs::batches_used(env::Timestamp now) { return batches_.used(now); }
int64_t BulkJobs::query_jobs_used(env::Timestamp now) { return query_jobs_.used(now); }
int64_t BulkJobs::records_used(env::Timestamp now) { return records_.used(now); }

// ------------------------------------------------------------ jobs

env::Result<env::Ok, BulkError> BulkJobs::make_room(env::Timestamp now) {
  std::erase_if(jobs_, [&](const auto& e) {
    return finished(e.second.state) && now - e.second.modstamp >= kBulkJobLifespan;
  });
  if (jobs_.size() < kBulkJobsMax) return env::Ok{};
  const BulkJob* oldest = nullptr;
  for (const auto& [id, job] : jobs_) {
    if (finished(job.state) && (oldest == nullptr || job.modstamp < oldest->modstamp)) {
      oldest = &job;
    }
  }
  if (oldest == nullptr) {
    return env::fail(job_error(400, "LIMIT_EXCEEDED",
                               "too many open or running jobs: at most " +
                                   std::to_string(kBulkJobsMax) + " are kept"));
  }
  jobs_.erase(oldest->id);
  return env::Ok{};
}

BulkJob& BulkJobs::make_job(std::string_view user_id, bool query, const BulkFormat& format,
                            std::string_view api_version) {
  const env::Timestamp now = org_.clock().now();
  BulkJob job;
  job.id = make_id("750", ++sequence_);
  job.query = query;
  job.format = format;
  job.api_version = std::string(api_version);
  job.created_by = std::string(user_id);
  job.created = now;
  job.modstamp = now;
  const std::string id = job.id;
  return jobs_.emplace(id, std::move(job)).first->second;
}

env::Result<const BulkJob*, BulkError> BulkJobs::create_ingest(
    std::string_view user_id, std::string_view object_name, std::string_view operation,
    std::string_view external_id_field, const BulkFormat& format, std::string_view api_version) {
  const env::Timestamp now = org_.clock().now();
  auto op = parse_operation(operation, false);
  if (!op) {
    return env::fail(job_error(400, "INVALIDJOB",
                               "InvalidJob : Invalid operation: '" + std::string(operation) +
                                   "' (insert, update, upsert, delete or hardDelete)"));
  }
  const ObjectDef* object = org_.schema().object(object_name);
  if (object == nullptr || object->name == "User" || !org_.permissions(user_id, *object).read) {
    return env::fail(job_error(400, "INVALIDENTITY",
                               "InvalidEntity : sObject type '" + std::string(object_name) +
                                   "' is not supported by the Bulk API"));
  }
  std::string external;
  if (*op == BulkOperation::kUpsert) {
    const FieldDef* f = object->field(external_id_field);
    if (f == nullptr || !(f->external_id || f->unique || f->type == FieldType::kId)) {
      return env::fail(job_error(400, "INVALIDJOB",
                                 "InvalidJob : External ID was blank or not an external id "
                                 "field of " + object->name + ": '" +
                                     std::string(external_id_field) + "'"));
    }
    external = f->name;
  } else if (!external_id_field.empty()) {
    return env::fail(job_error(400, "INVALIDJOB",
                               "InvalidJob : externalIdFieldName is only for upsert"));
  }
  if (auto room = make_room(now); !room.ok()) return env::fail(room.error());
  BulkJob& job = make_job(user_id, false, format, api_version);
  job.operation = *op;
  job.object = object->name;
  job.external_id_field = external;
  return &job;
}

env::Result<const BulkJob*, BulkError> BulkJobs::create_query(std::string_view user_id,
                                                              std::string_view operation,
                                                              std::string_view soql,
                                                              const BulkFormat& format,
                                                              std::string_view api_version) {
  const env::Timestamp now = org_.clock().now();
  auto op = parse_operation(operation, true);
  if (!op) {
    return env::fail(job_error(400, "INVALIDJOB",
                               "InvalidJob : Invalid operation: '" + std::string(operation) +
                                   "' (query or queryAll)"));
  }
  // What Bulk API 2.0 does not run, read from the query as written.
  auto parsed = parse_soql(soql);
  if (!parsed.ok()) {
    return env::fail(job_error(400, parsed.error().error_code, parsed.error().message));
  }
  const Query& q = parsed.value();
  const char* unsupported = q.count_only || q.aggregates() ? "Aggregate functions such as COUNT()"
                            : !q.group_by.empty()          ? "GROUP BY"
                            : q.offset.has_value()         ? "OFFSET"
                            : !q.children.empty()          ? "Parent-to-child relationship queries"
                            : q.fields != FieldsSet::kNone ? "FIELDS()"
                                                           : nullptr;
  if (unsupported != nullptr) {
    return env::fail(job_error(400, "API_ERROR",
                               std::string(unsupported) + " are not supported by Bulk API 2.0 "
                                                          "query jobs"));
  }
  auto prepared = prepare_query(org_, user_id, soql);
  if (!prepared.ok()) {
    return env::fail(job_error(400, prepared.error().error_code, prepared.error().message));
  }
  if (query_jobs_.used(now) >= kBulkDailyQueryJobsMax) {
    return env::fail(job_error(400, "LIMIT_EXCEEDED",
                               "Max bulk v2 query jobs (" + std::to_string(kBulkDailyQueryJobsMax) +
                                   ") in a rolling 24 hours exceeded"));
  }
  if (auto room = make_room(now); !room.ok()) return env::fail(room.error());
  query_jobs_.add(now, 1);
  BulkJob& job = make_job(user_id, true, format, api_version);
  job.operation = *op;
  job.object = prepared->object->name;
  job.soql = std::string(soql);
  // A query job needs no upload: it is queued as it is made.
  job.state = BulkJobState::kUploadComplete;
  job.picked_up_at = now + kBulkPickupDelay;
  active_.insert(job.id);
  return &job;
}

const BulkJob* BulkJobs::find(std::string_view user_id, std::string_view id, bool query) const {
  auto normalized = normalize_id(id);
  if (!normalized) return nullptr;
  auto it = jobs_.find(*normalized);
  if (it == jobs_.end() || it->second.query != query) return nullptr;
  if (it->second.created_by == user_id) return &it->second;
  const Record* user = org_.find(user_id);
  const Profile* p = user == nullptr ? nullptr : org_.profile(user->get("ProfileId").to_text());
  return p != nullptr && p->view_all_data ? &it->second : nullptr;
}

std::vector<const BulkJob*> BulkJobs::list(std::string_view user_id, bool query) const {
  std::vector<const BulkJob*> out;
  for (const auto& [id, job] : jobs_) {
    if (find(user_id, id, query) != nullptr) out.push_back(&job);
  }
  return out;
}

env::Result<env::Ok, BulkError> BulkJobs::upload(std::string_view id, std::string data) {
  BulkJob& job = jobs_.at(std::string(id));
  if (job.state != BulkJobState::kOpen) {
    return env::fail(job_error(409, "INVALIDJOBSTATE",
                               "Job is not in Open state: it is " +
                                   std::string(bulk_state_name(job.state))));
  }
  if (job.uploaded) {
    return env::fail(job_error(
        409, "INVALIDJOBSTATE",
        "Found multiple contents for job: <" + job.id +
            ">, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and "
            "make sure you only do 'PUT' once on a given Job."));
  }
  if (data.size() > kBulkUploadBytesMax) {
    return env::fail(job_error(400, "INVALIDBATCH",
                               "InvalidBatch : the upload is larger than " +
                                   std::to_string(kBulkUploadBytesMax) + " bytes"));
  }
  job.data = std::move(data);
  job.uploaded = true;
  job.modstamp = org_.clock().now();
  return env::Ok{};
}

env::Result<const BulkJob*, BulkError> BulkJobs::set_state(std::string_view id,
                                                           std::string_view state) {
  BulkJob& job = jobs_.at(std::string(id));
  const env::Timestamp now = org_.clock().now();
  auto conflict = [&] {
    return env::fail(job_error(409, "INVALIDJOBSTATE",
                               "Job is " + std::string(bulk_state_name(job.state)) +
                                   ": it cannot become " + std::string(state)));
  };
  if (state == "UploadComplete" && !job.query) {
    if (job.state != BulkJobState::kOpen) return conflict();
    job.modstamp = now;
    if (!job.uploaded) {
      job.state = BulkJobState::kFailed;
      job.error_message = "InvalidBatch : No data was uploaded for the job";
      return &job;
    }
    job.state = BulkJobState::kUploadComplete;
    job.picked_up_at = now + kBulkPickupDelay;
    active_.insert(job.id);
    return &job;
  }
  if (state == "Aborted") {
    if (finished(job.state)) return conflict();
    if (job.state == BulkJobState::kOpen || job.state == BulkJobState::kUploadComplete) {
      // Never ran: every uploaded row stays unprocessed.
      job.unprocessed = job.data;
    }
    job.state = BulkJobState::kAborted;
    active_.erase(job.id);
    job.modstamp = now;
    return &job;
  }
  return env::fail(job_error(400, "INVALIDJOB",
                             "InvalidJob : state must be " +
                                 std::string(job.query ? "Aborted" : "UploadComplete or Aborted") +
                                 ", not '" + std::string(state) + "'"));
}

env::Result<env::Ok, BulkError> BulkJobs::remove(std::string_view id) {
  BulkJob& job = jobs_.at(std::string(id));
  if (job.state == BulkJobState::kOpen || job.state == BulkJobState::kInProgress ||
      (job.query && job.state == BulkJobState::kUploadComplete)) {
    return env::fail(job_error(409, "INVALIDJOBSTATE",
                               "Job is " + std::string(bulk_state_name(job.state)) +
                                   ": only a closed, finished or aborted job can be deleted"));
  }
  active_.erase(job.id);
  jobs_.erase(std::string(id));
  return env::Ok{};
}

// ------------------------------------------------------------ processing

void BulkJobs::advance(env::Timestamp now) {
  // Only queued and running jobs are looked at: every API call comes here.
  if (active_.empty()) return;
  auto finish = [&](BulkJob& job) {
    job.state = job.error_message.empty() ? BulkJobState::kJobComplete : BulkJobState::kFailed;
    job.modstamp = job.done_at;
    active_.erase(job.id);
  };
  // Completions first (they depend on nothing), then pickups in time order.
  std::vector<BulkJob*> due;
  for (const std::string& id : std::vector<std::string>(active_.begin(), active_.end())) {
    BulkJob& job = jobs_.at(id);
    if (job.state == BulkJobState::kInProgress && job.done_at <= now) finish(job);
    if (job.state == BulkJobState::kUploadComplete && job.picked_up_at <= now) due.push_back(&job);
  }
  std::sort(due.begin(), due.end(), [](const BulkJob* a, const BulkJob* b) {
    return a->picked_up_at != b->picked_up_at ? a->picked_up_at < b->picked_up_at : a->id < b->id;
  });
  for (BulkJob* job : due) {
    pick_up(*job);
    if (job->done_at <= now) finish(*job);
  }
}

void BulkJobs::pick_up(BulkJob& job) {
  job.state = BulkJobState::kInProgress;
  job.modstamp = job.picked_up_at;
  if (job.query) {
    run_query(job);
  } else {
    run_ingest(job);
  }
  const int64_t rows = job.query ? static_cast<int64_t>(job.result_lines.size())
                                 : job.records_processed;
  const int64_t seconds = std::max<int64_t>(1, (rows + kBulkRecordsPerSecond - 1) /
                                                   kBulkRecordsPerSecond);
  job.done_at = job.picked_up_at + env::Duration::seconds(seconds);
}

std::string BulkJobs::result_line(const BulkJob& job, const std::vector<std::string>& prefix,
                                  const env::CsvRecord& row) const {
  std::vector<std::string> fields = prefix;
  fields.insert(fields.end(), row.begin(), row.end());
  return quoted_line(fields, job.format);
}

void BulkJobs::run_ingest(BulkJob& job) {
  const env::Timestamp now = org_.clock().now();
  std::string data = std::move(job.data);
  auto fail_job = [&](std::string message) {
    job.error_message = std::move(message);
    job.unprocessed = data;
  };
  // The line ending the job declared is the one the data must use.
  const bool has_crlf = data.find("\r\n") != std::string::npos;
  bool has_bare_lf = false;
  for (size_t i = data.find('\n'); i != std::string::npos; i = data.find('\n', i + 1)) {
    if (i == 0 || data[i - 1] != '\r') has_bare_lf = true;
  }
  if ((!job.format.crlf && has_crlf) || (job.format.crlf && has_bare_lf)) {
    return fail_job(std::string("ClientInputError : LineEnding is invalid on user data. Current "
                                "LineEnding setting is ") +
                    (job.format.crlf ? "CRLF" : "LF"));
  }
  auto parsed = env::parse_csv(data, job.format.delimiter,
                               env::CsvLimits{kBulkFieldBytesMax, kBulkColumnsMax,
                                              static_cast<size_t>(kBulkDailyRecordsMax)});
  if (!parsed.ok()) return fail_job("ClientInputError : " + parsed.error().message);
  std::vector<env::CsvRecord>& rows = parsed.value();
  if (rows.empty() || (rows.size() == 1 && rows[0].size() == 1 && rows[0][0].empty())) {
    return fail_job("InvalidBatch : The upload has no header row");
  }
  job.header = rows.front();
  const ObjectDef* object = org_.schema().object(job.object);
  CRMSIM_ASSERT(object != nullptr, "a job's object stays in the schema");
  // Every column must name a field (or a lookup through an external id).
  std::vector<Column> columns;
  std::optional<size_t> id_column, key_column;
  for (size_t i = 0; i < job.header.size(); ++i) {
    const std::string& name = job.header[i];
    Column c;
    if (const size_t dot = name.find('.'); dot != std::string::npos) {
      const FieldDef* ref = object->relationship(name.substr(0, dot));
      const ObjectDef* parent =
          ref == nullptr || ref->reference_to.empty() ? nullptr
                                                       : org_.schema().object(ref->reference_to[0]);
      const FieldDef* key = parent == nullptr ? nullptr : parent->field(name.substr(dot + 1));
      if (key == nullptr || !(key->external_id || key->unique || key->type == FieldType::kId)) {
        return fail_job("InvalidBatch : Field name not found : " + name);
      }
      c.field = ref;
      c.parent = parent;
      c.parent_field = key->name;
    } else {
      c.field = object->field(name);
      if (c.field == nullptr) return fail_job("InvalidBatch : Field name not found : " + name);
    }
    if (c.parent == nullptr && c.field->type == FieldType::kId) id_column = i;
    if (c.parent == nullptr && c.field->name == job.external_id_field) key_column = i;
    columns.push_back(c);
  }
  const bool by_id = job.operation == BulkOperation::kUpdate ||
                     job.operation == BulkOperation::kDelete ||
                     job.operation == BulkOperation::kHardDelete;
  if (by_id && !id_column) return fail_job("InvalidBatch : Field name not provided: Id");
  if (job.operation == BulkOperation::kUpsert && !key_column) {
    return fail_job("InvalidBatch : Field name not provided: " + job.external_id_field);
  }
  const int64_t count = static_cast<int64_t>(rows.size()) - 1;
  const int64_t batches = std::max<int64_t>(1, (count + kBulkBatchRecords - 1) / kBulkBatchRecords);
  if (records_.used(now) + count > kBulkDailyRecordsMax) {
    return fail_job("ExceededQuota : the org's " + std::to_string(kBulkDailyRecordsMax) +
                    " Bulk API records in a rolling 24 hours are spent");
  }
  if (batches_.used(now) + batches > kBulkDailyBatchesMax) {
    return fail_job("ExceededQuota : the org's " + std::to_string(kBulkDailyBatchesMax) +
                    " Bulk API batches in a rolling 24 hours are spent");
  }
  records_.add(now, count);
  batches_.add(now, batches);

  for (size_t r = 1; r < rows.size(); ++r) {
    const env::CsvRecord& row = rows[r];
    ++job.records_processed;
    auto refuse = [&](const std::string& id, const std::string& error) {
      ++job.records_failed;
      job.failed += result_line(job, {id, error}, row);
    };
    if (row.size() != columns.size()) {
      refuse("", row_error("INVALID_FIELD",
                           "the row has " + std::to_string(row.size()) +
                               " columns where the header has " +
                               std::to_string(columns.size())));
      continue;
    }
    const std::string id = id_column ? row[*id_column] : "";
    FieldInputs inputs;
    std::optional<std::string> lookup_error;
    for (size_t i = 0; i < columns.size() && !lookup_error; ++i) {
      const Column& c = columns[i];
      const std::string& cell = row[i];
      if (cell.empty()) continue;  // an empty cell leaves the field as it is
      if (id_column && i == *id_column) continue;
      if (c.parent == nullptr) {
        inputs.emplace_back(c.field->name, cell == "#N/A" ? Value() : Value(cell));
        continue;
      }
      auto found = org_.match_external(job.created_by, *c.parent, c.parent_field, cell);
      if (!found.ok() || found->empty()) {
        lookup_error = row_error("INVALID_FIELD", "Foreign key external ID: " + cell +
                                                      " not found for field " + c.parent_field +
                                                      " in entity " + c.parent->name,
                                 {c.field->name});
      } else if (found->size() > 1) {
        lookup_error = row_error("DUPLICATE_EXTERNAL_ID",
                                 c.parent_field + ": more than one record found for external id "
                                                  "field: " + cell,
                                 {c.field->name});
      } else {
        inputs.emplace_back(c.field->name, Value(found->front()));
      }
    }
    if (lookup_error) {
      refuse(id, *lookup_error);
      continue;
    }
    std::optional<ApiError> error;
    std::string saved_id = id;
    bool created = false;
    switch (job.operation) {
      case BulkOperation::kInsert: {
        auto made = org_.create(job.created_by, job.object, inputs);
        if (made.ok()) {
          saved_id = made.value();
          created = true;
        } else {
          error = made.error();
        }
        break;
      }
      case BulkOperation::kUpdate: {
        if (id.empty()) {
          error = ApiError{400, "MISSING_ARGUMENT", "Id not specified in an update call", {}};
          break;
        }
        auto done = org_.update(job.created_by, job.object, id, inputs);
        if (!done.ok()) error = done.error();
        break;
      }
      case BulkOperation::kUpsert: {
        const std::string& key = row[*key_column];
        auto done = org_.upsert(job.created_by, *object, job.external_id_field, key, inputs);
        if (done.ok()) {
          saved_id = done->id;
          created = done->created;
        } else {
          error = done.error();
        }
        break;
      }
      case BulkOperation::kDelete:
      case BulkOperation::kHardDelete: {
        auto done = org_.remove(job.created_by, job.object, id,
                                job.operation == BulkOperation::kHardDelete);
        if (!done.ok()) error = done.error();
        break;
      }
      case BulkOperation::kQuery:
      case BulkOperation::kQueryAll:
        CRMSIM_ASSERT(false, "an ingest job runs an ingest operation");
    }
    if (error) {
      refuse(id, row_error(error->error_code, error->message, error->fields));
      continue;
    }
    if (const Record* saved = org_.find(saved_id)) saved_id = saved->id;  // 18 characters
    job.successful += result_line(job, {saved_id, created ? "true" : "false"}, row);
  }
}

void BulkJobs::run_query(BulkJob& job) {
  auto result = salesforce::run_query(org_, job.created_by, job.soql,
                                      job.operation == BulkOperation::kQueryAll);
  if (!result.ok()) {
    job.error_message = result.error().error_code + " : " + result.error().message;
    return;
  }
  const Query& q = result->query;
  std::vector<std::string> header;
  for (const FieldPath& p : q.select) header.push_back(p.text());
  job.result_header = quoted_line(header, job.format);
  std::vector<std::string> values(q.select.size());
  for (const Record* r : result->rows) {
    for (size_t i = 0; i < q.select.size(); ++i) {
      values[i] = csv_value(resolve(org_, job.created_by, *r, q.select[i]).value);
    }
    job.result_lines.push_back(quoted_line(values, job.format));
  }
  job.records_processed = static_cast<int64_t>(job.result_lines.size());
}

}  // namespace crmsim::mocks::salesforce
