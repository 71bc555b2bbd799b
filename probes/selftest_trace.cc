// Self-tests of the bounded trace: a call whose I/O went past the trace limit is not judged by
// the checkers that read it, and the results say the trace was truncated.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "harness/results.h"

namespace dirprobe {
namespace {

using nlohmann::json;

// The spec the forged runs below are judged against (they never run).
CaseSpec forged_spec() {
  CaseSpec c;
  c.scenario = "selftest";
  c.variant = "tls13-client-gnutls";
  c.asserted = {Invariant::D1, Invariant::D2, Invariant::S1, Invariant::Q1};
  return c;
}

// A subject send that returned E_AGAIN with direction 1, its I/O in `io`.
CallRecord again_send(TraceSpan io) {
  CallRecord call{};
  call.side = Side::kSubject;
  call.api = Api::kSend;
  call.size = 100;
  call.out = {Status::kAgain, -28, 0, 1};
  call.io = io;
  return call;
}

// Such a send made after the trace filled up: its I/O was counted, not kept.
CallRecord send_past_the_limit(CaseRun& run, std::size_t events) {
  run.subject_trace_dropped += events;
  return again_send({run.subject_trace.size(), run.subject_trace.size()});
}

// A call whose I/O the trace did not keep is n/a for D1, D2 and Q1 (which read the I/O), never
// held, and so is B1 (bytes left unpushed come from the trace); S1 (the direction alone) is
// still judged; the record says the trace was truncated.
TEST(TraceBound, TruncatedCallIsNotJudged) {
  CaseSpec c = forged_spec();
  c.buffer_bound = 65536;
  CaseRun run;
  run.calls.push_back(send_past_the_limit(run, 5));
  CaseResult r = judge(c, std::move(run));
  for (Invariant inv : {Invariant::D1, Invariant::D2, Invariant::Q1}) {
    const InvariantResult& res = result_of(r.invariants, inv);
    EXPECT_EQ(res.verdict, Verdict::kNa) << invariant_name(inv);
    EXPECT_NE(res.note.find("1 calls not judged"), std::string::npos) << res.note;
  }
  EXPECT_EQ(result_of(r.invariants, Invariant::B1).verdict, Verdict::kNa);
  EXPECT_EQ(result_of(r.invariants, Invariant::S1).verdict, Verdict::kHeld);
  json j = case_to_json(r);
  EXPECT_EQ(j["trace_truncated"], (json{{"subject", 5}, {"peer", 0}}));
  std::string line = call_line(r.run, r.run.calls.size() - 1);
  EXPECT_NE(line.find("the trace was full"), std::string::npos) << line;
}

// A violation in a call whose I/O was kept is still a violation, whatever else was truncated.
TEST(TraceBound, ViolationElsewhereStillCounts) {
  CaseSpec c = forged_spec();
  CaseRun run;
  // A send whose last blocked operation was a pull, yet it reports direction 1 (write); then
  // a send whose first push is the last event the trace kept.
  run.subject_trace.push_back({IoOp::kPull, 100, -1, EAGAIN, true});
  run.subject_trace.push_back({IoOp::kPush, 100, -1, EAGAIN, false});
  run.calls.push_back(again_send({0, 1}));
  run.calls.push_back(again_send({1, 2}));
  run.subject_trace_dropped = 3;
  CaseResult r = judge(c, std::move(run));
  EXPECT_EQ(result_of(r.invariants, Invariant::D1).verdict, Verdict::kViolated);
  EXPECT_EQ(result_of(r.invariants, Invariant::D1).counterexample->call_index, 0u);
}

}  // namespace
}  // namespace dirprobe
