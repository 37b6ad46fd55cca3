#include "engine/keys.h"

#include <charconv>

#include "env/assert.h"

namespace crmsim::engine {

namespace {

std::optional<uint64_t> parse_id(std::string_view s) {
  uint64_t id = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return id;
}

}  // namespace

HealthKey HealthKey::hubspot(std::string_view link_kind, uint64_t id) {
  CRMSIM_ASSERT(!link_kind.empty(), "a HubSpot key names its link kind");
  HealthKey k;
  k.side = Side::kHubSpot;
  k.kind = std::string(link_kind);
  k.hs_id = id;
  return k;
}

HealthKey HealthKey::salesforce(std::string_view object, std::string_view id) {
  CRMSIM_ASSERT(!object.empty() && object.find(':') == std::string_view::npos,
                "a Salesforce key names its object");
  HealthKey k;
  k.side = Side::kSalesforce;
  k.object = std::string(object);
  k.sf_id = std::string(id);
  return k;
}

std::string HealthKey::text() const {
  if (side == Side::kHubSpot) return "hs:" + kind + ":" + std::to_string(hs_id);
  return "sf:" + object + ":" + sf_id;
}

std::optional<HealthKey> HealthKey::parse(std::string_view text) {
  if (text.starts_with("company:")) {  // before keys had one spelling
    auto id = parse_id(text.substr(8));
    if (!id) return std::nullopt;
    return hubspot("company", *id);
  }
  if (text.starts_with("hs:")) {
    const std::string_view rest = text.substr(3);
    const size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) {  // "hs:<id>": a contact, before
      auto id = parse_id(rest);
      if (!id) return std::nullopt;
      return hubspot("contact", *id);
    }
    auto id = parse_id(rest.substr(colon + 1));
    if (!id || colon == 0) return std::nullopt;
    return hubspot(rest.substr(0, colon), *id);
  }
  if (text.starts_with("sf:")) {
    const std::string_view rest = text.substr(3);
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size())
      return std::nullopt;
    return salesforce(rest.substr(0, colon), rest.substr(colon + 1));
  }
  return std::nullopt;
}

IntentKind IntentKind::in_salesforce(std::string_view link_kind) {
  CRMSIM_ASSERT(!link_kind.empty(), "an intent names its link kind");
  return IntentKind{Side::kInSalesforce, std::string(link_kind)};
}

IntentKind IntentKind::in_hubspot(std::string_view link_kind) {
  CRMSIM_ASSERT(!link_kind.empty(), "an intent names its link kind");
  return IntentKind{Side::kInHubSpot, std::string(link_kind)};
}

std::string IntentKind::text() const {
  return (side == Side::kInSalesforce ? "salesforce:" : "hubspot:") + link_kind;
}

std::optional<IntentKind> IntentKind::parse(std::string_view text) {
  struct Old {
    std::string_view text;
    Side side;
    std::string_view kind;
  };
  static constexpr Old kOld[] = {{"create_salesforce", Side::kInSalesforce, "contact"},
                                 {"create_hubspot", Side::kInHubSpot, "contact"},
                                 {"create_hubspot_company", Side::kInHubSpot, "company"},
                                 {"create_salesforce_account", Side::kInSalesforce, "company"},
                                 {"create_hubspot_deal", Side::kInHubSpot, "deal"},
                                 {"create_salesforce_task", Side::kInSalesforce, "activity"},
                                 {"create_salesforce_object", Side::kInSalesforce, "object"},
                                 {"create_hubspot_object", Side::kInHubSpot, "object"}};
  for (const Old& o : kOld)
    if (text == o.text) return IntentKind{o.side, std::string(o.kind)};
  for (const auto& [prefix, side] : {std::pair{std::string_view("salesforce:"), Side::kInSalesforce},
                                     std::pair{std::string_view("hubspot:"), Side::kInHubSpot}})
    if (text.starts_with(prefix) && text.size() > prefix.size())
      return IntentKind{side, std::string(text.substr(prefix.size()))};
  return std::nullopt;
}

std::string poll_mark(std::string_view object, std::string_view purpose) {
  return std::string(purpose.empty() ? "sf" : purpose) + ":" + std::string(object);
}

std::string sweep_mark(std::string_view name) { return "hs:" + std::string(name); }

std::string deleted_mark(std::string_view object) { return "deleted_ms:" + std::string(object); }

}  // namespace crmsim::engine
