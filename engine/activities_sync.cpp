#include "engine/activities_sync.h"

#include <optional>

#include "engine/sync_engine_parts.h"
#include "env/assert.h"

namespace crmsim::engine {

using namespace detail;  // NOLINT: the engine's shared names

namespace {

struct ActivityShape {
  const char* type;
  const char* subject;  // property, or nullptr for a fixed subject
  const char* body;
  const char* task_type;  // Salesforce Task Type
  const char* fixed_subject;
};

const ActivityShape* shape_of(const std::string& type) {
  static const ActivityShape kShapes[] = {
      {"calls", "hs_call_title", "hs_call_body", "Call", "Call"},
      {"emails", "hs_email_subject", "hs_email_text", "Email", "Email"},
      {"meetings", "hs_meeting_title", "hs_meeting_body", "Meeting", "Meeting"},
      {"notes", nullptr, "hs_note_body", "Other", "Note"},
      {"tasks", "hs_task_subject", "hs_task_body", "Other", "Task"}};
  for (const auto& s : kShapes)
    if (type == s.type) return &s;
  return nullptr;
}

// A Task's fields from engagement `e` of `type`.
SfFields task_fields(const ActivityShape& shape, const std::string& type, const HsRecord& e) {
  SfFields fields;
  fields["Subject"] = shape.subject != nullptr && !e.get(shape.subject).empty()
                          ? e.get(shape.subject)
                          : shape.fixed_subject;
  fields["Description"] = e.get(shape.body);
  fields["Type"] = shape.task_type;
  fields["Status"] =
      type == "tasks" && e.get("hs_task_status") != "COMPLETED" ? "Not Started" : "Completed";
  fields["ActivityDate"] = as_date(e.get("hs_timestamp"));
  return fields;
}

}  // namespace

Pause ActivitySync::sweep_activities(const std::string& type) {
  const ActivityShape* shape = shape_of(type);
  if (shape == nullptr || !c_.store.any_contact_link()) return Pause::kNone;
  const std::string kind = "activity:" + type;
  std::vector<std::string> props = {"hs_timestamp", "hs_lastmodifieddate", shape->body};
  if (shape->subject != nullptr) props.push_back(shape->subject);
  if (type == "tasks") props.push_back("hs_task_status");
  return c_.sweep_pages(sweep_mark(type), type, props, [&](std::vector<HsRecord>& page) -> Pause {
    TaskUpdates updates;
    std::vector<CreateItem> creates;
    for (const auto& e : page) {
      SfFields fields = task_fields(*shape, type, e);
      if (auto link = c_.store.link_by_hubspot(e.id, kind)) {
        // Only what changed since the last sync is written.
        const auto last = c_.store.synced_values(e.id, kind);
        SfFields changed;
        for (const auto& [f, v] : fields)
          if (auto it = last.find(f); it == last.end() || it->second != v) changed[f] = v;
        if (changed.empty()) continue;
        updates.tasks.emplace_back(link->sf_id, std::move(changed));
        updates.engagements.push_back(e.id);
        continue;
      }
      // A new engagement: on its first contact that syncs.
      auto contacts = c_.hubspot.associated(type, e.id, kContacts);
      if (!contacts) return c_.hubspot_failed(contacts.error());
      std::optional<Link> who;
      for (uint64_t c : *contacts)
        if (!who) who = c_.store.link_by_hubspot(c);
      if (!who) continue;  // retried when the engagement changes again
      fields["WhoId"] = who->sf_id;
      CreateItem item;
      item.hs_id = e.id;
      item.key = HealthKey::hubspot(kind, e.id);
      for (const auto& [f, v] : fields)
        if (!v.empty()) item.values[f] = v;
      item.lookup = item.values["Subject"];
      creates.push_back(std::move(item));
    }
    if (auto p = update_tasks(kind, updates); p != Pause::kNone) return p;
    return create_tasks(kind, creates);
  });
}

Pause ActivitySync::update_tasks(const std::string& kind, const TaskUpdates& updates) {
  CRMSIM_ASSERT(updates.tasks.size() == updates.engagements.size(), "one engagement per task");
  auto report = c_.salesforce_writer().update("Task", updates.tasks);
  c_.store.begin();
  for (size_t i = 0; i < updates.tasks.size(); ++i) {
    const WriteOutcome& o = report.outcomes[i];
    const uint64_t engagement = updates.engagements[i];
    const HealthKey key = HealthKey::hubspot(kind, engagement);
    switch (o.status) {
      case WriteStatus::kWritten:
        c_.store.put_synced_values(engagement, updates.tasks[i].second, kind);
        c_.clear_failure(key);
        break;
      case WriteStatus::kRefused:
      case WriteStatus::kNotFound:
        c_.record_failure(key, "to_salesforce", o.family.empty() ? "permissions" : o.family,
                          o.message);
        break;
      case WriteStatus::kUnknown:
      case WriteStatus::kNotSent:
        break;  // the page is swept again
    }
  }
  c_.store.commit();
  if (report.stopped) return c_.salesforce_failed(*report.stopped);
  return Pause::kNone;
}

Pause ActivitySync::create_tasks(const std::string& kind, const std::vector<CreateItem>& creates) {
  CreateHooks hooks;
  hooks.landed = [&](size_t i, const std::string& id, int64_t) {
    c_.save_link(Link{creates[i].hs_id, "Task", id, kind}, creates[i].values);
    ++c_.stats.salesforce_task_creates;
  };
  // Not created: the sweep reads the page again.
  hooks.not_sent = [](size_t) {};
  return c_.create_in_salesforce(IntentKind::in_salesforce(kind), "Task", creates, hooks);
}

Pause ActivitySync::recover(const std::vector<Intent>& intents) {
  for (const auto& i : intents) {
    // An intent of an earlier version kept its link kind in sf_id.
    const std::string kind = i.kind.link_kind == "activity" ? i.sf_id : i.kind.link_kind;
    CRMSIM_ASSERT(kind.starts_with("activity"), "an activity intent");
    auto id = c_.find_own_created("Task", "Subject", i.lookup, i.created_at);
    if (!id) return c_.salesforce_failed(id.error());
    c_.relink_intent(
        i, id->empty() ? std::nullopt : std::optional<Link>(Link{i.hs_id, "Task", *id, kind}));
  }
  return Pause::kNone;
}

}  // namespace crmsim::engine
