// Self-tests of the planner and its cache: loading the catalog runs no TLS; a cached plan is the
// plan a fresh one would be; editing a scenario invalidates its entry and no other; a damaged
// entry is rebuilt; a sweep point past the end of the run fails as a stale plan.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/catalog.h"
#include "harness/driver.h"
#include "harness/judge.h"
#include "harness/plan_cache.h"
#include "harness/planner.h"

// The link wraps run_case (probes/CMakeLists.txt): every call made from outside the driver is
// counted here and then made as usual.
std::atomic<int> run_case_calls{0};
dirprobe::CaseRun real_run_case(const dirprobe::CaseSpec& spec) __asm__(
    "__real__ZN8dirprobe8run_caseERKNS_8CaseSpecE");
dirprobe::CaseRun counted_run_case(const dirprobe::CaseSpec& spec) __asm__(
    "__wrap__ZN8dirprobe8run_caseERKNS_8CaseSpecE");
dirprobe::CaseRun counted_run_case(const dirprobe::CaseSpec& spec) {
  ++run_case_calls;
  return real_run_case(spec);
}

namespace dirprobe {
namespace {

namespace fs = std::filesystem;

// One clean variant (a TLS 1.3 handshake), swept with EAGAIN at each of its pushes.
std::string swept(const std::string& name, const std::string& extra = "") {
  return "[[scenario]]\nname = \"" + name +
         "\"\nfamily = \"f\"\nclaim = \"c\"\nprotocols = [\"tls13\"]\nroles = [\"client\"]\n"
         "peers = [\"gnutls\"]\npolicies = [\"oblivious\"]\nsubject = [\"handshake\"]\n"
         "peer = [\"handshake\"]\nsweep = [\"eagain\"]\nsweep_ops = [\"push\"]\n"
         "assert = [\"D1\", \"L1\"]\npremises = [\"subject.again.handshake.push\"]\n" +
         extra;
}

Scenario scenario_of(const std::string& text) { return load_scenario_text(text, "t.toml").at(0); }

std::vector<std::string> ids(const std::vector<CaseSpec>& cases) {
  std::vector<std::string> out;
  for (const auto& c : cases) out.push_back(c.id() + (c.sweep_point ? " (sweep point)" : ""));
  return out;
}

class PlannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("dirprobe-plan-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    cached_.cache_root = root_;
    uncached_.use_cache = false;
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
  PlanOptions cached_, uncached_;
};

// Loading the catalog and expanding every scenario runs no case; only the planner runs one
// (the counter does see the driver: an uncached plan of a swept scenario moves it).
TEST_F(PlannerTest, LoadingTheCatalogRunsNoTls) {
  int before = run_case_calls;
  Catalog catalog = load_catalog(default_scenario_dir());
  std::size_t variants = 0;
  for (const auto& sc : catalog.scenarios) variants += expand(sc).size();
  EXPECT_GT(variants, catalog.scenarios.size());
  EXPECT_EQ(run_case_calls - before, 0) << "the catalog ran a case while loading";
  Plan plan = plan_scenario(scenario_of(swept("a")), uncached_);
  EXPECT_EQ(run_case_calls - before, 1);
  EXPECT_EQ(plan.clean_runs, 1u);
}

// Every scenario of the catalog planned from the cache gives the cases it gave when planned
// from its clean runs, in the same order, and the cached plan runs nothing.
TEST_F(PlannerTest, CachedPlanEqualsUncachedPlan) {
  for (const auto& sc : load_catalog(default_scenario_dir()).scenarios) {
    Plan cold = plan_scenario(sc, cached_);  // an empty cache: counted from clean runs
    EXPECT_FALSE(cold.from_cache) << sc.base.scenario;
    int before = run_case_calls;
    Plan warm = plan_scenario(sc, cached_);
    EXPECT_EQ(warm.from_cache, !sc.sweep.actions.empty()) << sc.base.scenario;
    EXPECT_EQ(ids(warm.cases), ids(cold.cases)) << sc.base.scenario;
    EXPECT_EQ(run_case_calls - before, 0) << sc.base.scenario << ": a cached plan ran cases";
  }
}

// Editing one scenario re-plans that scenario and no other; a comment or a new key order is
// not an edit.
TEST_F(PlannerTest, EditingAScenarioInvalidatesOnlyItsEntry) {
  Scenario a = scenario_of(swept("a")), b = scenario_of(swept("b"));
  EXPECT_FALSE(plan_scenario(a, cached_).from_cache);
  EXPECT_FALSE(plan_scenario(b, cached_).from_cache);
  EXPECT_TRUE(plan_scenario(a, cached_).from_cache);

  Scenario edited = scenario_of(swept("a", "sndbuf = 4096\n"));
  EXPECT_NE(plan_cache_key(edited), plan_cache_key(a));
  Plan replanned = plan_scenario(edited, cached_);
  EXPECT_FALSE(replanned.from_cache);
  EXPECT_EQ(replanned.clean_runs, 1u);
  EXPECT_TRUE(plan_scenario(b, cached_).from_cache) << "another scenario's entry was dropped";
  EXPECT_TRUE(plan_scenario(edited, cached_).from_cache);

  std::string text = swept("a");
  std::string reordered =
      "# a comment\n" + text.substr(0, text.find("sweep =")) +
      "\nsweep_ops = [\"push\"]\nsweep = [\"eagain\"]\nassert = [\"D1\", \"L1\"]\n"
      "premises = [\"subject.again.handshake.push\"]\n";
  EXPECT_EQ(plan_cache_key(scenario_of(reordered)), plan_cache_key(a));
}

// A damaged entry is a cache miss with a warning, and is written again.
TEST_F(PlannerTest, CorruptEntryIsIgnoredAndRebuilt) {
  Scenario a = scenario_of(swept("a"));
  auto expected = ids(plan_scenario(a, cached_).cases);
  std::ofstream(plan_cache_file(root_, a)) << "{\"format\": 1, \"clean\": [tru";
  ::testing::internal::CaptureStderr();
  Plan plan = plan_scenario(a, cached_);
  std::string warning = ::testing::internal::GetCapturedStderr();
  EXPECT_FALSE(plan.from_cache);
  EXPECT_EQ(ids(plan.cases), expected);
  EXPECT_NE(warning.find("ignoring " + plan_cache_file(root_, a).string()), std::string::npos)
      << warning;
  EXPECT_TRUE(plan_scenario(a, cached_).from_cache);
}

// A cached count larger than the run's: the extra sweep point is never reached, and its case
// fails as a stale plan instead of passing without its fault.
TEST_F(PlannerTest, SweepPointPastTheRunFailsAsStale) {
  Scenario a = scenario_of(swept("a"));
  Plan fresh = plan_scenario(a, cached_);
  std::size_t pushes = fresh.cases.size() - 1;  // the clean case, then push@1..N
  ASSERT_GT(pushes, 0u);
  fs::path file = plan_cache_file(root_, a);
  nlohmann::json entry = nlohmann::json::parse(std::ifstream(file));
  entry["clean"][0]["pushes"] = pushes + 2;
  std::ofstream(file) << entry.dump();

  Plan stale = plan_scenario(a, cached_);
  ASSERT_TRUE(stale.from_cache);
  ASSERT_EQ(stale.cases.size(), pushes + 3);
  CaseResult last_real = run_and_judge(stale.cases[pushes]);
  EXPECT_EQ(last_real.outcome, Outcome::kPass) << last_real.reason;
  const CaseSpec& past = stale.cases.back();
  EXPECT_EQ(past.fault_plan, "push@" + std::to_string(pushes + 2) + "=eagain");
  CaseResult r = run_and_judge(past);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_EQ(r.reason, "sweep point push@" + std::to_string(pushes + 2) +
                          " was never reached (the run made " + std::to_string(pushes) +
                          " pushes): stale plan");
  // The same plan that is not a sweep point is only a fault that did not happen.
  CaseSpec listed = past;
  listed.sweep_point = false;
  EXPECT_EQ(run_and_judge(listed).outcome, Outcome::kPass);
}

// DIRPROBE_NO_PLAN_CACHE=1 turns the cache off; the cache lives under DIRPROBE_CACHE.
TEST_F(PlannerTest, AListedFaultPlanTheSweepAlsoMakesIsRefused) {
  Scenario sc = scenario_of(swept("dup", "faults = [\"none\", \"push@1=eagain\"]\n"));
  try {
    plan_scenario(sc, uncached_);
    ADD_FAILURE() << "a case id planned twice was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("comes twice"), std::string::npos) << e.what();
  }
}

TEST(PlanOptions, EnvironmentSwitches) {
  const char* saved_off = std::getenv("DIRPROBE_NO_PLAN_CACHE");
  const char* saved_root = std::getenv("DIRPROBE_CACHE");
  std::string off = saved_off ? saved_off : "", root = saved_root ? saved_root : "";
  ::setenv("DIRPROBE_NO_PLAN_CACHE", "1", 1);
  ::setenv("DIRPROBE_CACHE", "/somewhere/else", 1);
  PlanOptions options = PlanOptions::from_environment();
  EXPECT_FALSE(options.use_cache);
  EXPECT_EQ(options.cache_root, fs::path("/somewhere/else"));
  ::setenv("DIRPROBE_NO_PLAN_CACHE", "0", 1);
  EXPECT_TRUE(PlanOptions::from_environment().use_cache);
  saved_off ? ::setenv("DIRPROBE_NO_PLAN_CACHE", off.c_str(), 1)
            : ::unsetenv("DIRPROBE_NO_PLAN_CACHE");
  saved_root ? ::setenv("DIRPROBE_CACHE", root.c_str(), 1) : ::unsetenv("DIRPROBE_CACHE");
}

// The key covers this build and both runtimes.
TEST(PlanCache, KeyNamesTheBuildAndTheRuntimes) {
  const std::string& facts = plan_build_facts();
  EXPECT_NE(facts.find("executable build-id "), std::string::npos) << facts;
  EXPECT_NE(facts.find("gnutls " + gnutls_runtime_version()), std::string::npos) << facts;
  EXPECT_NE(facts.find("openssl " + openssl_runtime_version()), std::string::npos) << facts;
}

}  // namespace
}  // namespace dirprobe
