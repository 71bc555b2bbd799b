// Self-tests of the driver and the invariant checkers on real sessions: a clean case passes,
// the tick budget ends a case that cannot progress, every call is logged with its I/O.
#include <gtest/gtest.h>

#include "harness/judge.h"

namespace dirprobe {
namespace {

CaseSpec transfer_case(std::string plan, LoopPolicy policy = LoopPolicy::kOblivious) {
  CaseSpec c;
  c.scenario = "selftest";
  c.variant = "tls13-client-gnutls";
  c.subject_steps = {Step{}, Step::transfer(4096, 0)};
  c.peer_steps = {Step{}, Step::transfer(0, 4096)};
  c.fault_plan = std::move(plan);
  c.policy = policy;
  c.asserted = {Invariant::D1, Invariant::S1, Invariant::S2, Invariant::L1, Invariant::R1};
  return c;
}

TEST(Driver, CleanCasePasses) {
  CaseResult r = run_and_judge(transfer_case("none", LoopPolicy::kTrusting));
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.reason;
  EXPECT_EQ(result_of(r.invariants, Invariant::R1).verdict, Verdict::kHeld);
  EXPECT_EQ(result_of(r.invariants, Invariant::L1).verdict, Verdict::kHeld);
  EXPECT_EQ(r.run.peer_rx.received(), 4096u);
}

// A transport that always says EAGAIN makes no progress: the case ends stalled, not hung.
// Bytes a recv returns ahead of its step (the peer's data for the next step, read in one call)
// count for the step they belong to: the script completes instead of waiting for more.
TEST(Driver, ReadAheadCountsForLaterSteps) {
  CaseSpec c = transfer_case("none");
  c.subject_steps = {Step{}, Step::transfer(0, 1024), Step::transfer(0, 1024)};
  c.peer_steps = {Step{}, Step::transfer(2048, 0)};
  CaseResult r = run_and_judge(c);
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.reason;
  EXPECT_EQ(r.run.subject_rx.received(), 2048u);
}

TEST(Driver, StallEndsTheCase) {
  CaseResult r = run_and_judge(transfer_case("io%1=eagain"));
  EXPECT_EQ(r.outcome, Outcome::kStalled);
  EXPECT_EQ(r.run.end, RunEnd::kStalled);
  EXPECT_LT(r.run.ticks, 100u);
}

// The tick budget cuts off a case that is still progressing.
TEST(Driver, BudgetEndsTheCase) {
  CaseSpec c = transfer_case("allow:1");
  c.tick_budget = 5;
  CaseResult r = run_and_judge(c);
  EXPECT_EQ(r.run.end, RunEnd::kBudget);
  EXPECT_EQ(r.outcome, Outcome::kStalled);
}

// Each call's trace span covers exactly the I/O done during it.
TEST(Driver, CallsOwnTheirIo) {
  CaseResult r = run_and_judge(transfer_case("push@1=eagain"));
  ASSERT_FALSE(r.run.calls.empty());
  const CallRecord& first = r.run.calls.front();
  EXPECT_EQ(first.side, Side::kSubject);
  EXPECT_EQ(first.out.status, Status::kAgain);
  EXPECT_EQ(first.out.direction, 1);
  ASSERT_EQ(first.io.end - first.io.begin, 1u);
  EXPECT_EQ(r.run.subject_trace[first.io.begin].text(), "push 346 -> EAGAIN (injected)");
  std::size_t covered = 0;
  for (const auto& call : r.run.calls)
    if (call.side == Side::kSubject) covered += call.io.end - call.io.begin;
  EXPECT_EQ(covered, r.run.subject_trace.size());
}

// A hard fault ends the case with an error, which is the expected outcome.
TEST(Driver, HardFaultIsExpectedError) {
  CaseResult r = run_and_judge(transfer_case("push@1=reset"));
  EXPECT_EQ(r.run.end, RunEnd::kFatal);
  EXPECT_EQ(r.outcome, Outcome::kPass) << r.reason;
}

// A setup error (a bad priority string) is a failed case with the reason, not an exception.
TEST(Driver, SetupErrorIsReported) {
  CaseSpec c = transfer_case("none");
  c.subject.priority = "NOT-A-PRIORITY";
  CaseResult r = run_and_judge(c);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.reason.find("gnutls_priority_set_direct"), std::string::npos) << r.reason;
}

// The checkers see a forged wrong direction: D1 and S1 are violated with a counterexample.
TEST(Invariants, WrongDirectionIsCaught) {
  CaseSpec c = transfer_case("none");
  CaseRun run = run_case(c);
  IoEvent blocked{IoOp::kPush, 100, -1, EAGAIN, true};
  run.subject_trace.push_back(blocked);
  CallRecord forged{Side::kSubject,
                    Api::kSend,
                    100,
                    false,
                    0,
                    {Status::kAgain, -28, 0, 0},
                    {run.subject_trace.size() - 1, run.subject_trace.size()},
                    0};
  run.calls.push_back(forged);
  CaseResult r = judge(c, std::move(run));
  EXPECT_EQ(result_of(r.invariants, Invariant::D1).verdict, Verdict::kViolated);
  EXPECT_EQ(result_of(r.invariants, Invariant::S1).verdict, Verdict::kViolated);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.reason.find("D1 violated"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace dirprobe
