// What HubSpot and Salesforce mean by their words, where both fakes, the
// engine and the population must agree: HubSpot's lifecycle stages and
// their order, the free-mail domains that never make a company, HubSpot's
// default association type ids, and Salesforce's key prefixes for the
// standard objects. One spelling here, above env (which knows nothing of
// CRMs) and below everything that does (mocks/, engine/, sim/). The invariants in
// sim/ keep a deliberately independent copy of the lifecycle order (the
// oracle), so that a mistake here cannot hide from the checker.
#pragma once

#include <array>
#include <string_view>

namespace crmsim::crm {

// ---- HubSpot lifecycle stages (the "lifecyclestage" property)

// The stages in order; a record only ever moves forward along it.
inline constexpr std::array<std::string_view, 7> kLifecycleStages = {
    "subscriber", "lead",     "marketingqualifiedlead", "salesqualifiedlead",
    "opportunity", "customer", "evangelist"};
// The stage outside the order: a record in it is never moved by a sync.
inline constexpr std::string_view kLifecycleOther = "other";
inline constexpr std::string_view kLifecycleProperty = "lifecyclestage";

// A stage's place in kLifecycleStages; -1 for a blank, "other" or an
// unknown stage.
int lifecycle_rank(std::string_view stage);
// Whether moving from `from` to `to` goes forward (a blank `from` counts
// as before every stage; "other" and unknown stages go nowhere).
bool lifecycle_forward(std::string_view from, std::string_view to);

// ---- email domains

// Whether `domain` (any case) belongs to a free-mail provider: a contact
// with such an address gets no company from its domain.
bool is_free_mail_domain(std::string_view domain);

// ---- HubSpot associations (v4 "HUBSPOT_DEFINED" type ids)

// The default association type id from `from` to `to` ("contacts",
// "companies", "deals", "tickets", the engagements, line items); 0 when
// HubSpot defines none.
int default_association_type(std::string_view from, std::string_view to);

// ---- Salesforce ids

// The 3-character key prefix of a standard object's ids ("00Q" for Lead);
// "" for an object this vocabulary does not know.
std::string_view key_prefix(std::string_view object);
// The standard object an id belongs to by its prefix ("Lead" for
// "00Q..."); "" when the prefix is not a known standard one.
std::string_view object_of_id(std::string_view id);

}  // namespace crmsim::crm
