// Who may see and edit what in the fake org: profiles (object permissions,
// View All / Modify All, View All Data / Modify All Data), roles in a
// hierarchy, organization-wide defaults per object and criteria-based
// sharing rules. Org::access() combines them into one decision per (user,
// record); every route and every query goes through it. This header holds
// the declarations and the role-hierarchy arithmetic.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mocks/salesforce/schema.h"
#include "mocks/salesforce/soql.h"

namespace crmsim::mocks::salesforce {

enum class Access { kNone = 0, kRead = 1, kEdit = 2 };

std::string_view access_name(Access a);

struct ObjectPermissions {
  bool create = false;
  bool read = false;
  bool edit = false;
  bool remove = false;
  bool view_all = false;
  bool modify_all = false;
};

struct Profile {
  std::string id;  // 00e...
  std::string name;
  bool view_all_data = false;
  bool modify_all_data = false;
  bool api_enabled = true;
  // Keyed by lower-case object name; an object not listed has no access.
  std::map<std::string, ObjectPermissions> objects;
  // Field-level security, keyed by lower-case "object.field": what the
  // profile gives on the field (kNone: hidden, absent from describe and
  // SOQL; kRead: read-only). A field not listed is readable and editable,
  // as in a profile that lists only its restrictions.
  std::map<std::string, Access> fields;
  // The record type a record this profile's users create gets when the
  // write names none: lower-case object -> record type id.
  std::map<std::string, std::string> default_record_types;

  const ObjectPermissions& permissions(std::string_view object) const;
  Access field_access(std::string_view object, std::string_view field) const;

  // "System Administrator": everything. "Standard User": create, read and
  // edit on every object (delete on all but User), no View All.
  static Profile system_administrator(const Schema& schema);
  static Profile standard_user(const Schema& schema);
  // The base of a profile read from metadata, which lists its object
  // permissions: only what no profile lists, read on User and full access
  // to the detail objects whose access follows their parent's
  // (OpportunityContactRole, CampaignMember...).
  static Profile implicit_only(const Schema& schema);
};

struct Role {
  std::string id;  // 00E...
  std::string name;
  std::string parent_id;  // empty at the top
};

// A criteria-based rule shares the records that meet its criteria; an
// owner-based rule the records owned by users in a role (and, if set, the
// roles below it). Either shares with a role (and those above it, through
// the hierarchy), the roles below it when include_subordinates is set, or
// every internal user (role_id kAllInternalUsers).
struct SharingRule {
  static constexpr std::string_view kAllInternalUsers = "AllInternalUsers";
  std::string name;
  std::string object;  // canonical object name
  std::string criteria_text;          // "" for an owner-based rule
  Condition criteria;
  std::string owner_role_id;          // owner-based: records owned in this role...
  bool owner_subordinates = false;    // ...or in the roles below it
  std::string role_id;                // shared with this role...
  bool include_subordinates = false;  // ...and, if set, the roles below it
  Access access = Access::kRead;
};

// The role hierarchy. Bounded depth guards against cycles in input.
class RoleTree {
 public:
  static constexpr int kDepthMax = 64;

  void add(Role role);
  const Role* find(std::string_view id) const;
  // True when `ancestor` is strictly above `role` in the hierarchy.
  bool is_above(std::string_view ancestor, std::string_view role) const;
  const std::map<std::string, Role>& roles() const { return roles_; }

 private:
  std::map<std::string, Role> roles_;
};

}  // namespace crmsim::mocks::salesforce
