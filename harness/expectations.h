// Known deviations per GnuTLS version (data under scenarios/expectations/): behaviour that
// differs from the documented contract and is recorded, not hidden. A case whose every
// deviation an entry covers has outcome "known" (its invariant verdicts stay "violated"); a
// deviation no entry covers keeps the case failing; an entry that covers nothing in a group of
// cases it applies to is "stale" and fails that group, so a fix in GnuTLS is noticed too.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/invariant_ids.h"
#include "harness/toml_reader.h"

namespace dirprobe {

// "3.7.9" as numbers; parts beyond the third are ignored.
struct Version {
  int major = 0, minor = 0, patch = 0;
  auto operator<=>(const Version&) const = default;
  static std::optional<Version> parse(std::string_view text);  // "3.8.9", "3.7"; else nullopt
};

// A conjunction of comparators: ">=3.7.0 <3.8", or "*" for every version.
class VersionRange {
 public:
  static VersionRange parse(std::string_view text);  // throws std::invalid_argument
  bool contains(const Version& v) const;
  const std::string& text() const { return text_; }

 private:
  struct Bound {
    std::string op;  // ">=", ">", "<=", "<", "="
    Version version;
  };
  std::vector<Bound> bounds_;
  std::string text_ = "*";
};

struct Expectation {
  std::string where;                   // "file:line"
  std::vector<std::string> cases;      // globs over case ids
  std::optional<Invariant> invariant;  // the violated asserted invariant (with `cause`), or
  std::string cause;                   // one cause the checker reports ("" = any cause)
  std::string outcome;                 // "stalled", "crash" or "fail" with no invariant named
  std::string error;                   // with outcome: text the case's end reason must contain
  VersionRange gnutls;
  std::string reason;  // one line: what GnuTLS does and why it is known
  // True when the entry is about this case id on this GnuTLS version.
  bool applies(std::string_view case_id, const Version& gnutls_version) const;
  std::string deviation() const;  // "D2", "D2:after-short-push" or "outcome stalled"
  // True when it explains the deviation named `deviation` (as deviations_of() spells it).
  bool explains(std::string_view deviation) const;
};

// True when an entry whose deviation is spelled `entry` ("D2", "D2:after-short-push",
// "outcome stalled") explains the deviation `deviation` (as deviations_of() spells it).
bool deviation_covers(std::string_view entry, std::string_view deviation);

struct Expectations {
  std::vector<Expectation> entries;
};

Expectations load_expectations_text(const std::string& text, const std::string& name);
// Every *.toml under `dir`; a missing directory is an error.
Expectations load_expectations(const std::filesystem::path& dir);
// default_scenario_dir() / "expectations".
std::filesystem::path default_expectations_dir();

// Tallies, per entry and group of cases ("<scenario>/<protocol>/<peer>"), how many cases the
// entry applied to and how many of them showed its deviation.
class ExpectationLedger {
 public:
  ExpectationLedger(const Expectations& expectations, std::string gnutls_version);
  const Version& version() const { return version_; }
  // Counts one judged case record (results JSON): every entry that applies to its id on this
  // version matched it; those the judge listed under "expected" observed it. A skipped case
  // gave no evidence either way and is not counted.
  void count(const nlohmann::json& record);
  // One line per stale (entry, group): the entry matched cases there but none deviated.
  // `partial`: groups the run held only in part (a replay of some cases): not reported, since
  // the cases that deviate may simply not have run.
  std::vector<std::string> stale(const std::set<std::string>& partial = {}) const;
  // Per entry: where, deviation, reason, cases matched and deviating.
  nlohmann::json summary() const;

 private:
  struct Tally {
    std::size_t matched = 0, observed = 0;
  };
  const Expectations& expectations_;
  std::string version_text_;
  Version version_;
  std::map<std::string, std::size_t, std::less<>> index_;  // entry by where
  std::map<std::pair<std::size_t, std::string>, Tally> tallies_;
};

}  // namespace dirprobe
