// HubSpot contacts <-> Salesforce leads and contacts: the connector's
// contact sync (seeds 000 and 002). HubSpot's side arrives by the sweep on
// last-modified and by webhooks (through the inbox); Salesforce's by the
// poll on SystemModstamp and the deleted-records API. An unlinked record is
// matched by email before anything is created (the most recently modified
// Salesforce record wins an email), a lead conversion moves the link to its
// contact, and a linked pair is reconciled field by field per its sync rule
// (linked_pairs.h) with State/Country and owners compared in one space.
// Creates go behind intents (SyncContext::create_in_*); recovery finds an
// interrupted one again by email.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/sync_context.h"

namespace crmsim::engine {

class CompanySync;
class InclusionList;
class Owners;

class ContactSync {
 public:
  // HubSpot records the sweep gathers before syncing them together.
  static constexpr size_t kSweepBatchMax = 10'000;
  // Items taken from the inbox per pass, and passes per step.
  static constexpr size_t kInboxBatchMax = 500;
  static constexpr int kInboxPassesPerStepMax = 400;
  // The most Salesforce calls one contact's sync takes (the connector's "up
  // to 4 calls per record"): a budget is split into records by it.
  static constexpr int64_t kCallsPerRecordMax = 4;
  // Rows per page of a Salesforce query: a dedupe that needs more than one
  // IN-query reads the object's emails in pages of this many instead, when
  // that costs fewer calls.
  static constexpr int64_t kQueryPageRows = 2000;

  ContactSync(SyncContext& context, Owners& owners, InclusionList& list, CompanySync& companies)
      : c_(context), owners_(owners), list_(list), companies_(companies) {}

  // Salesforce -> HubSpot: `object` ("Lead" or "Contact") changed since
  // its watermark, and its deletions.
  Pause poll_salesforce(const std::string& object);
  Pause poll_deleted(const std::string& object);
  // HubSpot -> Salesforce: contacts modified since the sweep's watermark.
  Pause sweep_hubspot();
  // HubSpot -> Salesforce: contacts queued by webhooks, list joins,
  // retries and recovery.
  Pause drain_inbox();
  // Sync Health retries of Salesforce records (HubSpot ones go through the
  // inbox).
  Pause retry_from_salesforce(const std::string& object, const std::vector<std::string>& ids);
  // Settles interrupted contact creates: each is looked up by email and
  // linked if it was made, then synced again.
  Pause recover(const std::vector<Intent>& intents);

  // The contact properties the sync reads.
  std::vector<std::string> hubspot_properties() const;
  // A contact's Salesforce fields for `object`.
  std::vector<std::string> salesforce_fields(const std::string& object) const;

 private:
  class ContactPairs;

  bool goes_to_salesforce(const HsRecord& r) const;
  // A mapped field's value on each side, in the space the two are compared
  // and remembered in: State/Country as Salesforce's names (per the
  // matching setting), the owner as a HubSpot owner id (a Salesforce user
  // with no HubSpot owner of the same email: nullopt, the field is left
  // alone), everything else as it is.
  std::string hubspot_side(const FieldMapping& m, const HsRecord& record) const;
  std::optional<std::string> salesforce_side(const FieldMapping& m, const SfRecord& record,
                                             const std::string& field) const;
  SfFields salesforce_values_for_create(const std::string& object, const HsRecord& record);
  std::map<std::string, std::string> hubspot_values_from(const std::string& object,
                                                         const SfRecord& record) const;

  // The rest of one millisecond shared by more records than one search
  // reaches, by id, into `batch` (flushed as it fills).
  Pause sweep_millisecond(env::Timestamp at, const std::vector<std::string>& props,
                          Watermark& batch_mark, std::vector<HsRecord>& batch,
                          const std::function<Pause()>& flush);
  // HubSpot -> Salesforce for these HubSpot records (already read). A
  // linked record whose HubSpot values match what was last synced is
  // skipped (Salesforce's changes come through the poll) unless `forced`
  // holds it: a record that just joined the inclusion list, or is being
  // retried or recovered, is reconciled in full.
  Pause sync_to_salesforce(const std::vector<HsRecord>& records,
                           const std::set<uint64_t>& forced = {});
  Pause sync_slice_to_salesforce(const std::vector<HsRecord>& records,
                                 const std::set<uint64_t>& forced);
  // How many HubSpot contacts the Salesforce calls left in the 24-hour
  // window pay for at kCallsPerRecordMax each (batched: per collection of
  // records); at least 1.
  size_t affordable_records() const;
  // Salesforce -> HubSpot for these Salesforce records of `object`.
  Pause sync_to_hubspot(const std::string& object, const std::vector<SfRecord>& records);
  Pause reconcile(const std::vector<LinkedPair>& pairs);
  // Finds Salesforce records by email: for each email (lower-case), the
  // most recently modified non-converted lead or contact.
  Pause find_salesforce_by_email(const std::vector<std::string>& emails,
                                 std::map<std::string, SfRecord>& found);
  Pause create_in_salesforce(const std::vector<HsRecord>& records);
  Pause create_in_hubspot(const std::string& object, const std::vector<SfRecord>& records);

  SyncContext& c_;
  Owners& owners_;
  InclusionList& list_;
  CompanySync& companies_;
  // Rows a scan of Lead and Contact emails found last time: whether the
  // next scan is worth its first page.
  std::map<std::string, int64_t> scan_rows_;
  // When the sweep under way began: the Salesforce records this engine
  // created since then are linked to contacts of the same sweep, whose
  // emails HubSpot keeps unique, so a dedupe scan can leave them out
  // (rescanning them made a large batched initial sync grow quadratically).
  std::optional<env::Timestamp> sweep_started_;
};

}  // namespace crmsim::engine
