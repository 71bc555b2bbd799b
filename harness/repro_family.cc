#include "harness/repro_family.h"

#include <fnmatch.h>

#include <algorithm>

#include "harness/catalog.h"
#include "harness/toml_reader.h"

namespace dirprobe {
namespace {

bool any_glob(const std::vector<std::string>& globs, const std::string& id) {
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& g) { return fnmatch(g.c_str(), id.c_str(), 0) == 0; });
}

std::vector<std::string> strings(const TomlCtx& ctx, const toml::node& node, std::string_view key) {
  return need_list<std::string>(ctx, node, key, [](const std::string& s) { return s; });
}

ReproVariant read_variant(const TomlCtx& ctx, const toml::node& node) {
  const toml::table* t = node.as_table();
  if (t == nullptr) ctx.fail(node, "each [[variant]] must be a table");
  ReproVariant v;
  int line = static_cast<int>(t->source().begin.line);
  for (const auto& [key, value] : *t) {
    if (key.str() == "cases") {
      v.cases = strings(ctx, value, "cases");
    } else if (key.str() == "defines") {
      const toml::table* d = value.as_table();
      if (d == nullptr || d->empty()) ctx.fail(value, "'defines' must be a table of strings");
      for (const auto& [name, text] : *d)
        v.defines.emplace_back(std::string(name.str()), need_string(ctx, text, "defines"));
    } else if (key.str() == "expected_output") {
      v.expected_output = need_string(ctx, value, "expected_output");
    } else {
      ctx.fail(value, "unknown key '" + std::string(key.str()) + "' in [[variant]]");
    }
  }
  require_key(ctx, *t, "cases", "[[variant]]", line);
  require_key(ctx, *t, "defines", "[[variant]]", line);
  return v;
}

void read_family_key(const TomlCtx& ctx, ReproFamily& f, std::string_view key,
                     const toml::node& value) {
  auto str = [&] { return need_string(ctx, value, key); };
  if (key == "template") f.template_file = str();
  else if (key == "summary") f.summary = str();
  else if (key == "contradicts") f.contradicts = str();
  else if (key == "expected_output") f.expected_output = str();
  else if (key == "cases") f.cases = strings(ctx, value, key);
  else if (key == "deviations") f.deviations = strings(ctx, value, key);
  else if (key == "kits") {
    const toml::array* a = value.as_array();
    if (a == nullptr) ctx.fail(value, "'kits' must be an array of strings");
    for (const toml::node& k : *a) {
      std::string kit = need_string(ctx, k, key);
      std::filesystem::path file = std::filesystem::path(ctx.file).parent_path() / ("kit-" + kit + ".c");
      if (!std::filesystem::is_regular_file(file))
        ctx.fail(k, "unknown kit '" + kit + "' (no " + file.filename().string() + " beside this file)");
      f.kits.push_back(kit);
    }
  } else {
    ctx.fail(value, "unknown key '" + std::string(key) + "' in [family]");
  }
}

ReproFamily read_family(const TomlCtx& ctx, const toml::table& t, const std::filesystem::path& file) {
  ReproFamily f;
  f.name = file.stem().string();
  int line = static_cast<int>(t.source().begin.line);
  f.where = ctx.file + ":" + std::to_string(line);
  for (const auto& [key, value] : t) read_family_key(ctx, f, key.str(), value);
  for (const char* key : {"template", "summary", "contradicts", "cases", "deviations",
                          "expected_output"})
    require_key(ctx, t, key, "[family]", line);
  f.template_file = file.parent_path() / f.template_file;
  if (!std::filesystem::is_regular_file(f.template_file))
    ctx.fail(line, "template '" + f.template_file.string() + "' does not exist");
  return f;
}

ReproFamily load_family(const std::filesystem::path& file) {
  TomlCtx ctx{file.string()};
  toml::table doc = parse_toml(ctx, read_text_file(file));
  const toml::table* family = doc["family"].as_table();
  if (family == nullptr) ctx.fail(1, "no [family] table");
  ReproFamily f = read_family(ctx, *family, file);
  for (const auto& [key, value] : doc) {
    if (key.str() == "family") continue;
    const toml::array* arr = key.str() == "variant" ? value.as_array() : nullptr;
    if (arr == nullptr)
      ctx.fail(value, "unknown table '" + std::string(key.str()) + "' (expected [family], [[variant]])");
    for (const toml::node& v : *arr) f.variants.push_back(read_variant(ctx, v));
  }
  return f;
}

}  // namespace

bool ReproFamily::covers_case(const std::string& case_id) const { return any_glob(cases, case_id); }

bool ReproFamily::uses_openssl() const {
  return std::find(kits.begin(), kits.end(), "openssl") != kits.end();
}

bool ReproFamily::shows(const std::string& deviation) const {
  return std::find(deviations.begin(), deviations.end(), deviation) != deviations.end();
}

const ReproVariant* ReproFamily::variant_for(const std::string& case_id) const {
  for (const auto& v : variants)
    if (any_glob(v.cases, case_id)) return &v;
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> ReproFamily::defines_for(
    const std::string& case_id) const {
  const ReproVariant* v = variant_for(case_id);
  return v == nullptr ? std::vector<std::pair<std::string, std::string>>{} : v->defines;
}

const std::string& ReproFamily::expected_output_for(const std::string& case_id) const {
  const ReproVariant* v = variant_for(case_id);
  return v != nullptr && !v->expected_output.empty() ? v->expected_output : expected_output;
}

std::vector<ReproFamily> load_repro_families(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir))
    throw CatalogError(dir.string() + ": no such directory of reproducer families");
  std::vector<ReproFamily> out;
  for (const auto& file : files_in(dir, ".toml")) out.push_back(load_family(file));
  return out;
}

std::filesystem::path default_repro_dir() { return default_scenario_dir() / "repro"; }

}  // namespace dirprobe
