// Strict reading of dirprobe's JSON files (results files of the harness and of `dirprobe app`):
// each object's keys against a table of kinds, and errors that name the file, the line and the
// path of the value ("r.json:14: cases[1]: unknown key 'colour'").
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "reports/model.h"

namespace dirprobe::report {

// The schema of a results file, one table per kind of object (docs/results-format.md).
// kCount: an integer of at least 0; kCounts: an object whose values are counts.
enum class Kind : std::uint8_t {
  kString,
  kInteger,
  kNumber,
  kBool,
  kObject,
  kArray,
  kStrings,
  kCount,
  kCounts
};
struct Key {
  std::string_view name;
  Kind kind;
  bool required;
};


std::string_view kind_name(Kind kind);
bool has_kind(const nlohmann::json& value, Kind kind);

// The lines on which the members of a results file's top object and the records of its `cases`
// start (the harness writes each on its own line), for error messages. Only run on valid JSON.
struct Lines {
  std::map<std::string, std::size_t> members;
  std::vector<std::size_t> cases;
  std::size_t member(const std::string& key) const {
    auto it = members.find(key);
    return it == members.end() ? 0 : it->second;
  }
};
Lines locate(std::string_view text);

// Where in which file a value is, for error messages: "r.json:14: cases[12]".
struct Place {
  const std::string& file;
  std::string path;
  std::size_t line = 0;  // 0: not known
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(file + (line > 0 ? ":" + std::to_string(line) : "") + ": " +
                     (path.empty() ? "" : path + ": ") + what);
  }
  void require(bool ok, const std::string& what) const {
    if (!ok) fail(what);
  }
  Place at(const std::string& key) const {
    return {file, path.empty() ? key : path + "." + key, line};
  }
};

// The object has every required key of `keys`, each key with its kind, and no other key.
void check_keys(const nlohmann::json& object, std::span<const Key> keys, const Place& place);
// The string (strings) under `key`, empty when absent (the schema check ran before).
std::string text(const nlohmann::json& object, std::string_view key);
std::vector<std::string> texts(const nlohmann::json& object, std::string_view key);

}  // namespace dirprobe::report
