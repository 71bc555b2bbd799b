// The plan cache: how many pushes and pulls each clean variant of a swept scenario made, kept
// on disk so that planning runs no TLS when nothing changed. An entry is keyed by a SHA-256 of
// the scenario's canonical text, this build of the program (its GNU build-id), the GnuTLS and
// OpenSSL runtimes (versions, and the GnuTLS library's build-id) and LD_PRELOAD (the mutants).
// Entries are written atomically; a corrupt one is ignored with a warning on stderr.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/scenario.h"

namespace dirprobe {

// What one clean variant's run counted (within the sweep's phase), or that it was skipped.
struct CleanCount {
  std::string id;  // the clean case's id
  bool skipped = false;
  std::size_t pushes = 0, pulls = 0;
  // 1-based index of the first push and pull swept (a phase that starts after the first).
  std::size_t first_push = 1, first_pull = 1;
  bool operator==(const CleanCount&) const = default;
};

// $DIRPROBE_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/dirprobe (scripts/runtimes.sh keeps
// its runtimes there too).
std::filesystem::path cache_root();

// The facts besides the scenario that a plan depends on, one per line (build, runtimes).
const std::string& plan_build_facts();

// The hex SHA-256 that keys `scenario`'s entry.
std::string plan_cache_key(const Scenario& scenario);

// <root>/plans/<scenario>-<first 16 hex digits of the key>.json
std::filesystem::path plan_cache_file(const std::filesystem::path& root, const Scenario& scenario);

// The counts stored for `scenario`, when the entry exists, is intact and lists exactly the
// clean variants `clean_ids`; a damaged entry is reported on stderr and yields nothing.
std::optional<std::vector<CleanCount>> read_plan_cache(const std::filesystem::path& root,
                                                       const Scenario& scenario,
                                                       const std::vector<std::string>& clean_ids);

// Stores the counts (temporary file, then rename: readers never see a partial entry). A cache
// that cannot be written is reported on stderr and otherwise ignored.
void write_plan_cache(const std::filesystem::path& root, const Scenario& scenario,
                      const std::vector<CleanCount>& counts);

}  // namespace dirprobe
