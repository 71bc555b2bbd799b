// The verdict on one run of a program: its outcome in the results schema's terms, the
// invariants judged from the recorded calls and waits (L1, R1, M1), and the facts the report
// shows (blocking or not, which GnuTLS each session used, whether the loop asked for the
// direction).
//
// Endings map onto outcomes: completed -> pass (fail when an invariant is violated, or when
// the served scenario expects an error); error -> pass when a hard fault was injected or the
// scenario expects it, else fail (an avoidable error); hang -> stalled; corrupted -> fail;
// crash -> crash. A run whose fault never happened, or whose program ran another GnuTLS than
// the runtime's, or a gated run of a blocking socket, is vacuous or skip with the reason.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "harness/app_runner.h"
#include "harness/expectations.h"

namespace dirprobe {

struct AppVerdict {
  std::string outcome;   // pass, skip, vacuous, fail, stalled, crash
  std::string reason;    // empty on pass
  nlohmann::json invariants = nlohmann::json::object();  // L1, R1, M1: "held" or {verdict, what}
  // Non-empty: an injected E_AGAIN on a blocking socket, which the program never meets in
  // real use. The report keeps such cases apart and counts them neither way.
  std::string apart;
  std::string raw_outcome;            // on known runs: the outcome before the expectations
  std::vector<std::string> expected;  // the entries ("file:line") that explain it
};

AppVerdict judge_app_run(const AppCase& c, const AppProgram& program, const ServedScenario& served,
                         const AppRun& run, const AppRuntime& runtime);

// Consults the known deviations of applications (scenarios/apps/expectations.toml, the format
// of scenarios/expectations/): a failing, stalled or crashed run each of whose deviations (its
// violated invariants and "outcome X") an entry explains for this case id and GnuTLS version
// becomes "known", and records the entries.
void apply_app_known(AppVerdict& verdict, const std::string& id, const std::string& gnutls_version,
                     const Expectations& known);

// The case record of the results file (docs/results-format.md, "Applications").
nlohmann::json app_case_json(const AppCase& c, const AppRun& run, const AppVerdict& verdict);

// Whether the program must report an error: serve announces a body longer than it sends (it
// closes early).
bool served_expects_error(const ServedScenario& served);

// The planned session (the first the program opened), or null when it opened none.
const AppSession* planned_session(const AppTrace& trace);

// The recorded lines of a run as text, the last `max` of the planned session's process.
std::vector<std::string> app_trace_lines(const AppTrace& trace, std::size_t max);

}  // namespace dirprobe
