// The text `dirprobe run --trace` prints for one case: its claim, every call with the I/O it
// caused, its holds, how the run ended, each invariant's verdict, then the outcome. The call
// log is bounded, so that a case that loops or spins prints (and holds) a fixed amount of
// text: at most kTraceCalls call lines (the first and the last half of the calls), each
// listing at most kTraceCallEvents of its I/O events (the first and the last half), then one
// line "... truncated: N more calls / M more I/O events" when anything was left out.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/judge.h"

namespace dirprobe {

// The largest case of the catalog makes 1,988 calls (send-4m-tcp); a call makes at most
// 16,413 I/O events (one-byte reads), which nobody reads one by one.
inline constexpr std::size_t kTraceCalls = 4000, kTraceCallEvents = 32;

// The text of a judged case, one line per element, up to its outcome.
std::vector<std::string> trace_log(const CaseResult& result);

// The text of a case whose worker died or was killed (`record` is the runner's record of it):
// no call log survives, only how it ended.
std::vector<std::string> lost_trace_log(const CaseSpec& spec, const nlohmann::json& record);

// The last line, from the case's final record (premise groups may have changed its outcome):
// "outcome: known (raw: stalled) - <reason>".
std::string outcome_line(const nlohmann::json& record);

}  // namespace dirprobe
