#include "env/authorization.h"

#include "env/text.h"

namespace crmsim::env {

std::string authorization_credential(std::optional<std::string_view> header,
                                     std::initializer_list<std::string_view> schemes) {
  if (!header) return "";
  std::string_view h = *header;
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  const size_t space = h.find_first_of(" \t");
  if (space == std::string_view::npos) return "";
  const std::string_view scheme = h.substr(0, space);
  bool known = false;
  for (std::string_view s : schemes) known = known || iequals(scheme, s);
  if (!known) return "";
  std::string_view credential = h.substr(space);
  while (!credential.empty() && (credential.front() == ' ' || credential.front() == '\t'))
    credential.remove_prefix(1);
  while (!credential.empty() && (credential.back() == ' ' || credential.back() == '\t'))
    credential.remove_suffix(1);
  return std::string(credential);
}

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace crmsim::env
