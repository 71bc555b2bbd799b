// Self-tests of the driver and the invariant checkers on real sessions: a clean case passes,
// the tick budget ends a case that cannot progress, every call is logged with its I/O, and
// DTLS timers run on the virtual clock.
#include <gtest/gtest.h>
#include <sys/time.h>
#include <time.h>

#include "harness/judge.h"
#include "harness/pattern.h"
#include "harness/transport.h"
#include "harness/virtual_clock.h"

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

// A send retried with half the first offer's size (and other bytes), through 4 KiB buffers:
// R1 is n/a (no consistent stream was offered), R2 records what GnuTLS returned and sent.
CaseSpec smaller_retry_case() {
  CaseSpec c = transfer_case("none");
  c.subject_steps = {Step{}, Step::transfer(32768, 0)};
  c.peer_steps = {Step{}, Step::transfer(0, 32768)};
  c.buffers = {4096, 4096};
  c.retry = RetryMode::kSmaller;
  c.asserted = {Invariant::R2};
  return c;
}

TEST(Invariants, RetryWithOtherDataIsJudgedByR2) {
  CaseResult r = run_and_judge(smaller_retry_case());
  ASSERT_FALSE(r.run.reoffers.empty());
  EXPECT_EQ(result_of(r.invariants, Invariant::R1).verdict, Verdict::kNa);
  const InvariantResult& r2 = result_of(r.invariants, Invariant::R2);
  EXPECT_EQ(r2.verdict, Verdict::kHeld) << r2.note;
  EXPECT_NE(r2.note.find("retry of 8192 after a first offer of 16384 returned 16384; peer "
                         "received the first offer's bytes"),
            std::string::npos)
      << r2.note;
}

// The checker sees forged receptions: a mix of both offers, and a retry that returned more
// than its first offer, are R2 violations.
TEST(Invariants, R2CatchesAMixAndAnOverlongReturn) {
  CaseSpec c = smaller_retry_case();
  CaseRun run = run_case(c);
  ASSERT_FALSE(run.reoffers.empty());
  Reoffer first = run.reoffers.front();
  std::vector<std::uint8_t> bytes(32768);
  fill_pattern(c.seed, 0, bytes.data(), bytes.size());
  for (std::size_t i = first.offset + 100; i < first.offset + 200; ++i)
    bytes[i] = static_cast<std::uint8_t>(~bytes[i]);
  CaseRun mixed = run;
  mixed.peer_rx = PatternChecker(c.seed, bytes.size());
  mixed.peer_rx.consume(bytes.data(), bytes.size());
  CaseResult r = judge(c, std::move(mixed));
  const InvariantResult& r2 = result_of(r.invariants, Invariant::R2);
  EXPECT_EQ(r2.verdict, Verdict::kViolated);
  ASSERT_TRUE(r2.counterexample);
  EXPECT_NE(r2.counterexample->what.find("a mix of both offers"), std::string::npos);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  CaseRun overlong = run;
  overlong.reoffers.front().returned = static_cast<long>(first.first) + 1;
  EXPECT_EQ(result_of(judge(c, std::move(overlong)).invariants, Invariant::R2).verdict,
            Verdict::kViolated);
}

long long realtime_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

// Every program linked with the harness exports the clock the TLS libraries read.
TEST(VirtualClock, ThisProgramExportsIt) { EXPECT_TRUE(VirtualClock::interposed()); }

// The virtual clock stands still until advanced, both clock_gettime and gettimeofday read it,
// and the real clock is back when it ends.
TEST(VirtualClock, MovesOnlyWhenAdvanced) {
  EXPECT_FALSE(VirtualClock::advance(10));
  {
    VirtualClock clock;
    timespec a{}, b{};
    clock_gettime(CLOCK_REALTIME, &a);
    clock_gettime(CLOCK_REALTIME, &b);
    EXPECT_EQ(a.tv_sec, b.tv_sec);
    EXPECT_EQ(a.tv_nsec, b.tv_nsec);
    long long start = realtime_ms();
    EXPECT_TRUE(VirtualClock::advance(250));
    EXPECT_EQ(realtime_ms() - start, 250);
    EXPECT_EQ(VirtualClock::advanced_ms(), 250u);
    timeval tv{};
    gettimeofday(&tv, nullptr);
    EXPECT_EQ(tv.tv_sec * 1000LL + tv.tv_usec / 1000, start + 250);
  }
  EXPECT_FALSE(VirtualClock::running());
  EXPECT_EQ(VirtualClock::advanced_ms(), 0u);
}

