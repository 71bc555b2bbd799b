// The reproducer families of `dirprobe repro` (data under scenarios/repro/): each is a small
// hand-written C program body (the template) that reproduces one GnuTLS mechanism, the case ids
// it reproduces faithfully, the deviations it shows, and what its header states.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace dirprobe {

// #defines a family adds to the case block for the case ids its globs match.
struct ReproVariant {
  std::vector<std::string> cases;                           // globs over case ids
  std::vector<std::pair<std::string, std::string>> defines;  // name, C text
  std::string expected_output;  // when it differs from the family's
};

struct ReproFamily {
  std::string name;      // the file stem: scenarios/repro/<name>.toml
  std::string where;     // "file:line" of its [family] table
  std::filesystem::path template_file;
  std::string summary;      // one line: what the program does
  std::string contradicts;  // the GnuTLS documentation it contradicts, with the manual section
  std::vector<std::string> cases;       // globs over the case ids it reproduces
  std::vector<std::string> deviations;  // as Expectation::deviation() spells them
  std::vector<std::string> kits;        // kit-<name>.c files (beside the TOML) appended after kit.c
  bool uses_openssl() const;
  std::string expected_output;          // what it printed on the host's GnuTLS
  std::vector<ReproVariant> variants;

  bool covers_case(const std::string& case_id) const;
  bool shows(const std::string& deviation) const;
  // The first variant that matches the case (none: null).
  const ReproVariant* variant_for(const std::string& case_id) const;
  std::vector<std::pair<std::string, std::string>> defines_for(const std::string& case_id) const;
  const std::string& expected_output_for(const std::string& case_id) const;
};

// Every *.toml directly under `dir` (the C files beside them are the templates); errors are
// CatalogError "file:line: message".
std::vector<ReproFamily> load_repro_families(const std::filesystem::path& dir);
std::filesystem::path default_repro_dir();  // default_scenario_dir() / "repro"

}  // namespace dirprobe
