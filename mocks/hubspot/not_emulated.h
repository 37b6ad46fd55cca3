// The routes of HubSpot's APIs that integrations call and the fake does not
// serve. Each answers 501 in HubSpot's error shape, naming itself, so that a
// client never mistakes "not emulated" for "object not found"; a path the
// real API does not have either stays 404. docs/api-coverage.md is
// generated from this table and the served routes (`crmsim api-coverage`).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "env/router.h"

namespace crmsim::mocks::hubspot {

// Registers every route of the table on `router`; a served route beats a
// family's wildcard and keeps its 405 for the methods it does not serve.
void add_routes_not_emulated(env::Router& router);

// A standard HubSpot object the portal does not model (quotes, leads,
// invoices...). The generic object, property, pipeline and association
// routes answer 501 for it instead of "Unable to infer object type".
struct NotEmulatedObject {
  std::string_view name;      // "quotes"
  std::string_view singular;  // "quote"
  std::string_view type_id;   // "0-14"
};
std::span<const NotEmulatedObject> not_emulated_objects();
// The object `key` names (plural, singular or type id), or nullptr.
const NotEmulatedObject* not_emulated_object(std::string_view key);
// "The quotes object (0-14) is not emulated by crmsim: METHOD PATH".
std::string not_emulated_object_message(const NotEmulatedObject& object,
                                        const env::Request& request);

}  // namespace crmsim::mocks::hubspot
