#include "reports/schema_check.h"

#include <algorithm>
#include <array>

namespace dirprobe::report {

using nlohmann::json;

std::string_view kind_name(Kind kind) {
  constexpr std::array<std::string_view, 9> kNames = {"a string",
                                                      "an integer",
                                                      "a number",
                                                      "true or false",
                                                      "an object",
                                                      "an array",
                                                      "an array of strings",
                                                      "a count (an integer of at least 0)",
                                                      "an object of counts"};
  return kNames[static_cast<unsigned>(kind)];
}

bool has_kind(const json& value, Kind kind) {
  switch (kind) {
    case Kind::kString:
      return value.is_string();
    case Kind::kInteger:
      return value.is_number_integer();
    case Kind::kNumber:
      return value.is_number();
    case Kind::kBool:
      return value.is_boolean();
    case Kind::kObject:
      return value.is_object();
    case Kind::kArray:
      return value.is_array();
    case Kind::kStrings:
      return value.is_array() &&
             std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); });
    case Kind::kCount:
      return value.is_number_unsigned();
    case Kind::kCounts:
      return value.is_object() && std::all_of(value.begin(), value.end(),
                                              [](const json& v) { return v.is_number_unsigned(); });
  }
  return false;
}


Lines locate(std::string_view text) {
  Lines out;
  std::size_t line = 1;
  int depth = 0;
  bool in_cases = false, record_next = false;
  std::string last;  // the last string read in the top object: a key when ':' follows
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') ++line;
    if (c == '\n' || c == ' ' || c == '\t' || c == '\r') continue;
    if (in_cases && depth == 2 && record_next && c != ']') {
      out.cases.push_back(line);
      record_next = false;
    }
    if (c == '"') {
      std::size_t start = ++i;
      while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
      if (depth == 1) last = std::string(text.substr(start, std::min(i, text.size()) - start));
    } else if (c == ':' && depth == 1) {
      out.members[last] = line;
    } else if (c == '{' || c == '[') {
      ++depth;
      in_cases = in_cases || (depth == 2 && c == '[' && last == "cases");
      record_next = in_cases && depth == 2;
    } else if (c == '}' || c == ']') {
      in_cases = in_cases && depth != 2;
      --depth;
    } else if (c == ',' && in_cases && depth == 2) {
      record_next = true;
    }
  }
  return out;
}

void check_keys(const json& object, std::span<const Key> keys, const Place& place) {
  place.require(object.is_object(), "is not an object");
  for (const Key& key : keys) {
    auto it = object.find(key.name);
    if (it == object.end()) {
      place.require(!key.required, "lacks '" + std::string(key.name) + "' (" +
                                       std::string(kind_name(key.kind)) + ")");
      continue;
    }
    place.require(has_kind(*it, key.kind),
                  "'" + std::string(key.name) + "' is not " + std::string(kind_name(key.kind)));
  }
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& name = it.key();
    bool known =
        std::any_of(std::begin(keys), std::end(keys), [&](const Key& k) { return k.name == name; });
    place.require(known, "unknown key '" + name + "'");
  }
}

std::string text(const json& object, std::string_view key) {
  auto it = object.find(key);
  return it == object.end() ? std::string() : it->get<std::string>();
}

std::vector<std::string> texts(const json& object, std::string_view key) {
  auto it = object.find(key);
  return it == object.end() ? std::vector<std::string>() : it->get<std::vector<std::string>>();
}


}  // namespace dirprobe::report
