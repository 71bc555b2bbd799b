// The results file: one JSON document per run with the runtime versions, the scenarios' claims
// and one compact record per case. Schema "dirprobe-results", documented in
// docs/results-format.md. Wall times and host facts sit apart (under "host") so that two runs
// of the same build on the same runtime give the same file once they are removed.
#pragma once

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/judge.h"

namespace dirprobe {

inline constexpr const char* kResultsSchema = "dirprobe-results";
inline constexpr int kResultsVersion = 5;
// Calls kept before and after each counterexample call of a failing case, and the last calls
// of a case that did not complete. A known case keeps a short window: its deviation is
// already explained, and `dirprobe run --case ID --trace` prints the whole log.
inline constexpr std::size_t kFocusBefore = 12, kFocusAfter = 4, kTailCalls = 12;
inline constexpr std::size_t kKnownBefore = 1;

nlohmann::json case_to_json(const CaseResult& result);

// What the results file records about the run itself.
struct RunFacts {
  std::string runtime = "installed";  // the GnuTLS runtime's name (a Debian suite)
  double wall_seconds = 0;
  int jobs = 1;
  bool unswept = false;  // the selection left out the sweep points (`run --unswept`)
};
// Runtime versions, the scenario table (family, claim, asserted invariants), host facts and
// the case records.
nlohmann::json results_document(const std::vector<CaseSpec>& specs,
                                const std::vector<nlohmann::json>& cases, const RunFacts& facts);
// Writes atomically (temporary file, then rename), one case record per line. Throws
// std::runtime_error naming the path.
void write_results_file(const std::filesystem::path& path, const nlohmann::json& doc);

// One call as a line of text: "#12 t3 subject gnutls_record_send(16384) -> GNUTLS_E_AGAIN
// dir=1 (write)  | push 16406 -> EAGAIN". It lists at most `max_events` of the call's I/O
// events (the first and the last half, "... N more I/O events" between them) and says so
// when the call's I/O may have gone past the trace limit.
std::string call_line(const CaseRun& run, std::size_t index,
                      std::size_t max_events = std::numeric_limits<std::size_t>::max());

}  // namespace dirprobe
