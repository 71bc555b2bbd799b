// Runs a list of cases in worker processes so that a crash or a hang inside a library call is
// a recorded outcome ("crash", or "stalled" past the time limit) instead of the end of the run.
// A worker runs cases one after another and streams each record back; when it dies, a new
// worker continues with the next case.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "harness/case_spec.h"

namespace dirprobe {

struct RunnerOptions {
  bool isolate = true;          // false: run in this process (no crash protection)
  int case_timeout_ms = 20000;  // wall-clock safety net for a call that never returns
  // Called after each case with its index and record, which it may amend (e.g. with the
  // known deviations that explain it) before it is stored.
  std::function<void(std::size_t, nlohmann::json&)> on_case;
};

std::vector<nlohmann::json> run_cases(const std::vector<CaseSpec>& specs,
                                      const RunnerOptions& options);

}  // namespace dirprobe
