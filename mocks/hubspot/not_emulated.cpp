#include "mocks/hubspot/not_emulated.h"

#include <initializer_list>
#include <string_view>
#include <vector>

namespace crmsim::mocks::hubspot {
namespace {

using env::Method;

struct Entry {
  std::string_view pattern;
  std::string_view note;
  std::initializer_list<Method> methods;  // empty: every method
};

// From HubSpot's API reference (developers.hubspot.com/docs/api-reference):
// the CRM routes around the served ones, then whole families by prefix,
// then the legacy v1/v2 APIs older integrations still call.
const Entry kNotEmulated[] = {
    // CRM objects and records
    {"/crm/v3/objects/:type/:id/associations/*rest", "v3 record associations", {}},
    {"/crm/v3/associations/*rest", "v3 association batches and types", {}},
    {"/crm/v4/associations/*rest", "v4 association batches, labels and definitions", {}},
    {"/crm/v3/pipelines/:type/:pipelineId/audit", "pipeline audits", {}},
    {"/crm/v3/pipelines/:type/:pipelineId/stages/:stageId/audit", "pipeline stage audits", {}},
    {"/crm/v3/lists/*rest", "other list operations", {}},
    {"/crm/v3/imports/*rest", "CRM imports", {}},
    {"/crm/v3/imports", "CRM imports", {}},
    {"/crm/v3/exports/*rest", "CRM exports", {}},
    {"/crm/v3/timeline/*rest", "timeline events", {}},
    {"/crm/v3/extensions/*rest", "CRM extensions (cards, calling, video)", {}},
    {"/crm/v3/limits/*rest", "CRM limits tracking", {}},
    {"/crm/v3/object-library/*rest", "object library", {}},
    // Account and settings
    {"/account-info/v3/api-usage/daily", "daily API usage of OAuth apps", {}},
    {"/account-info/v3/activity/*rest", "account activity (logins, security)", {}},
    {"/settings/v3/*rest", "users, teams and business units", {}},
    {"/settings/v4/*rest", "settings v4", {}},
    {"/integrations/v1/*rest", "integration and app details", {}},
    // Other families
    {"/automation/v3/*rest", "workflows v3", {}},
    {"/automation/v4/*rest", "workflows and custom actions", {}},
    {"/cms/v3/*rest", "CMS", {}},
    {"/communication-preferences/v3/*rest", "subscription preferences", {}},
    {"/communication-preferences/v4/*rest", "subscription preferences", {}},
    {"/conversations/v3/*rest", "conversations inbox", {}},
    {"/events/v3/*rest", "custom behavioral events", {}},
    {"/files/v3/*rest", "files", {}},
    {"/marketing/v3/*rest", "marketing (forms, emails, campaigns, events)", {}},
    {"/marketing/v4/*rest", "marketing v4", {}},
    {"/oauth/v1/*rest", "OAuth tokens", {}},
    {"/oauth/v3/*rest", "OAuth v3", {}},
    {"/webhooks/v3/*rest", "webhook subscriptions", {}},
    {"/webhooks-journal/*rest", "webhooks journal", {}},
    {"/business-units/v3/*rest", "business units", {}},
    {"/scheduler/v3/*rest", "meetings scheduler", {}},
    // Legacy APIs
    {"/contacts/v1/*rest", "Contacts API v1 (legacy)", {}},
    {"/companies/v2/*rest", "Companies API v2 (legacy)", {}},
    {"/deals/v1/*rest", "Deals API v1 (legacy)", {}},
    {"/engagements/v1/*rest", "Engagements API v1 (legacy)", {}},
    {"/properties/v1/*rest", "Properties API v1 (legacy)", {}},
    {"/properties/v2/*rest", "Properties API v2 (legacy)", {}},
    {"/crm-associations/v1/*rest", "CRM Associations API v1 (legacy)", {}},
    {"/crm-pipelines/v1/*rest", "CRM Pipelines API v1 (legacy)", {}},
    {"/owners/v2/*rest", "Owners API v2 (legacy)", {}},
    {"/email/public/v1/*rest", "email events (legacy)", {}},
    {"/form-integrations/v1/*rest", "form submissions (legacy)", {}},
    {"/submissions/v3/*rest", "form submissions", {}},
};

// From HubSpot's table of object type ids (developers.hubspot.com, "Using
// the object APIs"): the standard objects besides the modelled ones.
constexpr NotEmulatedObject kObjects[] = {
    {"appointments", "appointment", "0-421"},
    {"carts", "cart", "0-142"},
    {"communications", "communication", "0-18"},
    {"courses", "course", "0-410"},
    {"discounts", "discount", "0-84"},
    {"feedback_submissions", "feedback_submission", "0-19"},
    {"fees", "fee", "0-85"},
    {"goal_targets", "goal_target", "0-74"},
    {"invoices", "invoice", "0-53"},
    {"leads", "lead", "0-136"},
    {"listings", "listing", "0-420"},
    {"marketing_events", "marketing_event", "0-54"},
    {"orders", "order", "0-123"},
    {"commerce_payments", "commerce_payment", "0-101"},
    {"postal_mail", "postal_mail", "0-116"},
    {"projects", "project", "0-970"},
    {"quotes", "quote", "0-14"},
    {"services", "service", "0-162"},
    {"subscriptions", "subscription", "0-69"},
    {"taxes", "tax", "0-86"},
    {"users", "user", "0-115"},
};

}  // namespace

std::span<const NotEmulatedObject> not_emulated_objects() { return kObjects; }

const NotEmulatedObject* not_emulated_object(std::string_view key) {
  for (const NotEmulatedObject& o : kObjects) {
    if (o.name == key || o.singular == key || o.type_id == key) return &o;
  }
  return nullptr;
}

std::string not_emulated_object_message(const NotEmulatedObject& object,
                                        const env::Request& request) {
  return "The " + std::string(object.name) + " object (" + std::string(object.type_id) +
         ") is not emulated by crmsim: " + std::string(env::method_name(request.method)) + " " +
         request.raw_path;
}

void add_routes_not_emulated(env::Router& router) {
  for (const Entry& e : kNotEmulated)
    router.add_not_emulated(e.pattern, std::string(e.note), std::vector<Method>(e.methods));
}

}  // namespace crmsim::mocks::hubspot
