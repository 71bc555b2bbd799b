// The wire decoder on the real libraries: the clean case of every variant in the catalog
// (every protocol, role, peer, transport and cipher it names) decodes every record it sent,
// with nothing left unjudged. (Whether what it decoded breaks N1, W1 or M2 is the matrix's
// verdict, with the expectations: a known deviation may show in a clean case.)
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "harness/catalog.h"
#include "harness/expectations.h"
#include "harness/judge.h"
#include "harness/scenario_variants.h"

namespace dirprobe {
namespace {

// Whether an expectation says the case crashes inside GnuTLS (an assertion would end this
// process: such cases run in workers elsewhere).
bool crashes(const Expectations& known, const Version& version, const std::string& id) {
  return std::any_of(known.entries.begin(), known.entries.end(), [&](const Expectation& e) {
    return e.outcome == "crash" && e.applies(id, version);
  });
}

TEST(WireCatalog, EveryCleanVariantDecodesInFull) {
  Expectations known = load_expectations(default_expectations_dir());
  Version version = Version::parse(gnutls_runtime_version()).value_or(Version{});
  std::set<std::string> suites;
  std::size_t decoded = 0, records = 0;
  for (const auto& sc : load_catalog(default_scenario_dir()).scenarios) {
    // A call that never returns (cork-uncork-wait) needs a worker and its watchdog.
    if (sc.base.timeout_ms > 0) continue;
    std::set<std::string> seen;
    for (auto spec : expand(sc)) {
      if (!seen.insert(spec.variant).second) continue;
      spec.fault_plan = "none";
      spec.sweep_point = false;
      if (crashes(known, version, spec.id())) continue;
      CaseResult r = run_and_judge(spec);
      // A case that did not run its course may end inside a record: not what this checks.
      if (r.outcome == Outcome::kSkip || r.run.end != RunEnd::kCompleted) continue;
      if (spec.subject.socket_io) {
        EXPECT_FALSE(r.wire.judged) << spec.id();
        continue;
      }
      ASSERT_TRUE(r.wire.judged) << spec.id() << ": " << r.wire.why_not;
      const WireVerdict& v = r.wire.verdict;
      EXPECT_GT(v.records, 0u) << spec.id();
      EXPECT_EQ(v.opened, v.records) << spec.id();
      for (const auto& why : v.not_judged) ADD_FAILURE() << spec.id() << ": " << why;
      suites.insert(r.wire.suite);
      ++decoded;
      records += v.records;
    }
  }
  RecordProperty("clean_cases_decoded", static_cast<int>(decoded));
  RecordProperty("records", static_cast<int>(records));
  std::string names;
  for (const auto& s : suites) names += s + " ";
  RecordProperty("suites", names);
  EXPECT_GT(decoded, 100u);
  EXPECT_EQ(suites.count(""), 0u) << "a clean case whose suite the decoder did not name";
}

}  // namespace
}  // namespace dirprobe
