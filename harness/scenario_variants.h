// The variants of a scenario: the product of its axes (protocols x roles x peers x transports
// x io x policies x retry x ciphers x faults x seeds), each a CaseSpec with a stable, readable
// id.
#pragma once

#include <vector>

#include "harness/case_spec.h"
#include "harness/scenario.h"

namespace dirprobe {

// Every variant of `scenario`, in a stable order (axes nested in the order above). Sweep
// points are not among them: the planner adds those.
std::vector<CaseSpec> expand(const Scenario& scenario);

}  // namespace dirprobe
