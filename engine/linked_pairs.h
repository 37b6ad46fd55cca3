// Linked pairs of every object kind brought into agreement by one
// mechanism: each pair is planned (pair_plan.h), the Salesforce writes go
// out grouped by object and the HubSpot writes by type through the writers
// (record_writer.h), and each pair's bookkeeping follows its two outcomes:
// what was written is remembered as synced, what was refused waits in Sync
// Health under the key of the record the change came from, and nothing else
// is remembered. What differs between contacts, companies, deals, tickets
// and custom objects is a PairKind: which fields are mapped, how values are
// compared, and what Salesforce takes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/hubspot_client.h"
#include "engine/pair_plan.h"
#include "engine/salesforce_client.h"

namespace crmsim::engine {

// A HubSpot record and its Salesforce record, both as just read.
struct LinkedPair {
  HsRecord hs;
  SfRecord sf;
  std::string sf_object;
  // Linked by this pass (a dedupe match): nothing was synced between them
  // yet, and the link itself is saved with the outcome.
  bool first_link = false;
};

class PairKind {
 public:
  virtual ~PairKind() = default;
  // The link kind ("contact", "company", "deal", "object:tickets").
  virtual std::string link_kind() const = 0;
  virtual std::string hubspot_type() const = 0;
  // The pair's mapped fields, both sides' values in the compared space.
  virtual std::vector<FieldSides> fields(const LinkedPair& pair) const = 0;
  // A planned Salesforce value as Salesforce takes it.
  virtual std::string salesforce_value(const LinkedPair& pair, const std::string& field,
                                       const std::string& value) {
    (void)pair;
    (void)field;
    return value;
  }
  // The Salesforce ids HubSpot's record holds for this pair (property ->
  // value; "" clears a stale one): written wherever the record holds other
  // values, so that HubSpot's own data always names the record it syncs
  // with.
  virtual std::map<std::string, std::string> hubspot_ids(const LinkedPair& pair) const = 0;
  // Whether each native Salesforce write is read back (the connector does
  // for contacts).
  virtual bool read_back() const { return false; }
};

}  // namespace crmsim::engine
