// The results file: one JSON document per run with the runtime versions and one record per
// case. Schema "dirprobe-results", documented in docs/results-format.md.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "harness/judge.h"

namespace dirprobe {

inline constexpr const char* kResultsSchema = "dirprobe-results";
inline constexpr int kResultsVersion = 1;
// Call logs longer than this keep their first and last halves (with a count of what was cut).
// Passing cases keep a shorter excerpt: their log is rarely read and dominates the file size.
inline constexpr std::size_t kCallLogLimit = 60;
inline constexpr std::size_t kPassingCallLogLimit = 40;
// Calls kept before and after each counterexample call, wherever it is in the log.
inline constexpr std::size_t kFocusBefore = 12, kFocusAfter = 4;

nlohmann::json case_to_json(const CaseResult& result);
// Runtime versions, host facts and the case records.
nlohmann::json results_document(const std::vector<nlohmann::json>& cases, double wall_seconds);
// Writes atomically (temporary file, then rename). Throws std::runtime_error naming the path.
void write_json_file(const std::filesystem::path& path, const nlohmann::json& doc);

// One call as a line of text: "#12 subject gnutls_record_send(16384) -> GNUTLS_E_AGAIN dir=1
// (write) | push 16406 -> EAGAIN".
std::string call_line(const CaseRun& run, std::size_t index, const CaseSpec& spec);

}  // namespace dirprobe
