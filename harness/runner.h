// Runs a list of cases in worker processes so that a crash or a hang inside a library call is
// a recorded outcome ("crash", or "stalled" past the time limit) instead of the end of the run.
// `jobs` workers run side by side; each runs one case at a time, as the parent hands them out,
// and streams its record back. A worker that dies or hangs is replaced. Records are delivered
// in case order whatever the number of workers, so -j 1 and -j N give the same results.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

#include "harness/case_spec.h"
#include "harness/judge.h"

namespace dirprobe {

struct RunnerOptions {
  bool isolate = true;          // false: run in this process (no crash protection, one job)
  int jobs = 1;                 // worker processes
  int case_timeout_ms = 20000;  // wall-clock safety net for a call that never returns
  KnownDeviations known;        // what the judge consults
  // How many cases each premise group has in the whole plan (null: the selection holds every
  // group whole); see judge_premise_groups.
  const GroupSizes* group_sizes = nullptr;
  // Called once per case, in case order, with its index and record as the case judged it
  // (before the premise groups are judged: the records run_cases returns are final).
  std::function<void(std::size_t, const nlohmann::json&)> on_case;
  // What a worker does with one case (default: run, judge, write the record). Tests of the
  // runner replace it with one that aborts or hangs.
  std::function<nlohmann::json(const CaseSpec&, const KnownDeviations&)> run_one;
};

// Runs and judges every case, then judges the premise groups (judge_premise_groups).
std::vector<nlohmann::json> run_cases(const std::vector<CaseSpec>& specs,
                                      const RunnerOptions& options);

// The number of cores this process may use (sched_getaffinity), at least 1.
int available_cores();

}  // namespace dirprobe
