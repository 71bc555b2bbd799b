// The judgement of one case: its outcome, derived from how the run ended and the verdicts of
// the invariants the case asserts.
#pragma once

#include <string>

#include "harness/case_spec.h"
#include "harness/driver.h"
#include "harness/invariants.h"

namespace dirprobe {

enum class Outcome : std::uint8_t { kPass, kFail, kSkip, kStalled, kCrash };
std::string_view outcome_name(Outcome outcome);  // "pass", "fail", ...

struct CaseResult {
  CaseSpec spec;
  CaseRun run;
  InvariantResults invariants;
  Outcome outcome = Outcome::kPass;
  std::string reason;  // why it did not pass (empty on pass)
};

// pass: completed (or ended by the error a hard fault must cause) with no asserted invariant
// violated; stalled: no progress or budget exhausted; fail: an asserted invariant violated, or
// an error no fault explains.
CaseResult judge(const CaseSpec& spec, CaseRun run);

// Runs and judges; a case that cannot be set up is a fail with the setup error as reason.
CaseResult run_and_judge(const CaseSpec& spec);

// The command that replays one case.
std::string replay_command(const CaseSpec& spec);

}  // namespace dirprobe
