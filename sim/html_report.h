// The verdict as one self-contained page (`crmsim validate --html FILE`):
// no network, no script, no font or image to fetch; charts are inline SVG
// drawn here. Per run: the verdict and each invariant, the findings (cause
// and fix), every violation with its witness chain (the people's actions,
// the integration's calls and HubSpot's webhooks that touched its records,
// in time order), the figures, and charts over time: Salesforce calls per
// hour against the allocation and the rolling 24 hours, HubSpot calls and
// 429s, sync latency (distribution and over time), Sync Health by error
// family, lifecycle moves and the people's actions; then the replay
// command. A sweep opens with a table of its runs, each failing one linked
// to its section. Readable on a phone (one column under 700 px) and on
// paper (@media print).
#pragma once

#include <string>
#include <vector>

#include "sim/runner.h"

namespace crmsim::sim {

struct HtmlOptions {
  // Runs with a section of their own: every run of a sweep up to this
  // many, else only the failing ones up to this many (the table lists all).
  static constexpr size_t kSectionsMax = 50;
  // Steps shown per witness (the first few and the last ones).
  static constexpr size_t kChainStepsShown = 40;
  std::string title = "crmsim validate";
  std::string version;  // crmsim's, in the footer
};

// Every chart in a run's section carries data-chart="NAME" and
// data-points="N" (its plotted points); test hooks and readers rely on it.
std::string results_html(const std::vector<RunResult>& results, const HtmlOptions& options);

}  // namespace crmsim::sim
