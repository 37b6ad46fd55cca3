#include "mocks/hubspot/associations.h"

#include <algorithm>

namespace crmsim::mocks::hubspot {
namespace {

struct Row {
  std::string_view from, to;
  int id;
  int inverse;
  std::string_view label;
};

// From HubSpot's association type id table: each row and its inverse.
constexpr Row kRows[] = {
    {"contacts", "companies", 279, 280, ""},
    {"contacts", "companies", 1, 2, "Primary"},
    {"deals", "contacts", 3, 4, ""},
    {"deals", "companies", 341, 342, ""},
    {"deals", "companies", 5, 6, "Primary"},
    {"contacts", "tickets", 15, 16, ""},
    {"tickets", "companies", 339, 340, ""},
    {"tickets", "companies", 26, 25, "Primary"},
    {"tickets", "deals", 28, 27, ""},
    {"contacts", "contacts", 449, 449, ""},
    {"deals", "line_items", 19, 20, ""},
    {"notes", "contacts", 202, 201, ""},
    {"notes", "companies", 190, 189, ""},
    {"notes", "deals", 214, 213, ""},
    {"notes", "tickets", 228, 227, ""},
    {"calls", "contacts", 194, 193, ""},
    {"calls", "companies", 182, 181, ""},
    {"calls", "deals", 206, 205, ""},
    {"calls", "tickets", 220, 219, ""},
    {"emails", "contacts", 198, 197, ""},
    {"emails", "companies", 186, 185, ""},
    {"emails", "deals", 210, 209, ""},
    {"emails", "tickets", 224, 223, ""},
    {"meetings", "contacts", 200, 199, ""},
    {"meetings", "companies", 188, 187, ""},
    {"meetings", "deals", 212, 211, ""},
    {"meetings", "tickets", 226, 225, ""},
    {"tasks", "contacts", 204, 203, ""},
    {"tasks", "companies", 192, 191, ""},
    {"tasks", "deals", 216, 215, ""},
    {"tasks", "tickets", 230, 229, ""},
};

}  // namespace

std::vector<AssociationDefinition> hubspot_defined_associations(std::string_view from,
                                                                std::string_view to) {
  std::vector<AssociationDefinition> out;
  for (const Row& r : kRows) {
    if (r.from == from && r.to == to)
      out.push_back({r.id, false, std::string(r.label), "", r.inverse});
    if (r.to == from && r.from == to && r.id != r.inverse)
      out.push_back({r.inverse, false, std::string(r.label), "", r.id});
  }
  // The unlabelled default first.
  std::stable_partition(out.begin(), out.end(),
                        [](const AssociationDefinition& d) { return d.label.empty(); });
  return out;
}

int hubspot_defined_inverse(int type_id) {
  for (const Row& r : kRows) {
    if (r.id == type_id) return r.inverse;
    if (r.inverse == type_id) return r.id;
  }
  return 0;
}

}  // namespace crmsim::mocks::hubspot
