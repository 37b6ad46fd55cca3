#include "mocks/salesforce/sharing.h"

#include <algorithm>
#include <cctype>

#include "env/text.h"

namespace crmsim::mocks::salesforce {
namespace {

std::string lower(std::string_view s) { return env::ascii_lower(s); }

const ObjectPermissions kNoPermissions;

}  // namespace

std::string_view access_name(Access a) {
  switch (a) {
    case Access::kNone:
      return "none";
    case Access::kRead:
      return "read";
    case Access::kEdit:
      return "edit";
  }
  return "none";
}

const ObjectPermissions& Profile::permissions(std::string_view object) const {
  auto it = objects.find(lower(object));
  if (it != objects.end()) return it->second;
  // "Modify All Data" reaches objects created after the profile, as a
  // System Administrator's does for a new custom object.
  static constexpr ObjectPermissions kAll{true, true, true, true, true, true};
  return modify_all_data ? kAll : kNoPermissions;
}

Access Profile::field_access(std::string_view object, std::string_view field) const {
  if (fields.empty()) return Access::kEdit;
  std::string key = lower(object);
  key += '.';
  key += lower(field);
  auto it = fields.find(key);
  return it == fields.end() ? Access::kEdit : it->second;
}

Profile Profile::system_administrator(const Schema& schema) {
  Profile p;
  p.name = "System Administrator";
  p.view_all_data = true;
  p.modify_all_data = true;
  for (const ObjectDef* o : schema.objects()) {
    p.objects[lower(o->name)] = ObjectPermissions{true, true, true, true, true, true};
  }
  return p;
}

Profile Profile::standard_user(const Schema& schema) {
  Profile p;
  p.name = "Standard User";
  for (const ObjectDef* o : schema.objects()) {
    const bool is_user = o->name == "User";
    p.objects[lower(o->name)] = ObjectPermissions{!is_user, true, !is_user, !is_user, false, false};
  }
  return p;
}

Profile Profile::implicit_only(const Schema& schema) {
  Profile p;
  for (const ObjectDef* o : schema.objects()) {
    if (o->name == "User") p.objects[lower(o->name)] = ObjectPermissions{false, true, false, false, false, false};
    else if (!o->has_owner) p.objects[lower(o->name)] = ObjectPermissions{true, true, true, true, false, false};
  }
  return p;
}

void RoleTree::add(Role role) {
  std::string id = role.id;
  roles_[id] = std::move(role);
}

const Role* RoleTree::find(std::string_view id) const {
  auto it = roles_.find(std::string(id));
  return it == roles_.end() ? nullptr : &it->second;
}

bool RoleTree::is_above(std::string_view ancestor, std::string_view role) const {
  if (ancestor.empty() || role.empty()) return false;
  const Role* r = find(role);
  for (int depth = 0; r != nullptr && depth < kDepthMax; ++depth) {
    if (r->parent_id.empty()) return false;
    if (r->parent_id == ancestor) return true;
    r = find(r->parent_id);
  }
  return false;
}

}  // namespace crmsim::mocks::salesforce
