#include "harness/expectations.h"

#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <sstream>

#include "harness/catalog.h"

namespace dirprobe {
namespace {

using nlohmann::json;

const std::set<std::string, std::less<>> kKeys = {"cases", "invariant", "cause", "outcome",
                                                  "error", "gnutls",    "reason"};
const std::set<std::string, std::less<>> kOutcomes = {"stalled", "crash", "fail", "vacuous"};

Expectation parse_entry(const TomlCtx& ctx, const toml::table& t) {
  int line = static_cast<int>(t.source().begin.line);
  for (auto&& [key, value] : t)
    if (!kKeys.contains(key.str()))
      ctx.fail(value, "unknown key '" + std::string(key.str()) + "' in deviation");
  Expectation e;
  e.where = ctx.file + ":" + std::to_string(line);
  e.cases = need_list<std::string>(ctx, require_key(ctx, t, "cases", "deviation", line), "cases",
                                   [](const std::string& s) { return s; });
  e.reason = need_string(ctx, require_key(ctx, t, "reason", "deviation", line), "reason");
  if (e.reason.empty()) ctx.fail(*t.get("reason"), "'reason' must not be empty");
  const toml::node* inv = t.get("invariant");
  const toml::node* out = t.get("outcome");
  if ((inv == nullptr) == (out == nullptr))
    ctx.fail(line, "a deviation names exactly one of 'invariant' or 'outcome'");
  if (inv != nullptr) {
    std::string text = need_string(ctx, *inv, "invariant");
    e.invariant = parse_invariant(text);
    if (!e.invariant)
      ctx.fail(*inv, "unknown invariant '" + text + "' (expected " + invariant_names() + ")");
    if (const toml::node* c = t.get("cause")) e.cause = need_string(ctx, *c, "cause");
    if (t.get("error") != nullptr) ctx.fail(*t.get("error"), "'error' goes with 'outcome'");
  } else {
    if (t.get("cause") != nullptr) ctx.fail(*t.get("cause"), "'cause' goes with 'invariant'");
    e.outcome = need_string(ctx, *out, "outcome");
    if (!kOutcomes.contains(e.outcome))
      ctx.fail(*out, "unknown outcome '" + e.outcome + "' (expected stalled, crash, fail or vacuous)");
    if (const toml::node* err = t.get("error")) e.error = need_string(ctx, *err, "error");
  }
  if (const toml::node* g = t.get("gnutls")) {
    try {
      e.gnutls = VersionRange::parse(need_string(ctx, *g, "gnutls"));
    } catch (const std::invalid_argument& err) {
      ctx.fail(*g, std::string("in 'gnutls': ") + err.what());
    }
  }
  return e;
}

// "<scenario>/<protocol>/<peer>", read from the record's id.
std::string group_of(const json& record) {
  std::string id = record.value("id", "");
  CaseIdParts p = parse_case_id(id);
  if (!p.valid()) return id;
  return std::string(p.scenario) + "/" + std::string(p.protocol) + "/" + std::string(p.peer);
}

}  // namespace

std::optional<Version> Version::parse(std::string_view text) {
  Version v;
  int* parts[] = {&v.major, &v.minor, &v.patch};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 3 && p < end; ++i) {
    auto [next, ec] = std::from_chars(p, end, *parts[i]);
    if (ec != std::errc() || next == p) return std::nullopt;
    p = next;
    if (p < end && *p != '.') break;  // "3.8.9-rc1" or similar: stop at the suffix
    if (p < end) ++p;
  }
  if (p == text.data()) return std::nullopt;
  return v;
}

VersionRange VersionRange::parse(std::string_view text) {
  VersionRange r;
  r.text_ = std::string(text);
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) {
    if (word == "*") continue;
    std::size_t n = word.find_first_not_of("<>=");
    Bound b{word.substr(0, n), {}};
    if (b.op.empty()) b.op = "=";
    if (b.op != ">=" && b.op != ">" && b.op != "<=" && b.op != "<" && b.op != "=")
      throw std::invalid_argument("bad comparator '" + b.op + "' in '" + r.text_ + "'");
    auto v = n == std::string::npos ? std::nullopt : Version::parse(word.substr(n));
    if (!v) throw std::invalid_argument("'" + word + "' is not a version bound (e.g. >=3.7.0)");
    b.version = *v;
    r.bounds_.push_back(b);
  }
  return r;
}

bool VersionRange::contains(const Version& v) const {
  for (const auto& b : bounds_) {
    bool ok = b.op == ">="   ? v >= b.version
              : b.op == ">"  ? v > b.version
              : b.op == "<=" ? v <= b.version
              : b.op == "<"  ? v < b.version
                             : v == b.version;
    if (!ok) return false;
  }
  return true;
}

bool Expectation::applies(std::string_view case_id, const Version& gnutls_version) const {
  if (!gnutls.contains(gnutls_version)) return false;
  std::string id(case_id);
  for (const auto& glob : cases)
    if (fnmatch(glob.c_str(), id.c_str(), 0) == 0) return true;
  return false;
}

