// The scenario catalog: scenario files (TOML, under scenarios/) loaded and validated into
// Scenarios, pure data: loading runs no TLS. A key's declaration is in scenario_keys.h, the rules
// between keys in scenario_rules.h, the product of a scenario's axes in scenario_variants.h; the
// planner (planner.h) adds the sweep points. Every error names the file and line.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "harness/scenario.h"
#include "harness/scenario_variants.h"
#include "harness/toml_reader.h"

namespace dirprobe {

struct Catalog {
  std::vector<Scenario> scenarios;
};

// Parses one file; throws CatalogError("file:line: message").
std::vector<Scenario> load_scenario_file(const std::filesystem::path& file);
// Parses TOML text as if it came from `name`; for any bad input it throws CatalogError only.
std::vector<Scenario> load_scenario_text(const std::string& text, const std::string& name);
// Every *.toml directly under `dir`, in name order; scenario names must be unique.
Catalog load_catalog(const std::filesystem::path& dir);

// The directory the build was configured with (DIRPROBE_SCENARIO_DIR), overridable by the
// environment variable of the same name.
std::filesystem::path default_scenario_dir();

}  // namespace dirprobe
