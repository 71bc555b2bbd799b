// The scenario catalog: scenario files (TOML, under scenarios/) loaded and validated, and the
// cases generated from them. A scenario lists the axes it runs on (protocols, roles, peers,
// transports, loop policies, retry modes, fault plans); the catalog expands the product into
// CaseSpecs with stable ids. Every error names the file and line.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/case_spec.h"
#include "harness/toml_reader.h"

namespace dirprobe {

struct SweepSpec {
  std::vector<std::string> actions;  // e.g. "eagain", "eintr", "short:1"
  bool push = true, pull = true;     // which operations become sweep points
  bool handshake_only = false;       // only the subject's I/O during its first handshake
};

struct Scenario {
  std::string file;
  int line = 0;
  CaseSpec base;  // scenario-wide settings; axes below fill the rest
  std::vector<Protocol> protocols;
  std::vector<Role> roles;
  std::vector<PeerLibrary> peers;
  std::vector<TransportKind> transports;
  std::vector<LoopPolicy> policies;
  std::vector<RetryMode> retries;
  std::vector<bool> socket_io;      // false: callbacks; true: GnuTLS's own socket I/O
  std::vector<std::string> faults;  // fault plans (validated)
  std::vector<std::uint64_t> seeds;
  SweepSpec sweep;  // empty: no sweep; else swept from each clean variant
};

struct Catalog {
  std::vector<Scenario> scenarios;
};

// Parses one file; throws CatalogError("file:line: message").
std::vector<Scenario> load_scenario_file(const std::filesystem::path& file);
// Parses TOML text as if it came from `name`.
std::vector<Scenario> load_scenario_text(const std::string& text, const std::string& name);
// Every *.toml directly under `dir`, in name order; scenario names must be unique.
Catalog load_catalog(const std::filesystem::path& dir);

// The product of a scenario's axes (without sweep points), in a stable order.
std::vector<CaseSpec> expand(const Scenario& scenario);

// Sweep points of one clean case: it is run once to count the subject's pushes and pulls,
// then one case per (action, operation index) injects that action there and nowhere else.
// None when the runtime must skip the case (SkipCase).
std::vector<CaseSpec> sweep_points(const CaseSpec& clean, const SweepSpec& sweep);

// expand() plus the sweep points of every clean variant (fault plan "none").
std::vector<CaseSpec> expand_all(const Scenario& scenario);

// The directory the build was configured with (DIRPROBE_SCENARIO_DIR), overridable by the
// environment variable of the same name.
std::filesystem::path default_scenario_dir();

}  // namespace dirprobe
