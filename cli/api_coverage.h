// `crmsim api-coverage`: what the fakes serve, generated from their route
// tables so that docs/api-coverage.md cannot go stale. --check compares a
// file with what the command would write and fails when they differ (a
// ctest does so for the committed file).
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace crmsim::cli {

// The coverage page in Markdown, from the routes of a Salesforce org and a
// HubSpot portal built from the default descriptions.
std::string api_coverage_markdown();

void add_api_coverage_command(CLI::App& app, std::function<int()>& run);

}  // namespace crmsim::cli
