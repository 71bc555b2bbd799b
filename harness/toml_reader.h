// Strict reading of data files in TOML (scenarios, expectations): typed accessors that turn
// every problem into a CatalogError "file:line: message".
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dirprobe {

class CatalogError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct TomlCtx {
  std::string file;
  // The line named for a value without one (a table generated from others, interleavings.h).
  int fallback_line = 0;
  [[noreturn]] void fail(const toml::node& node, const std::string& what) const {
    int line = static_cast<int>(node.source().begin.line);
    fail(line > 0 ? line : fallback_line, what);
  }
  [[noreturn]] void fail(int line, const std::string& what) const {
    throw CatalogError(file + ":" + std::to_string(line) + ": " + what);
  }
};

// Parses `text` as the TOML file `name`; syntax errors become file:line errors.
toml::table parse_toml(const TomlCtx& ctx, const std::string& text);
// The whole file; throws CatalogError naming the path when it cannot be read.
std::string read_text_file(const std::filesystem::path& file);
// Files with extension `ext` directly under `dir`, in name order.
std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir, std::string_view ext);

std::string need_string(const TomlCtx& ctx, const toml::node& node, std::string_view key);
std::int64_t need_int(const TomlCtx& ctx, const toml::node& node, std::string_view key,
                      std::int64_t min);
// The value of a required key of table `t` (which starts at `line`).
const toml::node& require_key(const TomlCtx& ctx, const toml::table& t, std::string_view key,
                              std::string_view what, int line);

// Applies `parse` to each string of a non-empty array; std::invalid_argument from `parse`
// becomes a file:line error at the offending item.
template <typename T, typename F>
std::vector<T> need_list(const TomlCtx& ctx, const toml::node& node, std::string_view key,
                         F parse) {
  const toml::array* arr = node.as_array();
  if (arr == nullptr) ctx.fail(node, "'" + std::string(key) + "' must be an array of strings");
  if (arr->empty()) ctx.fail(node, "'" + std::string(key) + "' must not be empty");
  std::vector<T> out;
  for (const toml::node& item : *arr) {
    std::string text = need_string(ctx, item, key);
    try {
      out.push_back(parse(text));
    } catch (const std::invalid_argument& e) {
      ctx.fail(item, "in '" + std::string(key) + "': " + e.what());
    }
  }
  return out;
}

}  // namespace dirprobe
