#include "engine/pair_plan.h"

#include "engine/field_rules.h"
#include "env/assert.h"

namespace crmsim::engine {

namespace {

void plan_one_way(const FieldSides& f, const std::optional<std::string>& previous,
                  PairPlan& plan) {
  if (previous && same_value(f.property, *previous, f.hubspot)) return;
  if (same_value(f.property, f.hubspot, *f.salesforce)) {
    plan.synced_now[f.property] = f.hubspot;
    return;
  }
  if (f.hubspot.empty() && f.required) return;
  plan.to_salesforce[f.field] = f.hubspot;
  plan.synced_with_salesforce[f.property] = f.hubspot;
}

}  // namespace

PairPlan plan_pair(const std::vector<FieldSides>& fields,
                   const std::map<std::string, std::string>& last, bool hubspot_newer) {
  PairPlan plan;
  for (const FieldSides& f : fields) {
    CRMSIM_ASSERT(!f.property.empty() && !f.field.empty(), "a mapped field names both sides");
    if (f.rule == SyncRule::kDontSync || !f.salesforce) continue;
    std::optional<std::string> previous;
    if (auto it = last.find(f.property); it != last.end()) previous = it->second;
    if (f.one_way) {
      plan_one_way(f, previous, plan);
      continue;
    }
    FieldMapping mapping;
    mapping.hubspot = f.property;
    mapping.rule = f.rule;
    const FieldDecision d = decide_field(mapping, f.hubspot, *f.salesforce, previous, hubspot_newer);
    if (!d.synced) continue;
    if (d.to_hubspot) {
      if (same_value(f.property, f.for_hubspot, f.hubspot_stored)) {
        plan.synced_now[f.property] = *d.synced;
      } else {
        plan.to_hubspot[f.property] = f.for_hubspot;
        plan.synced_with_hubspot[f.property] = *d.synced;
      }
    } else if (d.to_salesforce) {
      if (d.to_salesforce->empty() && f.required) continue;
      plan.to_salesforce[f.field] = *d.to_salesforce;
      plan.synced_with_salesforce[f.property] = *d.synced;
    } else if (!previous || *previous != *d.synced) {
      plan.synced_now[f.property] = *d.synced;
    }
  }
  return plan;
}

}  // namespace crmsim::engine
