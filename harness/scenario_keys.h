// The scenario schema: one declaration per key of a [[scenario]] table (its name, whether it is
// required, its type, its default, one line of documentation and how its value is applied).
// The loader's checks (unknown keys, missing keys, values of the wrong type), the list of known
// keys and the key table of docs/scenarios.md are all made from it.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario.h"
#include "harness/toml_reader.h"

namespace dirprobe {

enum class ValueType : std::uint8_t { kString, kStrings, kInteger, kIntegers, kBoolean };
std::string_view value_type_name(ValueType type);  // "string", "strings", "integer", ...

// One key's value, already checked to have the key's type; failures name its file and line.
struct KeyValue {
  const TomlCtx& ctx;
  const toml::node& node;
  std::string_view key;

  std::string string() const;
  std::int64_t integer(std::int64_t min, std::int64_t max = std::numeric_limits<int>::max()) const;
  bool boolean() const;
  // Each string of the array through `parse`; its std::invalid_argument fails at the item.
  template <typename T, typename F>
  std::vector<T> list(F parse) const {
    return need_list<T>(ctx, node, key, parse);
  }
  [[noreturn]] void fail(const std::string& what) const { ctx.fail(node, what); }
};

struct ScenarioKey {
  std::string_view name;
  bool required;
  ValueType type;
  // The TOML value applied when the key is absent; empty: nothing is applied (`doc` says what
  // absence means).
  std::string_view fallback;
  std::string_view doc;  // one line of Markdown
  void (*apply)(const KeyValue& value, Scenario& scenario);
};

// Every key, in the order they are applied and documented.
std::span<const ScenarioKey> scenario_keys();

// Checks table `t` against the declaration and applies every key to `scenario` (the fallback
// of an absent one): an unknown key, a missing required key or a bad value throws
// CatalogError("file:line: message").
void apply_scenario_keys(const TomlCtx& ctx, const toml::table& t, Scenario& scenario);

// The key table of docs/scenarios.md, one row per key.
std::string scenario_keys_markdown();

// The scenario's `flags` as C text: "(GNUTLS_AUTO_REAUTH | GNUTLS_NO_TICKETS)", or "0".
std::string init_flag_names(unsigned flags);

}  // namespace dirprobe