std::string Expectation::deviation() const {
  if (!invariant) return "outcome " + outcome;
  return std::string(invariant_name(*invariant)) + (cause.empty() ? "" : ":" + cause);
}

bool Expectation::explains(std::string_view dev) const { return deviation_covers(deviation(), dev); }

bool deviation_covers(std::string_view entry, std::string_view dev) {
  if (dev == entry) return true;
  // An entry without a cause covers every cause of its invariant.
  bool invariant_without_cause =
      !entry.starts_with("outcome ") && entry.find(':') == std::string_view::npos;
  return invariant_without_cause && dev.size() > entry.size() && dev.starts_with(entry) &&
         dev[entry.size()] == ':';
}

Expectations load_expectations_text(const std::string& text, const std::string& name) {
  TomlCtx ctx{name};
  toml::table root = parse_toml(ctx, text);
  for (auto&& [key, value] : root)
    if (key.str() != "deviation")
      ctx.fail(value, "unknown top-level key '" + std::string(key.str()) +
                          "' (entries are [[deviation]] tables)");
  Expectations out;
  const toml::node* list_node = root.get("deviation");
  if (list_node == nullptr) return out;  // a file may state that nothing is known
  const toml::array* list = list_node->as_array();
  if (list == nullptr) ctx.fail(*list_node, "'deviation' must be an array of tables");
  for (const auto& node : *list) {
    const toml::table* t = node.as_table();
    if (t == nullptr) ctx.fail(node, "'deviation' must be an array of tables ([[deviation]])");
    out.entries.push_back(parse_entry(ctx, *t));
  }
  return out;
}

Expectations load_expectations(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir))
    throw CatalogError(dir.string() + ": expectations directory not found");
  Expectations all;
  // Named relative to the project (scenarios/expectations/x.toml) where the path allows it,
  // so that reports do not carry the build machine's directories.
  auto base = std::filesystem::absolute(dir).lexically_normal().parent_path().parent_path();
  for (const auto& file : files_in(dir, ".toml"))
    for (auto& e :
         load_expectations_text(
             read_text_file(file),
             std::filesystem::absolute(file).lexically_normal().lexically_relative(base).string())
             .entries)
      all.entries.push_back(std::move(e));
  return all;
}

std::filesystem::path default_expectations_dir() { return default_scenario_dir() / "expectations"; }

ExpectationLedger::ExpectationLedger(const Expectations& expectations, std::string gnutls_version)
    : expectations_(expectations),
      version_text_(std::move(gnutls_version)),
      version_(Version::parse(version_text_).value_or(Version{})) {
  for (std::size_t i = 0; i < expectations_.entries.size(); ++i)
    index_.emplace(expectations_.entries[i].where, i);
}

void ExpectationLedger::count(const json& record) {
  if (record.value("outcome", "") == "skip") return;
  std::string id = record.value("id", ""), group = group_of(record);
  std::set<std::size_t> observed;
  for (const auto& where : record.value("expected", json::array()))
    if (auto it = index_.find(where.get<std::string>()); it != index_.end())
      observed.insert(it->second);
  for (std::size_t i = 0; i < expectations_.entries.size(); ++i) {
    if (!expectations_.entries[i].applies(id, version_)) continue;
    Tally& t = tallies_[{i, group}];
    ++t.matched;
    t.observed += observed.contains(i) ? 1 : 0;
  }
}

std::vector<std::string> ExpectationLedger::stale(const std::set<std::string>& partial) const {
  std::vector<std::string> out;
  for (const auto& [key, t] : tallies_) {
    if (t.observed > 0 || partial.contains(key.second)) continue;
    const Expectation& e = expectations_.entries[key.first];
    out.push_back(e.where + ": known deviation " + e.deviation() + " (" + e.reason +
                  ") no longer occurs in " + key.second + " with GnuTLS " + version_text_ + ": " +
                  std::to_string(t.matched) + " case(s) matched, none deviated");
  }
  return out;
}

json ExpectationLedger::summary() const {
  json out = json::array();
  for (std::size_t i = 0; i < expectations_.entries.size(); ++i) {
    const Expectation& e = expectations_.entries[i];
    std::size_t matched = 0, observed = 0;
    json stale_groups = json::array();
    for (const auto& [key, t] : tallies_)
      if (key.first == i) {
        matched += t.matched;
        observed += t.observed;
        if (t.observed == 0) stale_groups.push_back(key.second);
      }
    out.push_back({{"where", e.where},
                   {"deviation", e.deviation()},
                   {"gnutls", e.gnutls.text()},
                   {"cases", e.cases},
                   {"reason", e.reason},
                   {"in_range", e.gnutls.contains(version_)},
                   {"matched", matched},
                   {"observed", observed},
                   {"stale_groups", std::move(stale_groups)}});
  }
  return out;
}

}  // namespace dirprobe
