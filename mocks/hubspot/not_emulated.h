// The routes of HubSpot's APIs that integrations call and the fake does not
// serve. Each answers 501 in HubSpot's error shape, naming itself, so that a
// client never mistakes "not emulated" for "object not found"; a path the
// real API does not have either stays 404. docs/api-coverage.md is
// generated from this table and the served routes (`crmsim api-coverage`).
#pragma once

#include "env/router.h"

namespace crmsim::mocks::hubspot {

// Registers every route of the table on `router`; a served route beats a
// family's wildcard and keeps its 405 for the methods it does not serve.
void add_routes_not_emulated(env::Router& router);

}  // namespace crmsim::mocks::hubspot
