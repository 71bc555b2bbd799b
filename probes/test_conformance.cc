// Conformance probes: every case of the scenario catalog, grouped into one GoogleTest test per
// (scenario, protocol, peer). A test fails when a case's outcome is not pass, naming the
// violated invariant and the command that replays the case.
#include <gtest/gtest.h>

#include <map>

#include "harness/catalog.h"
#include "harness/judge.h"

namespace dirprobe {
namespace {

struct Group {
  std::string name;  // "<scenario>_<protocol>_<peer>", alphanumeric and '_'
  std::vector<CaseSpec> cases;
};

std::string catalog_error;

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
  int failures = 0;
  for (const auto& spec : group.cases) {
    CaseResult r = run_and_judge(spec);
    if (r.outcome == Outcome::kPass) continue;
    ++failures;
    ADD_FAILURE() << spec.id() << ": " << outcome_name(r.outcome) << ": " << r.reason
                  << "\n  replay: " << replay_command(spec);
  }
  RecordProperty("cases", static_cast<int>(group.cases.size()));
  RecordProperty("failures", failures);
}

INSTANTIATE_TEST_SUITE_P(Catalog, Conformance, ::testing::ValuesIn(load_groups()),
                         [](const auto& param_info) { return param_info.param.name; });

// The catalog loads: without this, a broken scenario file would only show as missing tests.
TEST(Catalog, Loads) { EXPECT_EQ(catalog_error, "") << "scenario catalog failed to load"; }

}  // namespace
}  // namespace dirprobe
