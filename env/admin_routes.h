// The admin front of a served fake: a Router that answers /__admin/...
// itself, guarded by its own token (header X-Admin-Token, or Bearer), and
// forwards every other request to the fake's API router:
//   GET  /__admin/health              {"status":"ok",...}; needs no token, so
//                                      that launchers and probes can poll it
//   GET  /__admin/journal[?since=N]   the fake's call journal from entry N
//   GET  /__admin/clock                the fake's time
//   POST /__admin/clock {"advance":"15m"} | {"set":"2024-05-20T12:00:00Z"}
//                                      (only with a manual clock)
//   POST /__admin/reset                rebuild the fake from its description
//   POST /__admin/limits {...}         switch quotas and rate limits
// Generic plumbing: what the journal holds and what a reset means come
// from the fake through the hooks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "env/clock.h"
#include "env/result.h"
#include "env/router.h"

namespace crmsim::env {

struct AdminHooks {
  std::string token;
  std::string service;  // "salesforce", "hubspot": named by the health answer
  const Clock* clock = nullptr;
  ManualClock* manual_clock = nullptr;  // nullptr: wall time, the clock cannot be moved
  // The journal from entry `since`, as a JSON object text.
  std::function<std::string(uint64_t since)> journal_json;
  std::function<Status()> reset;
  // Applies a JSON object of limit settings; returns the settings now in
  // force as JSON text, or an Error for a bad body.
  std::function<Result<std::string>(const std::string& body)> limits;
  // Further POST /__admin/<name> actions a fake offers (body in, JSON out).
  std::map<std::string, std::function<Result<std::string>(const std::string& body)>> actions;
};

// REQUIRES: every hook set; `target` returns the router to forward to (it
// may change across resets).
Router admin_front(AdminHooks hooks, const std::function<const Router&()>& target);

}  // namespace crmsim::env
