// The admin front of a served fake: a Router that answers /__admin/...
// itself, guarded by its own token (header X-Admin-Token, or Bearer), and
// forwards every other request to the fake's API router:
//   GET    /__admin/health             {"status":"ok",...}; needs no token, so
//                                      that launchers and probes can poll it
//   GET    /__admin/journal[?filters]  the fake's call journal (env/journal.h
//                                      JournalFilter), bodies with ?bodies=1
//   GET    /__admin/journal/count[?filters]   {"count":N,...}
//   GET    /__admin/clock               the fake's time
//   POST   /__admin/clock {"advance":"15m"} | {"set":"2024-05-20T12:00:00Z"}
//                                      (only with a manual clock)
//   POST   /__admin/reset               rebuild the fake from its description
//   POST   /__admin/limits {...}        switch quotas and rate limits
//   GET | POST | DELETE /__admin/faults faults on demand, when the fake has them
// Between the callers and the API stands the fake's fault gate, if any: per
// call it lets the call through, answers in the API's place, holds the
// connection and drops it, or lets the API apply the call and drops its
// answer (Response::Delivery). Every call the API or the gate answers is in
// the journal, with the path as called, its bodies (the newest
// Journal::kBodiesKept) and the fault it met.
// Generic plumbing: what the journal holds and what a reset means come
// from the fake through the hooks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "env/clock.h"
#include "env/journal.h"
#include "env/result.h"
#include "env/router.h"

namespace crmsim::env {

// What happens to one call, as a fault gate decides it.
struct Interception {
  enum class Action {
    kPass,          // the API handles the call and its answer goes back
    kAnswer,        // `response` goes back in the API's place
    kHold,          // no answer: hold the connection for `hold`, then close it
    kApplyAndDrop,  // the API applies the call; the connection closes unanswered
  };
  Action action = Action::kPass;
  Response response;
  Duration hold;
  std::string fault;  // for the journal: "error", "timeout", "rule 0: status 503"...
};

// Faults on demand; all set or none.
struct FaultHooks {
  // POST: replaces what is in force with a JSON object body; the state
  // after, as JSON text, or an Error naming what is wrong.
  std::function<Result<std::string>(const std::string& body)> configure;
  std::function<std::string()> state;  // GET
  std::function<void()> clear;         // DELETE
  // Decides for the next call, in request order.
  std::function<Interception(const Request&)> decide;

  bool set() const { return configure && state && clear && decide; }
};

using AdminAction = std::function<Result<std::string>(const std::string& body)>;

// Admin routes a fake's owner adds beside the fake's own: POST
// /__admin/<name> actions (body in, JSON out), GET /__admin/<name> views,
// and DELETE /__admin/<name>/<rest> removals (rest in, JSON out).
struct AdminExtensions {
  std::map<std::string, AdminAction> actions;
  std::map<std::string, std::function<std::string()>> views;
  std::map<std::string, std::function<Result<std::string>(const std::string& rest)>> deletes;
};

struct AdminHooks {
  std::string token;
  std::string service;  // "salesforce", "hubspot": named by the health answer
  const Clock* clock = nullptr;
  ManualClock* manual_clock = nullptr;  // nullptr: wall time, the clock cannot be moved
  // The fake's journal (it may change across resets).
  std::function<Journal&()> journal;
  // Adds the fake's quota figures to the journal's answer ({"api_usage":N}).
  std::function<void(nlohmann::json&)> usage;
  // Who a request names, for calls the gate answers before the API sees
  // them (a Salesforce session's user, a HubSpot token); may be empty.
  std::function<std::string(const Request&)> principal;
  std::function<Status()> reset;
  // Applies a JSON object of limit settings; returns the settings now in
  // force as JSON text, or an Error for a bad body.
  std::function<Result<std::string>(const std::string& body)> limits;
  // Further routes the fake and its owner offer.
  AdminExtensions more;
  FaultHooks faults;  // optional
  // Optional: called around each call the API handles (not those a fault
  // answered first), e.g. to log the writes (env/replay.h).
  std::function<void()> call_start;
  std::function<void(const Request&, const Response&)> call_end;
};

// REQUIRES: every hook set but `faults` and `actions`; `target` returns the
// router to forward to (it may change across resets).
Router admin_front(AdminHooks hooks, const std::function<const Router&()>& target);

}  // namespace crmsim::env
