// HubSpot engagements -> Salesforce Tasks (seed 000: "Sync HubSpot
// activities to Salesforce"): calls, emails, meetings, notes and tasks
// modified since the sweep's watermark become (or update) Tasks on their
// first associated contact's lead or contact. Only what changed since the
// last sync is written; Salesforce's edits of a Task stay there.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/sync_context.h"

namespace crmsim::engine {

class ActivitySync {
 public:
  explicit ActivitySync(SyncContext& context) : c_(context) {}

  // Engagements of `type` ("calls", "notes", ...) modified since the last
  // sweep.
  Pause sweep_activities(const std::string& type);
  // Settles interrupted Task creates: found again by subject among the
  // integration user's creates.
  Pause recover(const std::vector<Intent>& intents);

 private:
  // Linked engagements' changed fields, one per Task, in order.
  struct TaskUpdates {
    std::vector<std::pair<std::string, SfFields>> tasks;  // Task id, changed fields
    std::vector<uint64_t> engagements;
  };
  // Each written Task remembers its fields; a refused or vanished one
  // waits in Sync Health; an unknown one is swept again.
  Pause update_tasks(const std::string& kind, const TaskUpdates& updates);
  Pause create_tasks(const std::string& kind, const std::vector<CreateItem>& creates);

  SyncContext& c_;
};

}  // namespace crmsim::engine
