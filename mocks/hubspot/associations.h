// Association types (v4) between object types: HubSpot's own, as its
// association type table documents them (contact -> company 279, its
// Primary 1, note -> contact 202, ...), and the labels a portal defines.
// Every type has an inverse, the same association seen from the other side.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace crmsim::mocks::hubspot {

struct AssociationDefinition {
  int type_id = 0;
  bool user_defined = false;  // USER_DEFINED; HUBSPOT_DEFINED otherwise
  std::string label;          // "" for an unlabelled type (null on the wire)
  std::string name;           // a user-defined label's internal name
  int inverse = 0;            // the type id of the other side
};

// HubSpot's own definitions from `from` to `to` (plural standard names),
// the unlabelled default first; none for pairs it does not define.
std::vector<AssociationDefinition> hubspot_defined_associations(std::string_view from,
                                                                std::string_view to);

// The inverse of a HubSpot-defined type id; 0 when it is not one.
int hubspot_defined_inverse(int type_id);

// User-defined labels get type ids from here up, two at a time.
inline constexpr int kUserDefinedTypeIdFirst = 1000;
// Labels a portal may define between one pair of object types.
inline constexpr size_t kAssociationLabelsPerPairMax = 50;
// A label's length in characters.
inline constexpr size_t kAssociationLabelLengthMax = 100;

}  // namespace crmsim::mocks::hubspot
