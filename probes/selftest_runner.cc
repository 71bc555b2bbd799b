// Self-tests of the runner: a worker that aborts or hangs in the middle of a case costs that
// case (recorded as crash or stalled, with the reason) and nothing else; records come back in
// case order whatever the number of workers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "harness/runner.h"

namespace dirprobe {
namespace {

using nlohmann::json;

std::vector<CaseSpec> specs(int n) {
  std::vector<CaseSpec> out(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    out[static_cast<std::size_t>(i)].scenario = "runner";
    out[static_cast<std::size_t>(i)].variant = "case" + std::to_string(i);
  }
  return out;
}

// A stand-in for a case: aborts on case1, hangs on case2, else returns a record naming it.
json misbehave(const CaseSpec& spec, const KnownDeviations&) {
  if (spec.variant == "case1") std::abort();
  if (spec.variant == "case2") pause();
  return {{"id", spec.id()}, {"outcome", "pass"}, {"pid", getpid()}};
}

RunnerOptions options(int jobs) {
  RunnerOptions o;
  o.jobs = jobs;
  o.case_timeout_ms = 300;
  o.run_one = misbehave;
  return o;
}

// The aborted and the hung case are recorded as such; every other case still runs.
TEST(Runner, AbortAndHangCostOnlyTheirCase) {
  for (int jobs : {1, 3}) {
    auto records = run_cases(specs(6), options(jobs));
    ASSERT_EQ(records.size(), 6u);
    EXPECT_EQ(records[1]["outcome"], "crash") << jobs;
    EXPECT_EQ(records[1]["end"], "crash");
    EXPECT_NE(records[1]["reason"].get<std::string>().find("Aborted"), std::string::npos)
        << records[1]["reason"];
    EXPECT_EQ(records[2]["outcome"], "stalled") << jobs;
    EXPECT_EQ(records[2]["end"], "hang");
    EXPECT_NE(records[2]["reason"].get<std::string>().find("no result within 300 ms"),
              std::string::npos)
        << records[2]["reason"];
    for (std::size_t i : {0u, 3u, 4u, 5u}) {
      EXPECT_EQ(records[i]["outcome"], "pass") << i;
      EXPECT_EQ(records[i]["id"], specs(6)[i].id());
    }
  }
}

// on_case sees every record once, in case order, also with several workers.
TEST(Runner, DeliversInCaseOrder) {
  RunnerOptions o = options(4);
  std::vector<std::size_t> seen;
  o.on_case = [&](std::size_t i, const json&) { seen.push_back(i); };
  run_cases(specs(12), o);
  ASSERT_EQ(seen.size(), 12u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i);
}

// Cases run in worker processes, not in the caller.
TEST(Runner, WorkersAreOtherProcesses) {
  auto records = run_cases(specs(1), options(1));
  EXPECT_NE(records[0]["pid"].get<int>(), getpid());
}

}  // namespace
}  // namespace dirprobe
