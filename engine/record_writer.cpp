#include "engine/record_writer.h"

#include <functional>

#include "engine/sync_engine_parts.h"
#include "env/assert.h"

namespace crmsim::engine {

using detail::describe;
using detail::family_of;

std::string_view write_status_name(WriteStatus status) {
  switch (status) {
    case WriteStatus::kWritten:
      return "written";
    case WriteStatus::kRefused:
      return "refused";
    case WriteStatus::kNotFound:
      return "not_found";
    case WriteStatus::kUnknown:
      return "unknown";
    case WriteStatus::kNotSent:
      return "not_sent";
  }
  return "?";
}

bool stops_writes(const SfError& error) { return error.transient(); }

namespace {

// What the connector reads back after a native write.
const std::vector<std::string> kReadBack = {"Id", "SystemModstamp"};

}  // namespace
bool stops_writes(const HsError& error) { return error.transient(); }

namespace {

// The outcome of a record whose call failed on its own account.
WriteOutcome refused(const SfError& e) {
  const bool gone = e.code == "NOT_FOUND" || e.code == "ENTITY_IS_DELETED";
  return {gone ? WriteStatus::kNotFound : WriteStatus::kRefused, "", family_of(e), describe(e)};
}
WriteOutcome refused(const HsError& e) {
  return {e.status == 404 ? WriteStatus::kNotFound : WriteStatus::kRefused, "", family_of(e),
          describe(e)};
}

// The outcome of the records a stopping call carried: it may have applied
// them when no answer (or a server error) came back.
template <typename Error>
WriteOutcome cut_short(const Error& e) {
  const bool maybe = e.ambiguous() || e.status >= 500;
  return {maybe ? WriteStatus::kUnknown : WriteStatus::kNotSent, "", "", describe(e)};
}

// Ends a report at input `from` (exclusive of what is already settled):
// the records of the failed call get cut_short, the rest kNotSent.
template <typename Error>
void stop(WriteReport<Error>& report, size_t from, size_t call_end, const Error& e) {
  for (size_t i = from; i < report.outcomes.size(); ++i)
    if (report.outcomes[i].status == WriteStatus::kNotSent && i < call_end)
      report.outcomes[i] = cut_short(e);
  report.stopped = e;
}

}  // namespace

// ---------------------------------------------------------------- Salesforce

namespace {

// Writes `records` a collection of kCollectionRecordsMax per `call(chunk)`;
// a written record's id is `id_of(input, result)`.
template <typename Input, typename Call, typename IdOf>
WriteReport<SfError> in_collections(const std::vector<Input>& records, const Call& call,
                                    const IdOf& id_of) {
  WriteReport<SfError> report;
  report.outcomes.resize(records.size());
  for (size_t start = 0; start < records.size(); start += SalesforceClient::kCollectionRecordsMax) {
    const size_t end = std::min(records.size(), start + SalesforceClient::kCollectionRecordsMax);
    const std::vector<Input> chunk(records.begin() + static_cast<std::ptrdiff_t>(start),
                                   records.begin() + static_cast<std::ptrdiff_t>(end));
    auto results = call(chunk);
    if (!results) {
      if (stops_writes(results.error())) {
        stop(report, start, end, results.error());
        return report;
      }
      for (size_t i = start; i < end; ++i) report.outcomes[i] = refused(results.error());
      continue;
    }
    CRMSIM_ASSERT(results->size() == chunk.size(), "a collection answers every record");
    std::optional<SfError> budget;
    for (size_t j = 0; j < chunk.size(); ++j) {
      const SaveResult& r = (*results)[j];
      if (r.success) {
        report.outcomes[start + j] = {WriteStatus::kWritten, id_of(chunk[j], r), "", ""};
        CRMSIM_ASSERT(!report.outcomes[start + j].id.empty(), "a written record has an id");
      } else if (r.error.budget()) {
        budget = r.error;  // not applied; the writer stops after this collection
      } else {
        report.outcomes[start + j] = refused(r.error);
      }
    }
    if (budget) {
      stop(report, end, end, *budget);
      return report;
    }
  }
  return report;
}

// Writes `records` one `call(i)` each (returning the record's id), each
// read back by `back(id)` when `read_back`.
template <typename Call, typename Back>
WriteReport<SfError> one_by_one(size_t count, const Call& call, bool read_back, const Back& back) {
  WriteReport<SfError> report;
  report.outcomes.resize(count);
  for (size_t i = 0; i < count; ++i) {
    auto id = call(i);
    if (!id) {
      if (stops_writes(id.error())) {
        stop(report, i, i + 1, id.error());
        return report;
      }
      report.outcomes[i] = refused(id.error());
      continue;
    }
    report.outcomes[i] = {WriteStatus::kWritten, *id, "", ""};
    if (!read_back) continue;
    if (auto again = back(*id); !again) {
      stop(report, i + 1, i + 1, again.error());
      return report;
    }
  }
  return report;
}

}  // namespace

WriteReport<SfError> SalesforceWriter::update(
    std::string_view object, const std::vector<std::pair<std::string, SfFields>>& records,
    bool read_back) {
  using Input = std::pair<std::string, SfFields>;
  if (strategy_ == Strategy::kBatched)
    return in_collections(
        records, [&](const std::vector<Input>& chunk) { return client_.update_many(object, chunk); },
        [](const Input& in, const SaveResult&) { return in.first; });
  return one_by_one(
      records.size(),
      [&](size_t i) -> env::Result<std::string, SfError> {
        auto r = client_.update(object, records[i].first, records[i].second);
        if (!r) return env::fail(r.error());
        return records[i].first;
      },
      read_back, [&](const std::string& id) { return client_.retrieve(object, id, kReadBack); });
}

WriteReport<SfError> SalesforceWriter::create(std::string_view object,
                                              const std::vector<SfFields>& records,
                                              bool read_back) {
  if (strategy_ == Strategy::kBatched)
    return in_collections(
        records, [&](const std::vector<SfFields>& chunk) { return client_.create_many(object, chunk); },
        [](const SfFields&, const SaveResult& r) { return r.id; });
  return one_by_one(
      records.size(), [&](size_t i) { return client_.create(object, records[i]); }, read_back,
      [&](const std::string& id) { return client_.retrieve(object, id, kReadBack); });
}

// ---------------------------------------------------------------- HubSpot

namespace {

// Writes records [start, end) one call each into `report`; false when a
// call stopped the writer.
template <typename Call>
bool hubspot_one_by_one(WriteReport<HsError>& report, size_t start, size_t end, const Call& call) {
  for (size_t i = start; i < end; ++i) {
    auto r = call(i);
    if (r) {
      report.outcomes[i] = {WriteStatus::kWritten, *r, "", ""};
      continue;
    }
    if (stops_writes(r.error())) {
      stop(report, i, i + 1, r.error());
      return false;
    }
    report.outcomes[i] = refused(r.error());
  }
  return true;
}

// Settles a batch's per-input results; false when one of them stops the
// writer (that input was not applied).
bool settle_batch(WriteReport<HsError>& report, size_t start,
                  const std::vector<HsBatchResult>& results, bool create) {
  std::optional<HsError> stopping;
  for (size_t j = 0; j < results.size(); ++j) {
    const HsBatchResult& r = results[j];
    WriteOutcome& out = report.outcomes[start + j];
    if (r.success) {
      out = {WriteStatus::kWritten, create || r.id != 0 ? std::to_string(r.id) : "", "", ""};
    } else if (stops_writes(r.error)) {
      stopping = r.error;
    } else {
      out = refused(r.error);
    }
  }
  if (!stopping) return true;
  const size_t end = start + results.size();
  stop(report, end, end, *stopping);
  return false;
}

// HubSpot's batch endpoints, kBatchInputsMax inputs a call. HubSpot fails
// a whole batch for one bad input: such a batch is written again one record
// at a time, so that each record still gets its own outcome. `id_of(i)`,
// when given, names input i once written (an update's answer may not).
template <typename Record, typename Batch, typename Single>
void hubspot_in_batches(WriteReport<HsError>& report, const std::vector<Record>& records,
                        const Batch& batch, const Single& single, bool create,
                        const std::function<std::string(size_t)>& id_of) {
  for (size_t start = 0; start < records.size(); start += HubSpotClient::kBatchInputsMax) {
    const size_t end = std::min(records.size(), start + HubSpotClient::kBatchInputsMax);
    const std::vector<Record> chunk(records.begin() + static_cast<std::ptrdiff_t>(start),
                                    records.begin() + static_cast<std::ptrdiff_t>(end));
    auto results = batch(chunk);
    if (results) {
      CRMSIM_ASSERT(results->size() == chunk.size(), "a batch answers every input");
      if (!settle_batch(report, start, *results, create)) return;
      if (id_of)
        for (size_t i = start; i < end; ++i)
          if (report.outcomes[i].status == WriteStatus::kWritten) report.outcomes[i].id = id_of(i);
      continue;
    }
    if (stops_writes(results.error())) {
      stop(report, start, end, results.error());
      return;
    }
    if (!hubspot_one_by_one(report, start, end, single)) return;
  }
}

}  // namespace

WriteReport<HsError> HubSpotWriter::update(
    std::string_view type, const std::vector<std::pair<uint64_t, HsProps>>& records) {
  WriteReport<HsError> report;
  report.outcomes.resize(records.size());
  auto single = [&](size_t i) -> env::Result<std::string, HsError> {
    auto r = client_.update(records[i].first, records[i].second, type);
    if (!r) return env::fail(r.error());
    return std::to_string(records[i].first);
  };
  if (strategy_ == Strategy::kNative) {
    (void)hubspot_one_by_one(report, 0, records.size(), single);
    return report;
  }
  hubspot_in_batches(
      report, records, [&](const auto& chunk) { return client_.batch_update(chunk, type); },
      single, /*create=*/false, [&](size_t i) { return std::to_string(records[i].first); });
  return report;
}

WriteReport<HsError> HubSpotWriter::create(std::string_view type,
                                           const std::vector<HsProps>& records) {
  WriteReport<HsError> report;
  report.outcomes.resize(records.size());
  auto single = [&](size_t i) -> env::Result<std::string, HsError> {
    auto r = client_.create(records[i], type);
    if (!r) return env::fail(r.error());
    return std::to_string(*r);
  };
  if (strategy_ == Strategy::kNative) {
    (void)hubspot_one_by_one(report, 0, records.size(), single);
    return report;
  }
  hubspot_in_batches(
      report, records, [&](const auto& chunk) { return client_.batch_create(chunk, type); },
      single, /*create=*/true, nullptr);
  return report;
}

}  // namespace crmsim::engine
