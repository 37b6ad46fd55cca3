#include "mocks/salesforce/not_emulated.h"

#include <string_view>

namespace crmsim::mocks::salesforce {
namespace {

struct Entry {
  std::string_view pattern;
  std::string_view note;
};

// From the REST API Developer Guide's resource list and the other API
// families an integration reaches from the same host. Whole families end in
// a wildcard; a single route of a served family is spelled out.
constexpr Entry kNotEmulated[] = {
    // REST API, /services/data/vXX.X/...
    {"/services/data/:version/actions/*rest", "invocable actions"},
    {"/services/data/:version/analytics/*rest", "Reports and Dashboards API"},
    {"/services/data/:version/appMenu/*rest", "app menu"},
    {"/services/data/:version/async-queries/*rest", "async SOQL"},
    {"/services/data/:version/chatter/*rest", "Connect REST API (Chatter)"},
    {"/services/data/:version/commerce/*rest", "B2B Commerce"},
    {"/services/data/:version/compactLayouts", "compact layouts"},
    {"/services/data/:version/composite/graph", "Composite Graph"},
    {"/services/data/:version/connect/*rest", "Connect REST API"},
    {"/services/data/:version/consent/*rest", "Consent API"},
    {"/services/data/:version/eclair/*rest", "Maps API"},
    {"/services/data/:version/graphql", "GraphQL API"},
    {"/services/data/:version/knowledgeManagement/*rest", "Knowledge"},
    {"/services/data/:version/licensing/*rest", "licensing"},
    {"/services/data/:version/localizedvalue/*rest", "localized values"},
    {"/services/data/:version/process/*rest", "approvals and process rules"},
    {"/services/data/:version/quickActions/*rest", "quick actions"},
    {"/services/data/:version/recent", "recently viewed items"},
    {"/services/data/:version/scheduling/*rest", "Salesforce Scheduler"},
    {"/services/data/:version/search/*rest", "search layouts, scope order and suggestions"},
    {"/services/data/:version/sobjects/:type/describe/*rest", "layouts and compact layouts"},
    {"/services/data/:version/sobjects/:type/listviews/*rest", "list views"},
    {"/services/data/:version/sobjects/:type/listviews", "list views"},
    {"/services/data/:version/sobjects/:type/quickActions/*rest", "quick actions"},
    {"/services/data/:version/sobjects/:type/quickActions", "quick actions"},
    {"/services/data/:version/sobjects/:type/:id/:relationship/*rest", "relationship traversal"},
    {"/services/data/:version/sobjects/:type/:id/richTextImageFields/*rest", "rich text images"},
    {"/services/data/:version/sobjects/User/:id/password", "user passwords"},
    {"/services/data/:version/sobjects/relevantItems", "relevant items"},
    {"/services/data/:version/support/*rest", "data categories and knowledge support"},
    {"/services/data/:version/tabs", "tabs"},
    {"/services/data/:version/theme", "themes"},
    {"/services/data/:version/tooling/*rest", "Tooling API"},
    {"/services/data/:version/ui-api/*rest", "User Interface API"},
    {"/services/data/:version/wave/*rest", "CRM Analytics REST API"},
    // Other API families on the same host.
    {"/services/apexrest/*rest", "Apex REST services of the org"},
    {"/services/async/:version/*rest", "Bulk API 1.0"},
    {"/services/Soap/c/:version", "Enterprise SOAP API"},
    {"/services/Soap/m/:version", "Metadata API"},
    {"/services/Soap/T/:version", "Tooling SOAP API"},
    {"/services/oauth2/authorize", "OAuth web-server and user-agent flows"},
    {"/services/oauth2/introspect", "OAuth token introspection"},
    {"/cometd/:version", "Streaming API (CometD)"},
};

}  // namespace

void add_routes_not_emulated(env::Router& router) {
  for (const Entry& e : kNotEmulated) router.add_not_emulated(e.pattern, std::string(e.note));
}

}  // namespace crmsim::mocks::salesforce
