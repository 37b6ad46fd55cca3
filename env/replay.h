// State that outlives a served fake's process, and named snapshots, by
// replay: a fake is its description plus the writes it accepted, and the
// fakes are deterministic given the time and their secrets. So a served
// fake logs each write it answered 2xx (as it arrived, at what time, and
// the secrets it drew while handling it: a session id a login issued) and
// gets its state back by building from the description and applying the
// same writes again, each at its own time with the same draws. A write
// whose status differs on replay stops it, naming the write: a state that
// came back different is refused, never served.
// Reads change nothing a client can see later (query cursors aside, which
// do not survive a restart), so they are not logged.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "env/admin_routes.h"
#include "env/clock.h"
#include "env/http_message.h"
#include "env/result.h"
#include "env/router.h"
#include "env/secrets.h"

namespace crmsim::env {

// A clock that reads another unless pinned to a time (a write's own, while
// it is replayed). Thread-safe.
class PinnableClock final : public Clock {
 public:
  explicit PinnableClock(const Clock& base) : base_(base) {}
  Timestamp now() const override {
    const int64_t pinned = pinned_ms_.load();
    return pinned != kUnpinned ? Timestamp::from_ms(pinned) : base_.now();
  }
  void sleep_until(Timestamp t) override { const_cast<Clock&>(base_).sleep_until(t); }
  void pin(Timestamp t) { pinned_ms_ = t.ms_since_epoch(); }
  void unpin() { pinned_ms_ = kUnpinned; }

 private:
  static constexpr int64_t kUnpinned = INT64_MIN;
  const Clock& base_;
  std::atomic<int64_t> pinned_ms_{kUnpinned};
};

// Secrets drawn from `inner` and written down per call, or, while a write
// is replayed, read back from what that write drew. Not thread-safe (used
// under the fake's lock).
class TapedSecrets final : public SecretSource {
 public:
  explicit TapedSecrets(std::unique_ptr<SecretSource> inner) : inner_(std::move(inner)) {}
  std::string hex(size_t bytes) override;
  // Starts a call's tape; draws() then holds what the call drew.
  void start_recording() {
    draws_.clear();
    replaying_ = false;
  }
  // Plays `draws` back; more draws than that mark the replay diverged.
  void start_replaying(std::vector<std::string> draws) {
    draws_ = std::move(draws);
    next_ = 0;
    replaying_ = true;
    overdrawn_ = false;
  }
  void stop() { replaying_ = false; }
  const std::vector<std::string>& draws() const { return draws_; }
  bool overdrawn() const { return overdrawn_; }

 private:
  std::unique_ptr<SecretSource> inner_;
  std::vector<std::string> draws_;
  size_t next_ = 0;
  bool replaying_ = false;
  bool overdrawn_ = false;
};

// A SecretSource that forwards to a TapedSecrets another owner keeps (the
// fake's API owns its SecretSource; the service keeps the tape across
// rebuilds).
std::unique_ptr<SecretSource> secrets_from(std::shared_ptr<TapedSecrets> tape);

// One write a fake accepted, as it arrived.
struct LoggedWrite {
  Timestamp at;
  Method method = Method::kPost;
  std::string target;  // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int status = 0;
  std::vector<std::string> draws;

  size_t bytes() const;
};
using Writes = std::vector<std::shared_ptr<const LoggedWrite>>;

// The JSON form in a state file: {"at":ms,"method","target","headers":[[n,v]],
// "body" (or "body_hex" for bytes that are not UTF-8),"status","draws"}.
nlohmann::json write_to_json(const LoggedWrite& w);
Result<LoggedWrite> write_from_json(const nlohmann::json& j, const std::string& where);

// The writes of one served fake since its last reset, and its named
// snapshots (each a prefix of writes, shared, not copied).
class WriteRecorder {
 public:
  // What the log may hold, in request bytes: past it, writes are no longer
  // logged and the state can no longer be saved or snapshotted (an error
  // says so); a reset empties it.
  static constexpr size_t kLogBytesMax = 256u << 20;
  static constexpr size_t kSnapshotsMax = 100;
  static constexpr size_t kSnapshotNameMax = 64;

  WriteRecorder(PinnableClock& clock, std::shared_ptr<TapedSecrets> tape)
      : clock_(clock), tape_(std::move(tape)) {}

  // Around each API call the fake serves (AdminHooks::call_start/call_end).
  void call_start();
  void call_end(const Request& request, const Response& response);

  const Writes& writes() const { return writes_; }
  // Error "log_full" once the log overflowed since the last reset.
  Status check_complete() const;
  void clear();
  // Replaces the log (a restore, a state file).
  void adopt(Writes writes);

  // Applies `writes` to `target` in order, each at its own time and with
  // its own draws; logs nothing. Error "diverged" names the first write
  // whose status differs (or that drew more secrets than it did).
  Status replay(const Router& target, const Writes& writes);

  // Named snapshots: the log as it is now.
  Status snapshot(const std::string& name);
  Result<Writes> snapshot_writes(const std::string& name) const;
  std::vector<std::pair<std::string, size_t>> snapshots() const;  // name, writes

 private:
  PinnableClock& clock_;
  std::shared_ptr<TapedSecrets> tape_;
  Writes writes_;
  size_t bytes_ = 0;
  bool overflowed_ = false;
  bool replaying_ = false;
  Timestamp started_at_;
  std::map<std::string, Writes> snapshots_;
};

// Puts a recorder on a served fake's admin front: each call it serves is
// logged (AdminHooks::call_start and call_end), a reset empties the log
// and then runs `rebuild`, and these routes are added:
//   POST /__admin/snapshot {"name":"clean"}   takes a snapshot
//   POST /__admin/restore  {"name":"clean"}   `restore`s the snapshot's writes
//   GET  /__admin/snapshots                   lists them
// REQUIRES: the recorder outlives the hooks.
void attach(WriteRecorder& recorder, AdminHooks& hooks, std::function<Status()> rebuild,
            std::function<Status(const Writes& writes)> restore);

// A state's "writes" list in its JSON form, and back; an error names
// `where` and the entry.
nlohmann::json writes_to_json(const Writes& writes);
Result<Writes> writes_from_json(const nlohmann::json& list, const std::string& where);

}  // namespace crmsim::env
