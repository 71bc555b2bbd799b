// The planner: every case a scenario runs. It sits above the driver: the product of the
// scenario's axes (scenario_variants.h), then, for a swept scenario, one case per sweep action
// and per push or pull that each clean variant's run made. Counting those runs the clean cases,
// so the counts are kept in the plan cache (plan_cache.h): a warm plan runs no TLS.
#pragma once

#include <cstddef>
#include <filesystem>
#include <vector>

#include "harness/case_spec.h"
#include "harness/catalog.h"

namespace dirprobe {

struct PlanOptions {
  bool use_cache = true;
  std::filesystem::path cache_root;  // the cache's entries are under <cache_root>/plans
  // The cache under cache_root(), off when DIRPROBE_NO_PLAN_CACHE is set to anything but 0.
  static PlanOptions from_environment();
};

struct Plan {
  std::vector<CaseSpec> cases;  // expand(scenario), then the sweep points of each clean variant
  bool from_cache = false;      // the counts of the clean runs came from the cache
  std::size_t clean_runs = 0;   // clean cases run to count them
};

// Plans one scenario; a clean case that cannot even be set up throws, as run_case does.
Plan plan_scenario(const Scenario& scenario,
                   const PlanOptions& options = PlanOptions::from_environment());

// Every case of every scenario, scenario by scenario.
std::vector<CaseSpec> plan_catalog(const Catalog& catalog,
                                   const PlanOptions& options = PlanOptions::from_environment());

}  // namespace dirprobe
