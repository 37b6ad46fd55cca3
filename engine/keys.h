// The names the engine keeps things under in its store, each with one
// spelling and one parser: Sync Health keys (which record failed to sync,
// from which side) and watermark names (how far a poll or a sweep has
// read). Nobody concatenates them by hand; the simulator and the reports
// parse them with these functions too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crmsim::engine {

// A record in Sync Health. A failure is keyed by the record the sync
// started from: a HubSpot record that did not reach Salesforce
// ("hs:<link kind>:<id>", e.g. "hs:contact:51", "hs:object:tickets:7"), or
// a Salesforce record that did not reach HubSpot ("sf:<object>:<id>", e.g.
// "sf:Lead:00Q...").
struct HealthKey {
  enum class Side { kHubSpot, kSalesforce };

  Side side = Side::kHubSpot;
  std::string kind;    // kHubSpot: the link kind ("contact", "company", "deal", ...)
  uint64_t hs_id = 0;  // kHubSpot
  std::string object;  // kSalesforce: the object ("Lead", "Account", "Case", ...)
  std::string sf_id;   // kSalesforce

  static HealthKey hubspot(std::string_view link_kind, uint64_t id);
  static HealthKey salesforce(std::string_view object, std::string_view id);

  std::string text() const;
  // nullopt for a string no version of the engine wrote. Also reads the
  // spellings of earlier versions ("hs:<id>" for a contact, "company:<id>").
  static std::optional<HealthKey> parse(std::string_view text);

  bool operator==(const HealthKey&) const = default;
};

// What an intent is about to create: a record in Salesforce or in HubSpot,
// of a link kind. Spelled "<side>:<link kind>" ("salesforce:contact",
// "hubspot:object:tickets").
struct IntentKind {
  enum class Side { kInSalesforce, kInHubSpot };

  Side side = Side::kInSalesforce;
  std::string link_kind;

  static IntentKind in_salesforce(std::string_view link_kind);
  static IntentKind in_hubspot(std::string_view link_kind);

  std::string text() const;
  // nullopt for a string no version of the engine wrote. Also reads the
  // spellings of earlier versions ("create_salesforce", "create_hubspot_deal",
  // ...; an old task or object intent reads as link kind "activity" or
  // "object", resolved from the intent's other fields).
  static std::optional<IntentKind> parse(std::string_view text);

  bool operator==(const IntentKind&) const = default;
};

// Watermark names: a Salesforce poll of `object` for `purpose` ("" for the
// main poll: "sf:Lead"; "deals": "deals:Opportunity"), and a HubSpot sweep
// of records of `type` ("hs:contacts", "hs:object:tickets").
std::string poll_mark(std::string_view object, std::string_view purpose = "");
std::string sweep_mark(std::string_view name);
// The store's meta key for where the deleted-records window of `object`
// last ended.
std::string deleted_mark(std::string_view object);
// The store's meta key for the id of the inclusion list whose membership
// the store holds ("" once read with no list found).
inline constexpr std::string_view kInclusionListMeta = "inclusion_list_id";

}  // namespace crmsim::engine
