// Self-tests of the fault plan: each plan injects exactly what its text says, at the calls it
// names, and bad plan texts are rejected with a message naming them.
#include <gtest/gtest.h>

#include "harness/fault_plan.h"

namespace dirprobe {
namespace {

std::string run(FaultPlan plan, const std::vector<IoOp>& ops) {
  std::string out;
  for (IoOp op : ops) out += (out.empty() ? "" : " ") + plan.next(op).text();
  return out;
}

constexpr IoOp P = IoOp::kPush, L = IoOp::kPull;

// "push@2" hits the second push only, whatever pulls come between.
TEST(FaultPlan, NthPushOnly) {
  EXPECT_EQ(run(FaultPlan::parse("push@2=eagain"), {P, L, L, P, P}), "pass pass pass eagain pass");
}

// "io@N" counts pushes and pulls together.
TEST(FaultPlan, NthIo) {
  EXPECT_EQ(run(FaultPlan::parse("io@3=eintr"), {P, L, P, L}), "pass pass eintr pass");
}

// "pull%K" hits every Kth pull.
TEST(FaultPlan, EveryKthPull) {
  EXPECT_EQ(run(FaultPlan::parse("pull%2=short:4"), {L, L, P, L, L}),
            "pass short:4 pass pass short:4");
}

// A script is consumed in order, then passes; unused steps are reported.
TEST(FaultPlan, ScriptConsumedInOrder) {
  FaultPlan plan = FaultPlan::parse("script(push)=short:10,eagain,short:10");
  EXPECT_EQ(plan.next(P).text(), "short:10");
  EXPECT_EQ(plan.next(L).text(), "pass");
  EXPECT_EQ(plan.next(P).text(), "eagain");
  EXPECT_EQ(plan.unused_script_steps(), 1u);
  EXPECT_EQ(plan.next(P).text(), "short:10");
  EXPECT_EQ(plan.next(P).text(), "pass");
  EXPECT_EQ(plan.unused_script_steps(), 0u);
}

// A random plan is a pure function of its seed.
TEST(FaultPlan, RandomIsReproducible) {
  std::vector<IoOp> ops(200, P);
  std::string a = run(FaultPlan::parse("random(5,400)=eagain|short:2"), ops);
  EXPECT_EQ(a, run(FaultPlan::parse("random(5,400)=eagain|short:2"), ops));
  EXPECT_NE(a, run(FaultPlan::parse("random(6,400)=eagain|short:2"), ops));
  EXPECT_NE(a.find("eagain"), std::string::npos);
  EXPECT_NE(a.find("short:2"), std::string::npos);
}

// async:N alternates EAGAIN and a short transfer, separately for pushes and pulls.
TEST(FaultPlan, AsyncAlternates) {
  EXPECT_EQ(run(FaultPlan::parse("async:8"), {P, L, P, L}), "eagain eagain short:8 short:8");
}

TEST(FaultPlan, AllowanceCapsEveryCall) {
  EXPECT_EQ(run(FaultPlan::parse("allow:3"), {P, L}), "short:3 short:3");
}

// A hold is an action the plan takes (counted as injected, so a sweep point that reaches it is
// no stale one); the operation itself passes (the channel only marks it, see hold.h).
TEST(FaultPlan, HoldIsTakenAtItsOperation) {
  FaultPlan plan = FaultPlan::parse("push@2=hold");
  EXPECT_EQ(run(plan, {P, L, P, P}), "pass pass hold pass");
  FaultPlan counted = FaultPlan::parse("pull@1=hold");
  counted.next(L);
  EXPECT_EQ(counted.injected(), 1u);
  EXPECT_EQ(counted.hard_faults(), 0u);
}

// The plan counts what it saw and injected: two faults (the reset is a hard one, a later pass is
// not a fault), one push and two pulls; a fresh plan counts nothing.
TEST(FaultPlan, CountsInjectionsAndHardFaults) {
  FaultPlan plan = FaultPlan::parse("push@1=reset+pull@1=eagain");
  EXPECT_EQ(plan.injected() + plan.hard_faults() + plan.pushes() + plan.pulls(), 0u);
  EXPECT_EQ(plan.next(P).text(), "reset");
  EXPECT_EQ(plan.hard_faults(), 1u);
  EXPECT_EQ(plan.next(L).text(), "eagain");
  EXPECT_EQ(plan.next(L).text(), "pass");
  EXPECT_EQ(plan.injected(), 2u);
  EXPECT_EQ(plan.hard_faults(), 1u);
  EXPECT_EQ(plan.pushes(), 1u);
  EXPECT_EQ(plan.pulls(), 2u);
}

// The canonical text round-trips: it is what case ids are made of.
TEST(FaultPlan, TextRoundTrips) {
  for (const char* text : {"none", "push@3=eagain", "pull%4=eintr", "io@1=short:9+push@2=pipe",
                           "script(io)=pass,eagain,eof", "random(7,250)=eagain|short:1", "allow:5",
                           "async:64", "pull@3=hold"})
    EXPECT_EQ(FaultPlan::parse(text).text(), text);
}

TEST(FaultPlan, RejectsBadText) {
  for (const char* text :
       {"", "push@0=eagain", "push@x=eagain", "push@1", "push@1=explode", "disk@1=eagain",
        "short:0", "allow:0", "random(1)=eagain", "random(1,2000)=eagain", "push@1=short:0"}) {
    try {
      FaultPlan::parse(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const FaultPlanError& e) {
      EXPECT_NE(std::string(e.what()).find("fault plan"), std::string::npos) << e.what();
    }
  }
}

// A plan says whether it can split a transfer or lose a datagram (the catalog checks both
// against the transport).
TEST(FaultPlan, KnowsPartialTransfersAndDrops) {
  EXPECT_TRUE(FaultPlan::parse("push@2=short:3").moves_part());
  EXPECT_TRUE(FaultPlan::parse("allow:1").moves_part());
  EXPECT_TRUE(FaultPlan::parse("async:4").moves_part());
  EXPECT_FALSE(FaultPlan::parse("pull%3=eagain").moves_part());
  EXPECT_TRUE(FaultPlan::parse("pull@1=drop").drops());
  EXPECT_FALSE(FaultPlan::parse("push@1=eintr").drops());
}

}  // namespace
}  // namespace dirprobe
