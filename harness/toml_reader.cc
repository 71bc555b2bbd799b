#include "harness/toml_reader.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace dirprobe {

toml::table parse_toml(const TomlCtx& ctx, const std::string& text) {
  try {
    return toml::parse(text, ctx.file);
  } catch (const toml::parse_error& e) {
    ctx.fail(static_cast<int>(e.source().begin.line), std::string(e.description()));
  }
}

std::string read_text_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw CatalogError(file.string() + ": cannot be read");
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir,
                                            std::string_view ext) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().extension() == ext) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string need_string(const TomlCtx& ctx, const toml::node& node, std::string_view key) {
  auto v = node.value<std::string>();
  if (!node.is_string() || !v) ctx.fail(node, "'" + std::string(key) + "' must be a string");
  return *v;
}

std::int64_t need_int(const TomlCtx& ctx, const toml::node& node, std::string_view key,
                      std::int64_t min) {
  if (!node.is_integer()) ctx.fail(node, "'" + std::string(key) + "' must be an integer");
  std::int64_t v = *node.value<std::int64_t>();
  if (v < min) ctx.fail(node, "'" + std::string(key) + "' must be at least " + std::to_string(min));
  return v;
}

const toml::node& require_key(const TomlCtx& ctx, const toml::table& t, std::string_view key,
                              std::string_view what, int line) {
  const toml::node* n = t.get(key);
  if (n == nullptr)
    ctx.fail(line, std::string(what) + " lacks required key '" + std::string(key) + "'");
  return *n;
}

}  // namespace dirprobe
