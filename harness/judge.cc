#include "harness/judge.h"

#include <exception>
#include <map>
#include <set>

#include "harness/openssl_random.h"

namespace dirprobe {

std::string violations_text(const CaseSpec& spec, const InvariantResults& invariants) {
  std::string out;
  for (auto inv : kAllInvariants) {
    const auto& res = result_of(invariants, inv);
    if (res.verdict != Verdict::kViolated || !spec.asserted.contains(inv)) continue;
    out += std::string(out.empty() ? "" : "; ") + std::string(invariant_name(inv)) +
           " violated: " + (res.counterexample ? res.counterexample->what : res.note);
  }
  return out;
}

std::string violations_text(const CaseResult& r) { return violations_text(r.spec, r.invariants); }

namespace {

// A planned sweep point whose one fault was never injected: the run never reached the
// operation the plan counted (a stale plan), so the case exercised nothing. It fails, and no
// expectation excuses it.
void fail_unreached_sweep_point(CaseResult& r) {
  if (!r.spec.sweep_point || r.run.faults_injected > 0) return;
  bool push = r.spec.fault_plan.starts_with("push");
  std::size_t made = 0;
  for (const auto& event : r.run.subject_trace)
    made += !event.poll && (event.op == IoOp::kPush) == push;
  std::string stale = "sweep point " + r.spec.fault_plan.substr(0, r.spec.fault_plan.find('=')) +
                      " was never reached (the run made " + std::to_string(made) +
                      (push ? " pushes" : " pulls") + "): stale plan";
  r.outcome = r.raw_outcome = Outcome::kFail;
  r.reason = stale + (r.reason.empty() ? "" : "; " + r.reason);
}

// The raw outcome and its reason, before the expectations are consulted.
void decide(CaseResult& r) {
  std::string violated = violations_text(r.spec, r.invariants);
  r.outcome = raw_outcome_of(r.run.end, !violated.empty(), r.run.hard_faults);
  if (r.outcome == Outcome::kStalled)
    r.reason = r.run.end_reason + (violated.empty() ? "" : "; " + violated);
  else if (!violated.empty())
    r.reason = violated;
  else if (r.run.end == RunEnd::kFatal)
    r.reason = "unexpected error: " + r.run.end_reason;
  else if (r.outcome == Outcome::kFail)
    r.reason = "a hard transport fault was injected but the case completed without an error";
}

CaseResult result_for(const CaseSpec& spec, Outcome outcome, std::string reason) {
  CaseResult r;
  r.spec = spec;
  r.outcome = r.raw_outcome = outcome;
  r.reason = std::move(reason);
  return r;
}

// Whether the case met its premises; a case ended by an error or cut off before the event is
// "cut", not "unmet".
void judge_premises(CaseResult& r) {
  r.events = count_events(r.run);
  if (r.spec.premises.empty()) return;
  r.premise_unmet = unmet_premises(r.spec.premises, r.events);
  if (r.premise_unmet.empty())
    r.premise = PremiseStatus::kMet;
  else
    r.premise = r.run.end == RunEnd::kCompleted ? PremiseStatus::kUnmet : PremiseStatus::kCut;
}

std::size_t count_stale_directions(const CaseRun& run) {
  std::size_t stale = 0;
  for (const CallRecord& c : run.calls) {
    if (c.side != Side::kSubject || c.out.status != Status::kOk || !run.subject_traced) continue;
    if (truncated(run.subject_trace, c.io, run.subject_trace_dropped)) continue;
    for (std::size_t i = c.io.end; i > c.io.begin; --i) {
      const IoEvent& e = run.subject_trace[i - 1];
      if (e.poll) continue;
      stale += c.out.direction != (e.op == IoOp::kPush ? 1 : 0);
      break;
    }
  }
  return stale;
}

}  // namespace

std::string premise_group_of(const CaseSpec& spec) { return spec.scenario + "/" + spec.variant; }

GroupSizes premise_group_sizes(const std::vector<CaseSpec>& plan) {
  GroupSizes sizes;
  for (const auto& spec : plan) ++sizes[premise_group_of(spec)];
  return sizes;
}

void judge_premise_groups(const std::vector<CaseSpec>& specs, std::vector<nlohmann::json>& records,
                          const KnownDeviations& known, const GroupSizes* group_sizes) {
  // Per group: some case met the premises; some case ran its course without meeting them.
  std::map<std::string, std::pair<bool, bool>> groups;
  GroupSizes selected;
  auto group = [&](std::size_t i) { return premise_group_of(specs[i]); };
  for (std::size_t i = 0; i < specs.size(); ++i) {
    ++selected[group(i)];
    auto& [met, unmet] = groups[group(i)];
    std::string premise = records[i].value("premise", "");
    met = met || premise == "met";
    unmet = unmet || premise == "unmet";
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    nlohmann::json& j = records[i];
    auto [met, unmet] = groups[group(i)];
    if (group_sizes != nullptr) {
      auto whole = group_sizes->find(group(i));
      if (whole != group_sizes->end() && whole->second != selected[group(i)]) continue;
    }
    std::string outcome = j.value("outcome", "");
    // A group whose every case ended early (an error, a lost worker) says nothing either way;
    // failing cases keep their outcome.
    if (met || !unmet || (outcome != "pass" && outcome != "known")) continue;
    if (outcome == "pass") j["raw_outcome"] = outcome_name(Outcome::kVacuous);
    j["outcome"] = outcome_name(Outcome::kVacuous);
    std::string why = "no case of " + group(i) + " met the premises (" +
                      j.value("premise_unmet", "") + ")";
    j["reason"] = j.contains("reason") ? why + "; " + j["reason"].get<std::string>() : why;
    if (known.expectations == nullptr) continue;
    std::string id = specs[i].id();
    for (const Expectation& e : known.expectations->entries) {
      if (!e.applies(id, known.gnutls) || !e.explains("outcome vacuous")) continue;
      j["outcome"] = outcome_name(Outcome::kKnown);
      j["expected"].push_back(e.where);
    }
  }
}

Outcome raw_outcome_of(RunEnd end, bool violated, std::size_t hard_faults) {
  if (end == RunEnd::kStalled || end == RunEnd::kBudget) return Outcome::kStalled;
  if (violated) return Outcome::kFail;
  if (end == RunEnd::kFatal && hard_faults == 0) return Outcome::kFail;
  if (end == RunEnd::kCompleted && hard_faults > 0) return Outcome::kFail;
  return Outcome::kPass;
}

void apply_known(CaseResult& r, const KnownDeviations& known) {
  r.raw_outcome = r.outcome;
  if (known.expectations == nullptr || r.outcome == Outcome::kSkip) return;
  auto deviations = deviations_of(r);
  std::set<std::string> explained;
  std::string id = r.spec.id();
  for (const Expectation& e : known.expectations->entries) {
    if (!e.applies(id, known.gnutls)) continue;
    if (!e.error.empty() && r.run.end_reason.find(e.error) == std::string::npos) continue;
    bool observed = false;
    for (const auto& dev : deviations) {
      if (!e.explains(dev)) continue;
      explained.insert(dev);
      observed = true;
    }
    if (observed) r.explained_by.push_back(&e);
  }
  if (is_failure(r.outcome) && explained.size() == deviations.size()) r.outcome = Outcome::kKnown;
}

std::vector<std::string> deviations_of(const CaseResult& r) {
  std::vector<std::string> out;
  for (auto inv : kAllInvariants) {
    const auto& res = result_of(r.invariants, inv);
    if (!r.spec.asserted.contains(inv) || res.verdict != Verdict::kViolated) continue;
    std::string name(invariant_name(inv));
    if (res.causes.empty()) out.push_back(name);
    for (const auto& cause : res.causes) out.push_back(name + ":" + cause);
  }
  // A failure that is not (only) an invariant: an error no fault explains, or a hard fault
  // that went unnoticed.
  bool error = (r.run.end == RunEnd::kFatal && r.run.hard_faults == 0) ||
               (r.run.end == RunEnd::kCompleted && r.run.hard_faults > 0);
  Outcome o = r.raw_outcome;
  if (o == Outcome::kStalled || o == Outcome::kCrash || (o == Outcome::kFail && (error || out.empty())))
    out.push_back("outcome " + std::string(outcome_name(o)));
  return out;
}

CaseResult judge(const CaseSpec& spec, CaseRun run, const KnownDeviations& known) {
  CaseResult r = result_for(spec, Outcome::kPass, "");
  r.run = std::move(run);
  r.wire = judge_case_wire(spec, r.run);
  r.invariants = evaluate_invariants(spec, r.run, r.wire);
  decide(r);
  apply_known(r, known);
  fail_unreached_sweep_point(r);
  judge_premises(r);
  r.stale_direction = count_stale_directions(r.run);
  return r;
}

CaseResult run_and_judge(const CaseSpec& spec, const KnownDeviations& known) {
  restart_openssl_random(seed_of(spec.id()));
  try {
    return judge(spec, run_case(spec), known);
  } catch (const SkipCase& e) {
    CaseResult r = result_for(spec, Outcome::kSkip, e.what());
    r.run.end = RunEnd::kCompleted;
    r.run.end_reason = std::string("skipped: ") + e.what();
    return r;
  } catch (const std::exception& e) {
    CaseResult r = result_for(spec, Outcome::kFail, std::string("setup failed: ") + e.what());
    r.run.end = RunEnd::kFatal;
    r.run.end_reason = r.reason;
    apply_known(r, known);
    return r;
  }
}

CaseResult judge_lost(const CaseSpec& spec, Outcome outcome, const std::string& why,
                      const KnownDeviations& known) {
  CaseResult r = result_for(spec, outcome, why);
  r.run.end = RunEnd::kFatal;
  r.run.end_reason = why;
  r.wire.why_not = why;
  r.invariants = evaluate_invariants(spec, r.run, r.wire);
  apply_known(r, known);
  return r;
}

std::string replay_command(const CaseSpec& spec) {
  return "dirprobe run --case '" + spec.id() + "' --trace";
}

}  // namespace dirprobe
