// `dirprobe repro`: a standalone C program per case that shows one known deviation with
// GnuTLS alone (docs/repro.md). This part writes the program's text and reads deviations out
// of results records; choosing cases and running them is the command's (cli/repro_command.cc).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/case_spec.h"
#include "harness/expectations.h"
#include "harness/repro_family.h"

namespace dirprobe {

class ReproError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One reproducer file: a case, the family that reproduces it, the entries it shows.
struct ReproTarget {
  const ReproFamily* family = nullptr;
  CaseSpec spec;
  std::vector<const Expectation*> entries;  // at least one
  std::vector<std::string> seen_on;         // GnuTLS versions whose results of this case showed an entry
  std::vector<std::string> checked_on;      // GnuTLS versions whose results hold this case, run
  std::vector<std::string> skipped_on;      // ... skipped there (a function the runtime lacks)
  std::string host_version;                 // the GnuTLS this machine ran the case with
  bool deviated_here = false;               // the case showed an entry's deviation there
};

// The #defines and fault table that make the case concrete (kit.c's @CASE@); throws ReproError
// for what a reproducer cannot express (a fault rule other than push@N / pull@N, a TCP
// transport, GnuTLS's own socket I/O, a misuse retry mode).
std::string case_block(const CaseSpec& spec, const ReproFamily& family);
// The whole C file: header comment, kit (with the case block), extra kits, the template.
std::string reproducer_source(const ReproTarget& target, const std::filesystem::path& repro_dir,
                              const std::string& file_name);
// The compiler command that builds it ("cc -Wall -Wextra -o NAME NAME.c -lgnutls ...").
std::string build_command(const ReproFamily& family, const std::string& file_name);

// The deviations of one judged case record (results JSON), spelled as deviations_of() does;
// `asserted` holds the scenario's asserted invariant names.
std::vector<std::string> record_deviations(const nlohmann::json& record,
                                           const std::set<std::string>& asserted);
std::set<std::string> asserted_names(const CaseSpec& spec);
// True when the record shows the deviation `deviation` of an entry whose `error` (text the end
// reason must contain; empty: any) is `error`: the judge's test, without the version range.
bool record_shows(const nlohmann::json& record, const std::set<std::string>& asserted,
                  const std::string& deviation, const std::string& error);

}  // namespace dirprobe
