// Self-tests of holds (the fault plan's `hold`): a hold begins where the subject's trace marks
// it, on the side the operation names, and ends only when the other side has blocked; every
// flight-quench case meets that premise, and its evidence stands up against the traces.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/catalog.h"
#include "harness/hold.h"
#include "harness/judge.h"
#include "harness/planner.h"

namespace dirprobe {
namespace {

IoEvent op(IoOp o, long moved, bool hold = false) {
  IoEvent e{o, 5};
  e.moved = moved;
  e.err = moved < 0 ? EAGAIN : 0;
  e.hold = hold;
  return e;
}

CallRecord call(Side side, std::size_t begin, std::size_t end, std::uint64_t tick,
                Status status = Status::kOk) {
  CallOutcome out;
  out.status = status;
  return CallRecord{side, Api::kHandshake, 0, false, 0, out, {begin, end}, tick};
}

// A hold at the subject's pull keeps the subject out until the peer's trace shows a block made
// after the hold began; one made before it does not count.
TEST(Hold, SubjectHoldsUntilThePeerBlocks) {
  IoTrace subject = {op(IoOp::kPull, 5, true)};
  IoTrace peer = {op(IoOp::kPull, -1)};
  std::vector<CallRecord> calls = {call(Side::kPeer, 0, 1, 0, Status::kAgain),
                                   call(Side::kSubject, 0, 1, 1)};
  HoldTracker holds;
  CaseRunView view{calls, subject, peer};
  EXPECT_FALSE(holds.holding(Side::kPeer, 1, view, false));
  EXPECT_TRUE(holds.holding(Side::kSubject, 2, view, false));
  EXPECT_EQ(holds.pending(), "subject holds since tick 1 (the peer has not blocked)");
  peer.push_back(op(IoOp::kPush, 5));
  calls.push_back(call(Side::kPeer, 1, 2, 2));
  EXPECT_TRUE(holds.holding(Side::kSubject, 3, view, false));
  peer.push_back(op(IoOp::kPull, -1));
  calls.push_back(call(Side::kPeer, 2, 3, 3, Status::kAgain));
  EXPECT_FALSE(holds.holding(Side::kSubject, 4, view, false));
  ASSERT_EQ(holds.holds().size(), 1u);
  const Hold& h = holds.holds()[0];
  EXPECT_EQ(h.holder, Side::kSubject);
  EXPECT_EQ(h.released_by, 2u);
  EXPECT_EQ(h.turns, 2u);
  EXPECT_EQ(h.released, 4u);
  EXPECT_TRUE(holds.pending().empty());
  EXPECT_EQ(check_holds(holds.holds(), view), "");
}

// A hold at the subject's push keeps the peer out until the subject blocks, which may happen
// later in the very call that pushed; a peer that merely waits (E_AGAIN with nothing blocked)
// releases a subject's hold too, and a finished peer releases it without meeting the premise.
TEST(Hold, PeerHoldsUntilTheSubjectBlocks) {
  IoTrace subject = {op(IoOp::kPush, 5, true), op(IoOp::kPull, -1)};
  IoTrace peer;
  std::vector<CallRecord> calls = {call(Side::kSubject, 0, 2, 0, Status::kAgain)};
  HoldTracker holds;
  CaseRunView view{calls, subject, peer};
  EXPECT_FALSE(holds.holding(Side::kPeer, 0, view, false));
  EXPECT_EQ(holds.holds().at(0).released_by, 1u);
  EXPECT_EQ(holds.holds().at(0).turns, 0u);

  subject.push_back(op(IoOp::kPull, 5, true));
  calls.push_back(call(Side::kSubject, 2, 3, 1));
  EXPECT_FALSE(holds.holding(Side::kPeer, 1, view, false));  // the subject holds, not the peer
  calls.push_back(call(Side::kPeer, 0, 0, 1, Status::kAgain));
  EXPECT_FALSE(holds.holding(Side::kSubject, 2, view, false));
  EXPECT_EQ(holds.holds().at(1).released_by_call, 2u);
  EXPECT_FALSE(holds.holds().at(1).released_by);
  EXPECT_EQ(check_holds(holds.holds(), view), "");

  subject.push_back(op(IoOp::kPull, 5, true));
  calls.push_back(call(Side::kSubject, 3, 4, 2));
  EXPECT_FALSE(holds.holding(Side::kSubject, 3, view, true));
  EXPECT_TRUE(holds.holds().at(2).other_done);
}

// A `hold` step holds its own side from the end of its call that completed the step before:
// what the other side did since counts.
TEST(Hold, StepHoldsItsSide) {
  IoTrace subject = {op(IoOp::kPush, 5)};
  IoTrace peer = {op(IoOp::kPull, 5)};
  std::vector<CallRecord> calls = {call(Side::kSubject, 0, 1, 0), call(Side::kPeer, 0, 1, 0)};
  HoldTracker holds;
  CaseRunView view{calls, subject, peer};
  EXPECT_FALSE(holds.holding(Side::kSubject, 1, view, false));
  subject.push_back(op(IoOp::kPush, 5));
  calls.push_back(call(Side::kSubject, 1, 2, 1));
  EXPECT_TRUE(holds.holding(Side::kPeer, 1, view, false, true));
  subject.push_back(op(IoOp::kPush, -1));
  calls.push_back(call(Side::kSubject, 2, 3, 2, Status::kAgain));
  EXPECT_FALSE(holds.holding(Side::kPeer, 2, view, false, true));
  const Hold& h = holds.holds().at(0);
  EXPECT_FALSE(h.mark);
  EXPECT_EQ(h.holder, Side::kPeer);
  EXPECT_EQ(h.other_from, 1u);
  EXPECT_EQ(h.calls_from, 2u);
  EXPECT_EQ(h.released_by, 2u);
  EXPECT_EQ(h.turns, 1u);
  EXPECT_EQ(check_holds(holds.holds(), view), "");
  EXPECT_EQ(hold_line(h, view).substr(0, 53),
            "hold: the peer sat out 1 turn at its 'hold' step (t1)");
}

// Forged evidence is caught: a release said to be a block that is none, or a holder that
// called while holding.
TEST(Hold, CheckRejectsForgedEvidence) {
  IoTrace subject = {op(IoOp::kPull, 5, true), op(IoOp::kPull, 5)};
  IoTrace peer = {op(IoOp::kPull, 5), op(IoOp::kPull, -1)};
  std::vector<CallRecord> calls = {call(Side::kSubject, 0, 1, 0), call(Side::kPeer, 0, 1, 0),
                                   call(Side::kPeer, 1, 2, 1, Status::kAgain),
                                   call(Side::kSubject, 1, 2, 2)};
  CaseRunView view{calls, subject, peer};
  Hold good;  // the subject held after its pull until the peer's blocked pull
  good.mark = 0;
  good.other_from = 0;
  good.calls_from = 1;
  good.turns = 1;
  good.released = 2;
  good.released_by = 1;
  EXPECT_EQ(check_holds({good}, view), "");
  Hold not_a_block = good;
  not_a_block.released_by = 0;
  EXPECT_NE(check_holds({not_a_block}, view).find("no blocked operation"), std::string::npos);
  Hold called = good;
  called.released = 3;
  EXPECT_NE(check_holds({called}, view).find("made a call while holding"), std::string::npos);
  Hold wrong_side = good;
  wrong_side.holder = Side::kPeer;
  EXPECT_NE(check_holds({wrong_side}, view).find("holder is not"), std::string::npos);
}

// The premise of flight-quench holds in every one of its sweep points: the hold began, the
// other side blocked while the holder sat out, and the evidence matches the traces.
TEST(Hold, EveryFlightQuenchCaseMeetsItsPremise) {
  Catalog catalog = load_catalog(default_scenario_dir());
  auto it = std::find_if(catalog.scenarios.begin(), catalog.scenarios.end(),
                         [](const Scenario& s) { return s.base.scenario == "flight-quench"; });
  ASSERT_NE(it, catalog.scenarios.end());
  std::size_t points = 0, sat_out = 0;
  for (const CaseSpec& spec : plan_scenario(*it).cases) {
    if (!spec.sweep_point) continue;
    ++points;
    CaseResult r = run_and_judge(spec);
    EXPECT_NE(r.outcome, Outcome::kStalled) << spec.id() << ": " << r.reason;
    ASSERT_EQ(r.run.holds.size(), 1u) << spec.id();
    const Hold& h = r.run.holds[0];
    EXPECT_TRUE(h.released_by || h.released_by_call) << spec.id() << ": the other side never "
                                                     << "blocked while the holder sat out";
    EXPECT_EQ(check_holds(r.run.holds, {r.run.calls, r.run.subject_trace, r.run.peer_trace}), "")
        << spec.id();
    sat_out += h.turns > 0;
  }
  EXPECT_GT(points, 100u);
  EXPECT_GT(sat_out, 0u);
  RecordProperty("sweep_points", static_cast<int>(points));
  RecordProperty("holds_that_sat_out", static_cast<int>(sat_out));
}

}  // namespace
}  // namespace dirprobe
