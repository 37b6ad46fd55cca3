// One writer for the engine's two call patterns. The native pattern writes a
// record per call (and, for the objects the connector reads back, reads it
// back); the batched pattern writes a Salesforce collection of 200 or a
// HubSpot batch of 100 per call, and isolates a HubSpot batch that one bad
// input refused by writing its records one by one. Either way every record
// comes back with a typed outcome, in input order, so a caller can handle
// each one and never remembers as synced what was not written:
//
//   kWritten   the CRM applied it (a create carries the new id);
//   kRefused   the CRM refused this record (validation rule, duplicate, a
//              locked row, a bad value): a Sync Health failure, with its
//              family and the CRM's words;
//   kNotFound  the record is gone (deleted, or out of the integration
//              user's sight);
//   kUnknown   the call that carried it failed without an answer (timeout,
//              lost response, 5xx): it may or may not have been applied;
//   kNotSent   the writer stopped before sending it.
//
// A call failure that says nothing about the record itself (a rate limit,
// the budget, a 5xx, a timeout, bad credentials) stops the writer: the rest
// are kUnknown (the call under way, when it may have been applied) or
// kNotSent, and `stopped` holds the error the caller pauses on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/hubspot_client.h"
#include "engine/salesforce_client.h"
#include "engine/sync_config.h"

namespace crmsim::engine {

enum class WriteStatus { kWritten, kRefused, kNotFound, kUnknown, kNotSent };
std::string_view write_status_name(WriteStatus status);

struct WriteOutcome {
  WriteStatus status = WriteStatus::kNotSent;
  std::string id;       // kWritten: the record's id (a HubSpot id in decimal)
  std::string family;   // kRefused: the Sync Health family
  std::string message;  // kRefused, kNotFound, kUnknown: what the CRM or transport said
};

template <typename Error>
struct WriteReport {
  std::vector<WriteOutcome> outcomes;  // one per input, in input order
  std::optional<Error> stopped;        // why the writer stopped early

  size_t count(WriteStatus status) const {
    size_t n = 0;
    for (const auto& o : outcomes) n += o.status == status ? 1 : 0;
    return n;
  }
};

using HsProps = std::map<std::string, std::string>;

class SalesforceWriter {
 public:
  SalesforceWriter(Strategy strategy, SalesforceClient& client)
      : strategy_(strategy), client_(client) {}

  // `read_back`: after each native write the record is read again (Id,
  // SystemModstamp), as the connector does for contacts; batched never.
  WriteReport<SfError> update(std::string_view object,
                              const std::vector<std::pair<std::string, SfFields>>& records,
                              bool read_back = false);
  WriteReport<SfError> create(std::string_view object, const std::vector<SfFields>& records,
                              bool read_back = false);

 private:
  Strategy strategy_;
  SalesforceClient& client_;
};

class HubSpotWriter {
 public:
  HubSpotWriter(Strategy strategy, HubSpotClient& client) : strategy_(strategy), client_(client) {}

  WriteReport<HsError> update(std::string_view type,
                              const std::vector<std::pair<uint64_t, HsProps>>& records);
  WriteReport<HsError> create(std::string_view type, const std::vector<HsProps>& records);

 private:
  Strategy strategy_;
  HubSpotClient& client_;
};

// Whether a failed call stops a writer (and the pass): everything but a
// refusal of the record itself.
bool stops_writes(const SfError& error);
bool stops_writes(const HsError& error);

}  // namespace crmsim::engine
