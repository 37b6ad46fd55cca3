// The routes of Salesforce's APIs that integrations call and the fake does
// not serve. Each answers 501 in Salesforce's error shape, naming itself, so
// that a client never mistakes "not emulated" for "record not found"; a path
// the real API does not have either stays 404. docs/api-coverage.md is
// generated from this table and the served routes (`crmsim api-coverage`).
#pragma once

#include "env/router.h"

namespace crmsim::mocks::salesforce {

// Registers every route of the table on `router`. Served routes are
// registered first or after: a served route beats a family's wildcard.
void add_routes_not_emulated(env::Router& router);

}  // namespace crmsim::mocks::salesforce
