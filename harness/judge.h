// The judgement of one case: its outcome, derived from how the run ended, the verdicts of the
// invariants the case asserts and the known deviations of the GnuTLS version under test. The
// judge is the only place an outcome is decided; results files and reports carry it as is.
#pragma once

#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "harness/case_spec.h"
#include "harness/driver.h"
#include "harness/events.h"
#include "harness/expectations.h"
#include "harness/invariants.h"
#include "harness/vocabulary.h"

namespace dirprobe {

// The expectations a judge consults, read for one GnuTLS version. Without entries every
// deviation fails its case.
struct KnownDeviations {
  const Expectations* expectations = nullptr;
  Version gnutls;
};

struct CaseResult {
  CaseSpec spec;
  CaseRun run;
  InvariantResults invariants;
  Outcome outcome = Outcome::kPass;
  std::string reason;  // why it did not pass (empty on pass)
  // The outcome before the expectations were consulted: differs from `outcome` only when the
  // case is known.
  Outcome raw_outcome = Outcome::kPass;
  // The entries of the expectations that explain a deviation the case showed.
  std::vector<const Expectation*> explained_by;
  // Whether the case met its scenario's premises, and if not, which it missed.
  PremiseStatus premise = PremiseStatus::kNone;
  std::string premise_unmet;
  CaseEvents events;  // what happened on both sides (events.h)
  CaseWire wire;      // the connection as decoded from the wire (N1, W1, M2)
  // Successful subject calls whose direction is not that of their own last transport
  // operation (a recorded fact: the manual documents the direction only after E_AGAIN).
  std::size_t stale_direction = 0;
};

// "D2 violated: <first counterexample>; R1 violated: ...": the asserted invariants a case
// violated, in invariant order (a failing case's reason when nothing else went wrong).
std::string violations_text(const CaseSpec& spec, const InvariantResults& invariants);
std::string violations_text(const CaseResult& result);

// The deviations of a judged case: each asserted invariant it violated ("D2:<cause>" once per
// cause where the checker reports causes), and "outcome X" when it stalled, crashed, or ended
// with an error no injected fault explains.
std::vector<std::string> deviations_of(const CaseResult& result);

// The judge's table: the outcome of a run that ended `end`, with or without a violated
// asserted invariant, after `hard_faults` injected hard faults (before expectations).
Outcome raw_outcome_of(RunEnd end, bool violated, std::size_t hard_faults);

// Consults the expectations for a judged case: records the entries that explain a deviation
// it showed, and makes a failing case whose every deviation is explained known.
void apply_known(CaseResult& result, const KnownDeviations& known);

// pass: completed (or ended by the error a hard fault must cause) with no asserted invariant
// violated; stalled: no progress or budget exhausted; fail: an asserted invariant violated, or
// an error no fault explains; known: a failing outcome whose every deviation an entry of
// `known` explains.
CaseResult judge(const CaseSpec& spec, CaseRun run, const KnownDeviations& known = {});

// Runs and judges; a case that cannot be set up is a fail with the setup error as reason.
CaseResult run_and_judge(const CaseSpec& spec, const KnownDeviations& known = {});

// A case whose worker process died (crash) or never answered (stalled), judged like any other.
CaseResult judge_lost(const CaseSpec& spec, Outcome outcome, const std::string& why,
                      const KnownDeviations& known = {});

// Premises are judged per group (scenario and variant): a group none of whose cases met the
// premises proves nothing, and each of its passing records becomes "vacuous" (a failure),
// or "known" where an expectation with outcome "vacuous" covers the case. `records` are the
// judged cases as results JSON, in the order of `specs`.
// `group_sizes`, when given, holds how many cases each group has in the whole plan: a group the
// selection does not hold whole (a replay of one case) is not judged, since the cases that
// met the premises may simply not have been run.
using GroupSizes = std::map<std::string, std::size_t, std::less<>>;
void judge_premise_groups(const std::vector<CaseSpec>& specs, std::vector<nlohmann::json>& records,
                          const KnownDeviations& known, const GroupSizes* group_sizes = nullptr);
// The premise group of a case: "<scenario>/<variant>".
std::string premise_group_of(const CaseSpec& spec);
GroupSizes premise_group_sizes(const std::vector<CaseSpec>& plan);

// The command that replays one case.
std::string replay_command(const CaseSpec& spec);

}  // namespace dirprobe
