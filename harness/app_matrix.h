// The application matrix: every program x every served scenario it can take part in x the
// protocols and libraries of that scenario, first clean (no fault), then swept: every point
// of the handshake, a window of points around each served event, and a stride over the bulk
// transfer (all points in the exhaustive tier), each free and poll-gated. Runs in parallel,
// each worker with its own `serve` instances.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "harness/app_judge.h"

namespace dirprobe {

enum class AppTier { kCi, kFull, kExhaustive };
AppTier parse_app_tier(const std::string& text);  // throws std::invalid_argument

struct AppMatrixOptions {
  AppTier tier = AppTier::kFull;
  int jobs = 2;
  std::vector<std::string> filters;  // globs over case ids (clean runs always run)
  bool progress = true;
};

struct AppCaseResult {
  AppCase c;
  AppVerdict verdict;
  nlohmann::json record;
};

// The clean cases of the matrix (fault plan none, free), in a stable order.
std::vector<AppCase> app_clean_cases(const std::vector<AppProgram>& programs,
                                     const std::vector<ServedScenario>& served);

// The sweep cases planned from one clean run's trace.
std::vector<AppCase> app_sweep_cases(const AppCase& clean, const AppRun& run, AppTier tier);

// Runs the matrix; results in a stable order (clean case, then its sweep cases).
std::vector<AppCaseResult> run_app_matrix(const std::vector<AppProgram>& programs,
                                          const std::vector<ServedScenario>& served,
                                          const AppSettings& settings, const AppMatrixOptions& options);

// The results document (schema dirprobe-results, the version of results.h) of an app run.
nlohmann::json app_results_document(const std::vector<AppProgram>& programs,
                                    const std::vector<ServedScenario>& served,
                                    const std::vector<AppCaseResult>& results,
                                    const AppSettings& settings, double wall_seconds, int jobs);

}  // namespace dirprobe
