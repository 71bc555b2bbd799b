// The interleavings table (scenarios/interleavings.toml): pending states crossed with the
// other calls an application may make while one is pending, expanded into one [[scenario]]
// table per cell, `interleave-<state>-<call>`, which the catalog then reads like any other.
#pragma once

#include <vector>

#include "harness/toml_reader.h"

namespace dirprobe {

struct GeneratedScenario {
  toml::table table;
  int line = 0;  // where the cell's call is declared
};

// Throws CatalogError ("file:line: message") for an unknown or missing key.
std::vector<GeneratedScenario> expand_interleavings(const TomlCtx& ctx, const toml::table& table);

}  // namespace dirprobe