// Check the premise: both libraries read their DTLS retransmission timers from the virtual
// clock, so advancing it is what makes a timer expire.
TEST(VirtualClock, BothLibrariesTimersFollowIt) {
  for (PeerLibrary library : {PeerLibrary::kGnutls, PeerLibrary::kOpenssl}) {
    SCOPED_TRACE(std::string(peer_name(library)));
    VirtualClock clock;
    SocketPair pair = make_socket_pair(TransportKind::kDgram, {});
    EndpointConfig config;
    config.protocol = Protocol::kDtls12;
    auto ep = library == PeerLibrary::kGnutls
                  ? make_gnutls_endpoint(config, pair.a.get(), FaultPlan())
                  : make_openssl_endpoint(config, pair.a.get(), FaultPlan());
    EXPECT_EQ(ep->handshake().status, Status::kAgain);  // the ClientHello is out
    EXPECT_EQ(ep->retransmit_timeout_ms(), static_cast<int>(kDtlsRetransmitMs));
    VirtualClock::advance(60);
    EXPECT_EQ(ep->retransmit_timeout_ms(), static_cast<int>(kDtlsRetransmitMs) - 60);
    VirtualClock::advance(40);
    EXPECT_EQ(ep->retransmit_timeout_ms(), 0);
  }
}

CaseSpec dtls_case(std::string plan) {
  CaseSpec c;
  c.scenario = "selftest";
  c.variant = "dtls12-client-gnutls-dgram";
  c.subject.protocol = Protocol::kDtls12;
  c.subject.key = KeyType::kRsa2048;  // as the DTLS scenarios: OpenSSL 3.0 has no Ed25519 in DTLS
  c.transport = TransportKind::kDgram;
  c.send_chunk = 1000;
  c.subject_steps = {Step{}, Step::transfer(4096, 0)};
  c.peer_steps = {Step{}, Step::transfer(0, 4096)};
  c.fault_plan = std::move(plan);
  return c;
}

// A lost handshake datagram is retransmitted after the timers fire on the virtual clock; two
// runs make the same calls with the same I/O.
TEST(Driver, DtlsLossRecoversTheSameWayEveryRun) {
  CaseRun a = run_case(dtls_case("push@1=drop"));
  CaseRun b = run_case(dtls_case("push@1=drop"));
  EXPECT_EQ(a.end, RunEnd::kCompleted) << a.end_reason;
  EXPECT_GT(a.timer_waits, 0u);
  EXPECT_EQ(a.timer_waits, b.timer_waits);
  ASSERT_EQ(a.calls.size(), b.calls.size());
  ASSERT_EQ(a.subject_trace.size(), b.subject_trace.size());
  for (std::size_t i = 0; i < a.subject_trace.size(); ++i)
    EXPECT_EQ(a.subject_trace[i].text(), b.subject_trace[i].text()) << i;
  EXPECT_EQ(a.peer_rx.received(), 4096u);
}

// A blocking DTLS session's pull_timeout advances the virtual clock instead of sleeping: its
// handshake gives up after kDtlsTotalMs of virtual time, having retransmitted on schedule.
TEST(Driver, BlockingDtlsWaitsOnTheVirtualClock) {
  CaseSpec c = dtls_case("none");
  c.subject.nonblock = false;
  CaseRun run = run_case(c);
  EXPECT_EQ(run.end, RunEnd::kFatal);
  EXPECT_NE(run.end_reason.find("GNUTLS_E_TIMEDOUT"), std::string::npos) << run.end_reason;
  std::size_t pushes = 0;
  for (const auto& event : run.subject_trace) pushes += event.op == IoOp::kPush ? 1 : 0;
  EXPECT_EQ(pushes, 5u);  // sent at 0, 100, 300, 700 and 1500 ms
}

}  // namespace
}  // namespace dirprobe
