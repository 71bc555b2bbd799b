// Conformance probes: every case of the scenario catalog, grouped into one GoogleTest test per
// (scenario, protocol, peer). A test fails when a case deviates in a way no entry of the
// expectations explains (naming the invariant and the command that replays the case), or when
// a known deviation no longer occurs in the group.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "harness/catalog.h"
#include "harness/expectations.h"
#include "harness/judge.h"
#include "harness/planner.h"
#include "harness/results.h"
#include "harness/runner.h"

namespace dirprobe {
namespace {

struct Group {
  std::string name;  // "<scenario>_<protocol>_<peer>", alphanumeric and '_'
  std::vector<CaseSpec> cases;
};

// Test names and failure messages show the group's name, not its bytes.
void PrintTo(const Group& group, std::ostream* os) { *os << group.name; }

std::string catalog_error;

const Expectations& expectations() {
  static const Expectations loaded = [] {
    try {
      return load_expectations(default_expectations_dir());
    } catch (const std::exception& e) {
      catalog_error = e.what();
      return Expectations{};
    }
  }();
  return loaded;
}

std::vector<Group> load_groups() {
  std::map<std::string, Group> groups;
  std::vector<std::string> order;
  try {
    for (const auto& sc : load_catalog(default_scenario_dir()).scenarios)
      for (auto& c : plan_scenario(sc).cases) {
        std::string key = c.scenario + "_" + std::string(protocol_name(c.subject.protocol)) + "_" +
                          std::string(peer_name(c.peer));
        for (char& ch : key)
          if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
        auto [it, fresh] = groups.try_emplace(key, Group{key, {}});
        if (fresh) order.push_back(key);
        it->second.cases.push_back(std::move(c));
      }
  } catch (const std::exception& e) {
    catalog_error = e.what();
  }
  std::vector<Group> out;
  for (const auto& key : order) out.push_back(std::move(groups[key]));
  return out;
}

// Modification time of a file, or 0 when it cannot be read.
std::int64_t mtime_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0
             ? static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec
             : 0;
}

// The records of `group` from the host runtime's results, when that file is newer than this
// program and every scenario and expectation file (so this build and catalog made it) and
// holds every case of the group; else empty. The file has one case per line: only this
// group's lines are parsed.
std::vector<nlohmann::json> shared_records(const Group& group) {
  const std::string path = DIRPROBE_HOST_RESULTS;
  std::int64_t made = mtime_of(path);
  if (made == 0 || made < mtime_of("/proc/self/exe")) return {};
  for (const auto& f : std::filesystem::recursive_directory_iterator(default_scenario_dir()))
    if (made < mtime_of(f.path().string())) return {};
  std::map<std::string, std::size_t> wanted;
  for (std::size_t i = 0; i < group.cases.size(); ++i) wanted[group.cases[i].id()] = i;
  std::vector<nlohmann::json> records(group.cases.size());
  std::size_t found = 0;
  std::ifstream in(path);
  const std::string key = "\"id\":\"";
  for (std::string line; std::getline(in, line);) {
    auto at = line.find(key);
    if (at == std::string::npos) continue;
    auto end = line.find('"', at + key.size());
    auto it = wanted.find(line.substr(at + key.size(), end - at - key.size()));
    if (it == wanted.end()) continue;
    if (line.back() == ',') line.pop_back();
    records[it->second] = nlohmann::json::parse(line);
    ++found;
  }
  if (found != group.cases.size()) return {};
  return records;
}

class Conformance : public ::testing::TestWithParam<Group> {};

// Every case of the group completes without violating an invariant its scenario asserts.
TEST_P(Conformance, Cases) {
  const Group& group = GetParam();
  ExpectationLedger ledger(expectations(), gnutls_runtime_version());
  int failures = 0, known = 0, skipped = 0;
  std::string skip_reason;
  // Worker processes, as 'dirprobe run' does: a library crash or a call that never returns is
  // a recorded outcome of its case, not the end of this test.
  RunnerOptions options;
  options.known = {&expectations(), ledger.version()};
  auto records = shared_records(group);
  RecordProperty("source", records.empty() ? "ran its cases" : DIRPROBE_HOST_RESULTS);
  if (records.empty()) records = run_cases(group.cases, options);
  for (std::size_t i = 0; i < group.cases.size(); ++i) {
    const CaseSpec& spec = group.cases[i];
    const nlohmann::json& record = records[i];
    ledger.count(record);
    std::string outcome = record["outcome"];
    known += outcome == "known";
    if (outcome == "pass" || outcome == "known") continue;
    if (outcome == "skip") {  // the runtime or the peer lacks the feature: said, not failed
      ++skipped;
      skip_reason = record.value("reason", "");
      continue;
    }
    ++failures;
    ADD_FAILURE() << spec.id() << ": " << outcome << ": " << record.value("reason", "")
                  << "\n  replay: " << replay_command(spec);
  }
  for (const auto& line : ledger.stale()) ADD_FAILURE() << "stale expectation: " << line;
  RecordProperty("cases", static_cast<int>(group.cases.size()));
  RecordProperty("known_deviations", known);
  RecordProperty("failures", failures);
  RecordProperty("skipped", skipped);
  if (skipped == static_cast<int>(group.cases.size())) GTEST_SKIP() << skip_reason;
}

INSTANTIATE_TEST_SUITE_P(Catalog, Conformance, ::testing::ValuesIn(load_groups()),
                         [](const auto& param_info) { return param_info.param.name; });

// The catalog loads: without this, a broken scenario file would only show as missing tests.
TEST(Catalog, Loads) {
  expectations();
  EXPECT_EQ(catalog_error, "") << "scenario catalog or expectations failed to load";
}

}  // namespace
}  // namespace dirprobe
