// The merged machine-readable results that dirprobe-report writes as results.json (schema
// dirprobe-matrix, docs/results-format.md): per run its facts and one line per case with the
// case's outcome, invariant verdicts, premise status, stale directions and event counts. Call
// logs stay in the runs' own results files.
#pragma once

#include <string>

#include "reports/model.h"

namespace dirprobe::report {

inline constexpr std::string_view kMatrixSchema = "dirprobe-matrix";
inline constexpr int kMatrixVersion = 3;

std::string merged_results(const Model& model);

}  // namespace dirprobe::report
