#include "harness/judge.h"

#include <exception>

namespace dirprobe {

std::string_view outcome_name(Outcome outcome) {
  static constexpr std::string_view kNames[] = {"pass", "fail", "skip", "stalled", "crash"};
  return kNames[static_cast<int>(outcome)];
}

CaseResult judge(const CaseSpec& spec, CaseRun run) {
  CaseResult r{spec, std::move(run), {}, Outcome::kPass, ""};
  r.invariants = evaluate_invariants(spec, r.run);
  std::string violated;
  for (auto inv : kAllInvariants) {
    const auto& res = result_of(r.invariants, inv);
    if (res.verdict != Verdict::kViolated || !spec.asserted.contains(inv)) continue;
    violated += std::string(violated.empty() ? "" : "; ") + std::string(invariant_name(inv)) +
                " violated: " + (res.counterexample ? res.counterexample->what : res.note);
  }
  if (r.run.end == RunEnd::kStalled || r.run.end == RunEnd::kBudget) {
    r.outcome = Outcome::kStalled;
    r.reason = r.run.end_reason + (violated.empty() ? "" : "; " + violated);
  } else if (!violated.empty()) {
    r.outcome = Outcome::kFail;
    r.reason = violated;
  } else if (r.run.end == RunEnd::kFatal && r.run.hard_faults == 0) {
    r.outcome = Outcome::kFail;
    r.reason = "unexpected error: " + r.run.end_reason;
  } else if (r.run.end == RunEnd::kCompleted && r.run.hard_faults > 0) {
    r.outcome = Outcome::kFail;
    r.reason = "a hard transport fault was injected but the case completed without an error";
  }
  return r;
}

CaseResult run_and_judge(const CaseSpec& spec) {
  try {
    return judge(spec, run_case(spec));
  } catch (const SkipCase& e) {
    CaseResult r{spec, {}, {}, Outcome::kSkip, e.what()};
    r.run.end = RunEnd::kCompleted;
    r.run.end_reason = std::string("skipped: ") + e.what();
    return r;
  } catch (const std::exception& e) {
    CaseResult r{spec, {}, {}, Outcome::kFail, std::string("setup failed: ") + e.what()};
    r.run.end = RunEnd::kFatal;
    r.run.end_reason = r.reason;
    return r;
  }
}

std::string replay_command(const CaseSpec& spec) {
  return "dirprobe run --case '" + spec.id() + "' --trace";
}

}  // namespace dirprobe
