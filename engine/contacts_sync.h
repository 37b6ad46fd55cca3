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
#include <functional>
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

  // Each direction in three parts: which records moved (from the store,
  // no calls), the other side of the linked ones (read, then reconciled),
  // and the unlinked ones matched by email or created.
  struct HubSpotMoved {
    std::map<uint64_t, const HsRecord*> by_id;
    // Per Salesforce object: (HubSpot id, Salesforce id) of linked
    // contacts whose HubSpot side changed since the last sync.
    std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> linked;
    std::vector<const HsRecord*> unlinked;
  };
  struct SalesforceMoved {
    std::vector<std::pair<uint64_t, const SfRecord*>> linked;  // HubSpot id, record
    std::vector<const SfRecord*> unlinked;                     // with an email
  };
  HubSpotMoved hubspot_moved(const std::vector<HsRecord>& records,
                             const std::set<uint64_t>& forced) const;
  bool hubspot_changed(const HsRecord& r, const Link& link) const;
  // Reads the linked records' Salesforce side into `pairs`, following lead
  // conversions; a record it cannot see waits in Sync Health.
  Pause read_salesforce_sides(const HubSpotMoved& moved, std::vector<LinkedPair>& pairs);
  Pause dedupe_in_salesforce(const std::vector<const HsRecord*>& unlinked);
  // An unlinked contact that holds a Salesforce id (HubSpot's anchor: a
  // merge, an import, a link store lost) syncs with that record when it is
  // live, visible and nobody else's; the rest go on to the email lookup.
  Pause adopt_held_ids(const std::vector<const HsRecord*>& records,
                       std::vector<LinkedPair>& adopted, std::vector<const HsRecord*>& rest);
  // Converted leads are followed here (their HubSpot id updates land in
  // `relinked`), so this one writes links.
  SalesforceMoved salesforce_moved(const std::string& object, const std::vector<SfRecord>& records,
                                   std::vector<std::pair<uint64_t, HsProps>>& relinked);
  bool salesforce_changed(const SfRecord& r, const std::string& object, uint64_t hs) const;
  // Reads the linked records' HubSpot side into `pairs`; a HubSpot contact
  // deleted since moves its record to `moved.unlinked` (it is made again).
  Pause read_hubspot_sides(const std::string& object, SalesforceMoved& moved,
                           std::vector<LinkedPair>& pairs);
  Pause dedupe_in_hubspot(const std::string& object, const std::vector<const SfRecord*>& unlinked);
  // Lead `lead` of HubSpot contact `hs` was converted into `contact`: the
  // HubSpot contact now syncs with the contact, unless that contact already
  // syncs with another HubSpot contact (two leads converted into one); then
  // this one stays on its lead and waits in Sync Health. Whether it moved.
  bool follow_conversion(uint64_t hs, const std::string& lead, const std::string& contact);
  Pause reconcile(const std::vector<LinkedPair>& pairs);

  // ---- contacts_dedupe.cpp
  // Finds Salesforce records by email: for each email (lower-case), the
  // most recently modified non-converted lead or contact.
  Pause find_salesforce_by_email(const std::vector<std::string>& emails,
                                 std::map<std::string, SfRecord>& found);
  using Consider = std::function<void(const SfRecord&)>;
  // The three ways to look emails up in one object: a query per email
  // (native), a scan of every email (when the object is small next to the
  // emails), IN-queries of kIdsPerQueryMax emails.
  Pause find_one_by_one(const std::string& object, const std::vector<std::string>& emails,
                        const Consider& consider);
  Pause scan_emails(const std::string& object, size_t in_query_calls, const Consider& consider,
                    bool& scanned);
  Pause find_in_queries(const std::string& object, const std::vector<std::string>& emails,
                        const Consider& consider);
  std::string email_select(const std::string& object) const;
  // For each email (lower-case), the HubSpot contact that has it.
  Pause find_hubspot_by_email(const std::vector<std::string>& emails,
                              std::map<std::string, HsRecord>& found);

  Pause create_in_salesforce(const std::vector<const HsRecord*>& records);
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
