// The invariant checkers: each reads a finished run (the call log and the transport traces)
// and gives a verdict, with the first counterexample when it is violated.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "harness/case_spec.h"
#include "harness/driver.h"
#include "harness/invariant_ids.h"
#include "harness/wire_case.h"

namespace dirprobe {


struct Counterexample {
  std::size_t call_index = 0;  // into CaseRun::calls
  std::string what;            // one sentence: what was seen and what was expected
};

struct InvariantResult {
  InvariantResult() = default;
  InvariantResult(Verdict v, std::string why, std::optional<Counterexample> example = std::nullopt)
      : verdict(v), note(std::move(why)), counterexample(std::move(example)) {}

  Verdict verdict = Verdict::kNa;
  std::string note;  // why n/a, or what held, in a few words
  std::optional<Counterexample> counterexample;
  // Distinct causes of the violations, where the checker tells them apart (D2 does).
  std::vector<std::string> causes;
};

using InvariantResults = std::array<InvariantResult, kAllInvariants.size()>;

// `wire` holds the case's decoded connection, for N1, W1 and M2.
InvariantResults evaluate_invariants(const CaseSpec& spec, const CaseRun& run,
                                     const CaseWire& wire);

inline const InvariantResult& result_of(const InvariantResults& r, Invariant inv) {
  return r[static_cast<std::size_t>(inv)];
}

}  // namespace dirprobe
