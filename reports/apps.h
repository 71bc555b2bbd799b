// The results of `dirprobe app` (subject "programs"): read and checked like a harness results
// file, and shown as the report's "Applications" section.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "reports/document.h"
#include "reports/model.h"
#include "reports/schema_check.h"

namespace dirprobe::report {

// Reads an app results document (its schema version already checked); errors name the file,
// the line and the value.
Run read_app_results(const nlohmann::json& doc, const std::string& file, const Lines& lines);

// Program x served scenario x runtime: per cell the runs by ending, kept-apart runs separately,
// and a drill-down per cell with each run that did not pass, its reason and replay command.
Section apps_section(const Model& model);

}  // namespace dirprobe::report
