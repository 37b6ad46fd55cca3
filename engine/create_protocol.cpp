// SyncContext::create_in_salesforce and create_in_hubspot: the one
// create-behind-intent protocol of every object kind (sync_context.h).
#include "engine/sync_context.h"
#include "engine/sync_engine_parts.h"
#include "env/assert.h"

namespace crmsim::engine {

using detail::family_of;


template <typename Error>
void SyncContext::settle_creates(const std::vector<int64_t>& intents,
                                 const std::vector<CreateItem>& items,
                                 const WriteReport<Error>& report, const CreateHooks& hooks,
                                 const std::string& direction) {
  CRMSIM_ASSERT(report.outcomes.size() == items.size(), "an outcome per create");
  for (size_t i = 0; i < items.size(); ++i) {
    const WriteOutcome& out = report.outcomes[i];
    store.begin();
    switch (out.status) {
      case WriteStatus::kWritten:
        CRMSIM_ASSERT(!out.id.empty(), "a created record has an id");
        hooks.landed(i, out.id, intents[i]);
        if (!hooks.keeps_intent) store.remove_intent(intents[i]);
        clear_failure(items[i].key);
        break;
      case WriteStatus::kRefused:
      case WriteStatus::kNotFound:
        store.remove_intent(intents[i]);
        if (!hooks.refused || !hooks.refused(i, out))
          record_failure(items[i].key, direction, out.family.empty() ? "other" : out.family,
                         out.message);
        break;
      case WriteStatus::kUnknown:
        // It may exist: the intent stays, and recovery looks it up before
        // anything creates it again.
        break;
      case WriteStatus::kNotSent:
        store.remove_intent(intents[i]);
        if (hooks.not_sent) {
          hooks.not_sent(i);
        } else {
          queue_retry(items[i].key, direction,
                      report.stopped ? family_of(*report.stopped) : std::string("other"),
                      out.message.empty() ? "not created yet: the sync paused" : out.message);
        }
        break;
    }
    store.commit();
  }
}

Pause SyncContext::create_in_salesforce(const IntentKind& intent_kind, const std::string& object,
                                        const std::vector<CreateItem>& items,
                                        const CreateHooks& hooks, bool read_back) {
  CRMSIM_ASSERT(intent_kind.side == IntentKind::Side::kInSalesforce, "a Salesforce create");
  CRMSIM_ASSERT(static_cast<bool>(hooks.landed), "a create says what landing means");
  if (items.empty()) return Pause::kNone;
  std::vector<int64_t> intents;
  std::vector<SfFields> creates;
  store.begin();
  for (const CreateItem& item : items) {
    intents.push_back(store.add_intent(
        Intent{0, intent_kind, item.hs_id, object, item.sf_id, item.lookup, clock.now()}));
    creates.push_back(item.values);
  }
  store.commit();
  // No transaction is open across the call: the intents are durable.
  auto report = salesforce_writer().create(object, creates, read_back);
  settle_creates(intents, items, report, hooks, "to_salesforce");
  if (report.stopped) return salesforce_failed(*report.stopped);
  return Pause::kNone;
}

Pause SyncContext::create_in_hubspot(const IntentKind& intent_kind, const std::string& type,
                                     const std::string& sf_object,
                                     const std::vector<CreateItem>& items,
                                     const CreateHooks& hooks) {
  CRMSIM_ASSERT(intent_kind.side == IntentKind::Side::kInHubSpot, "a HubSpot create");
  CRMSIM_ASSERT(static_cast<bool>(hooks.landed), "a create says what landing means");
  if (items.empty()) return Pause::kNone;
  std::vector<int64_t> intents;
  std::vector<HsProps> creates;
  store.begin();
  for (const CreateItem& item : items) {
    intents.push_back(store.add_intent(
        Intent{0, intent_kind, item.hs_id, sf_object, item.sf_id, item.lookup, clock.now()}));
    creates.push_back(item.values);
  }
  store.commit();
  auto report = hubspot_writer().create(type, creates);
  settle_creates(intents, items, report, hooks, "to_hubspot");
  if (report.stopped) return hubspot_failed(*report.stopped);
  return Pause::kNone;
}

}  // namespace crmsim::engine
