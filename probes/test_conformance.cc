// Conformance probes: every case of the scenario catalog, grouped into one GoogleTest test per
// (scenario, protocol, peer). A test fails when a case deviates in a way no entry of the
// expectations explains (naming the invariant and the command that replays the case), or when
// a known deviation no longer occurs in the group.
#include <gtest/gtest.h>

#include <map>

#include "harness/catalog.h"
#include "harness/expectations.h"
#include "harness/judge.h"
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
      for (auto& c : expand_all(sc)) {
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

class Conformance : public ::testing::TestWithParam<Group> {};

// Every case of the group completes without violating an invariant its scenario asserts.
TEST_P(Conformance, Cases) {
  const Group& group = GetParam();
  ExpectationLedger ledger(expectations(), gnutls_runtime_version());
  int failures = 0, known = 0;
  // Worker processes, as 'dirprobe run' does: a library crash or a call that never returns is
  // a recorded outcome of its case, not the end of this test.
  RunnerOptions options;
  options.known = {&expectations(), ledger.version()};
  auto records = run_cases(group.cases, options);
  for (std::size_t i = 0; i < group.cases.size(); ++i) {
    const CaseSpec& spec = group.cases[i];
    const nlohmann::json& record = records[i];
    ledger.count(record);
    std::string outcome = record["outcome"];
    known += outcome == "known";
    if (outcome == "pass" || outcome == "known") continue;
    ++failures;
    ADD_FAILURE() << spec.id() << ": " << outcome << ": " << record.value("reason", "")
                  << "\n  replay: " << replay_command(spec);
  }
  for (const auto& line : ledger.stale()) ADD_FAILURE() << "stale expectation: " << line;
  RecordProperty("cases", static_cast<int>(group.cases.size()));
  RecordProperty("known_deviations", known);
  RecordProperty("failures", failures);
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
