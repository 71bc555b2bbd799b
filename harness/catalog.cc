#include "harness/catalog.h"

#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>

#include "harness/interleavings.h"
#include "harness/scenario_keys.h"
#include "harness/scenario_rules.h"

namespace dirprobe {
namespace {

// Keys sorted, comments and layout dropped: the same scenario always reads the same.
std::string canonical_text(const toml::table& t) {
  std::ostringstream out;
  out << toml::toml_formatter(t);
  return out.str();
}

Scenario parse_scenario(const TomlCtx& ctx, const toml::table& t, int line) {
  Scenario sc;
  sc.file = ctx.file;
  sc.line = line;
  sc.canonical = canonical_text(t);
  apply_scenario_keys(ctx, t, sc);
  check_scenario_rules(ctx, sc, t);
  // What the wire shows is asserted everywhere: no scenario may reuse a nonce or lose data.
  for (auto inv : kWireInvariants) sc.base.asserted.add(inv);
  return sc;
}

}  // namespace

std::vector<Scenario> load_scenario_text(const std::string& text, const std::string& name) {
  TomlCtx ctx{name};
  toml::table root = parse_toml(ctx, text);
  for (auto&& [key, value] : root)
    if (key.str() != "scenario" && key.str() != "interleavings")
      ctx.fail(value, "unknown top-level key '" + std::string(key.str()) +
                          "' (scenarios are [[scenario]] tables, or one [interleavings] table)");
  // The file's own tables keep their source lines (a copy would lose them); generated ones
  // name the line they were generated from.
  std::vector<std::pair<const toml::table*, int>> tables;
  if (const toml::node* list = root.get("scenario")) {
    const toml::array* arr = list->as_array();
    if (arr == nullptr) ctx.fail(*list, "'scenario' must be an array of tables ([[scenario]])");
    for (const auto& node : *arr) {
      const toml::table* t = node.as_table();
      if (t == nullptr) ctx.fail(node, "'scenario' must be an array of tables ([[scenario]])");
      tables.emplace_back(t, static_cast<int>(t->source().begin.line));
    }
  }
  std::vector<GeneratedScenario> generated;
  if (const toml::node* grid = root.get("interleavings")) {
    if (!grid->is_table()) ctx.fail(*grid, "'interleavings' must be a table ([interleavings])");
    generated = expand_interleavings(ctx, *grid->as_table());
    for (const auto& g : generated) tables.emplace_back(&g.table, g.line);
  }
  if (tables.empty()) ctx.fail(1, "no [[scenario]] tables in file");
  std::vector<Scenario> out;
  for (const auto& [t, line] : tables) {
    TomlCtx at{ctx.file, line};
    try {
      out.push_back(parse_scenario(at, *t, line));
    } catch (const std::logic_error& e) {
      // A value that slipped past the checks still reads as a load error, never as a crash.
      at.fail(line, e.what());
    }
  }
  return out;
}

std::vector<Scenario> load_scenario_file(const std::filesystem::path& file) {
  return load_scenario_text(read_text_file(file), file.string());
}

Catalog load_catalog(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir))
    throw CatalogError(dir.string() + ": scenario directory not found");
  auto files = files_in(dir, ".toml");
  Catalog catalog;
  std::map<std::string, std::string> seen;
  for (const auto& file : files)
    for (auto& sc : load_scenario_file(file)) {
      auto [it, fresh] = seen.emplace(sc.base.scenario, sc.file + ":" + std::to_string(sc.line));
      if (!fresh)
        throw CatalogError(sc.file + ":" + std::to_string(sc.line) + ": scenario name '" +
                           sc.base.scenario + "' is already used at " + it->second);
      catalog.scenarios.push_back(std::move(sc));
    }
  if (catalog.scenarios.empty()) throw CatalogError(dir.string() + ": no scenario files (*.toml)");
  return catalog;
}

std::filesystem::path default_scenario_dir() {
  if (const char* env = std::getenv("DIRPROBE_SCENARIO_DIR")) return env;
  return DIRPROBE_SCENARIO_DIR;
}

}  // namespace dirprobe
