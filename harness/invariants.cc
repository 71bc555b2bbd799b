#include "harness/invariants.h"

#include <set>

#include "harness/names.h"

namespace dirprobe {

namespace {

bool interrupted(const CallOutcome& out) {
  return out.status == Status::kAgain || out.status == Status::kInterrupted;
}

// Collects evidence for one invariant: applicable calls seen, first violation kept.
struct Tally {
  std::size_t checked = 0;
  std::optional<Counterexample> first;
  template <typename Why>
  void check(bool ok, std::size_t index, Why&& why) {
    ++checked;
    if (!ok && !first) first = Counterexample{index, why()};
  }
  InvariantResult result(const std::string& na_note) const {
    if (first) return {Verdict::kViolated, std::to_string(checked) + " calls checked", first};
    if (checked == 0) return {Verdict::kNa, na_note, std::nullopt};
    return {Verdict::kHeld, std::to_string(checked) + " calls checked", std::nullopt};
  }
};

const IoEvent* last_blocked(const IoTrace& trace, TraceSpan span) {
  for (std::size_t i = span.end; i > span.begin; --i)
    if (trace[i - 1].blocked()) return &trace[i - 1];
  return nullptr;
}

bool has_op(const IoTrace& trace, TraceSpan span, IoOp op) {
  for (std::size_t i = span.begin; i < span.end; ++i)
    if (trace[i].op == op && !trace[i].poll) return true;
  return false;
}

// Why a call returned E_AGAIN although nothing blocked: the distinct causes are reported so a
// known one cannot hide a new one.
std::string d2_cause(const IoTrace& trace, TraceSpan span) {
  for (std::size_t i = span.end; i > span.begin; --i) {
    const IoEvent& e = trace[i - 1];
    if (e.poll) continue;
    if (e.op == IoOp::kPush && e.moved > 0 && static_cast<std::size_t>(e.moved) < e.requested)
      return "after-short-push";
    if (e.op == IoOp::kPull && e.moved > 0) return "after-successful-pull";
    if (e.op == IoOp::kPush && e.moved == 0 && e.requested > 0) return "after-zero-push";
    if (e.op == IoOp::kPush && e.moved > 0) return "after-successful-push";
    if (e.op == IoOp::kPull && e.moved == 0 && e.requested > 0) return "after-eof";
    break;
  }
  return span.begin == span.end ? "without-io" : "other";
}

std::string call_text(const CallRecord& c) {
  return std::string(call_api_name(c, "gnutls")) + " returned " + gnutls_rc_name(c.out.code) +
         " with direction " + direction_name(c.out.direction);
}

InvariantResult check_r1(const CaseRun& run) {
  for (const PatternChecker* rx : {&run.peer_rx, &run.subject_rx}) {
    const char* who = rx == &run.peer_rx ? "peer" : "subject";
    if (rx->error())
      return {Verdict::kViolated, "",
              Counterexample{run.calls.size(),
                             std::string(who) + " received bad data: " + rx->error()->text()}};
  }
  if (run.peer_rx.expected() + run.subject_rx.expected() == 0)
    return {Verdict::kNa, "no application data in this case", std::nullopt};
  if (run.peer_rx.complete() && run.subject_rx.complete())
    return {Verdict::kHeld,
            std::to_string(run.peer_rx.received() + run.subject_rx.received()) + " bytes checked",
            std::nullopt};
  return {Verdict::kNa,
          "transfer incomplete (" + std::string(run_end_name(run.end)) +
              "); the bytes received were all correct",
          std::nullopt};
}

InvariantResult check_l1(const CaseSpec& spec, const CaseRun& run) {
  if (spec.policy != LoopPolicy::kTrusting)
    return {Verdict::kNa, "oblivious loop: L1 needs the trusting policy", std::nullopt};
  bool expected_fatal = run.end == RunEnd::kFatal && run.hard_faults > 0;
  if (run.end == RunEnd::kCompleted || expected_fatal)
    return {Verdict::kHeld, "trusting loop finished in " + std::to_string(run.ticks) + " ticks",
            std::nullopt};
  if (run.end == RunEnd::kFatal)
    return {Verdict::kNa, "ended by an error: " + run.end_reason, std::nullopt};
  return {Verdict::kViolated, "",
          Counterexample{run.calls.empty() ? 0 : run.calls.size() - 1,
                         "the trusting loop did not complete: " + run.end_reason}};
}

InvariantResult check_b1(const CaseSpec& spec, const CaseRun& run) {
  if (!spec.buffer_bound) return {Verdict::kNa, "no buffer bound stated for this scenario", {}};
  long long held = std::max<long long>(run.heap_growth, static_cast<long long>(run.max_pending));
  std::string seen = "max heap growth " + std::to_string(run.heap_growth) + " B, max pending " +
                     std::to_string(run.max_pending) + " B, bound " +
                     std::to_string(*spec.buffer_bound) + " B";
  if (held <= static_cast<long long>(*spec.buffer_bound)) return {Verdict::kHeld, seen, {}};
  return {Verdict::kViolated, seen,
          Counterexample{run.calls.size(), "buffering exceeded the bound: " + seen}};
}

}  // namespace

InvariantResults evaluate_invariants(const CaseSpec& spec, const CaseRun& run) {
  Tally d1, d2, s1, s2, q1, q2;
  std::set<std::string> d2_causes;
  const IoTrace& trace = run.subject_trace;
  for (std::size_t i = 0; i < run.calls.size(); ++i) {
    const CallRecord& c = run.calls[i];
    if (c.side != Side::kSubject) continue;
    if (run.subject_traced) {
      if (c.api == Api::kSend)
        q1.check(!has_op(trace, c.io, IoOp::kPull), i,
                 [&] { return std::string("gnutls_record_send called pull"); });
      if (c.api == Api::kRecv)
        q2.check(!has_op(trace, c.io, IoOp::kPush), i,
                 [&] { return std::string("gnutls_record_recv called push"); });
    }
    if (!interrupted(c.out)) continue;
    if (c.api == Api::kSend)
      s1.check(c.out.direction == 1, i, [&] { return call_text(c) + "; expected 1 (write)"; });
    if (c.api == Api::kRecv)
      s2.check(c.out.direction == 0, i, [&] { return call_text(c) + "; expected 0 (read)"; });
    if (!run.subject_traced) continue;
    const IoEvent* blocked = last_blocked(trace, c.io);
    if (blocked == nullptr) {
      std::string cause = d2_cause(trace, c.io);
      d2_causes.insert(cause);
      d2.check(false, i, [&] {
        return call_text(c) + " but no transport operation blocked during the call [" + cause + "]";
      });
      continue;
    }
    d2.check(true, i, [] { return std::string(); });
    int want = blocked->op == IoOp::kPull ? 0 : 1;
    d1.check(c.out.direction == want, i, [&] {
      return call_text(c) + "; the last blocked operation was '" + blocked->text() +
             "', so expected " + direction_name(want);
    });
  }
  std::string untraced = run.subject_traced ? "" : " (GnuTLS socket I/O: no transport trace)";
  InvariantResults r;
  r[static_cast<int>(Invariant::D1)] =
      d1.result("no call returned E_AGAIN after a blocked operation" + untraced);
  r[static_cast<int>(Invariant::D2)] =
      d2.result("no call returned E_AGAIN/E_INTERRUPTED" + untraced);
  r[static_cast<int>(Invariant::D2)].causes.assign(d2_causes.begin(), d2_causes.end());
  r[static_cast<int>(Invariant::S1)] =
      s1.result("no gnutls_record_send returned E_AGAIN/E_INTERRUPTED");
  r[static_cast<int>(Invariant::S2)] =
      s2.result("no gnutls_record_recv returned E_AGAIN/E_INTERRUPTED");
  r[static_cast<int>(Invariant::Q1)] = q1.result("no gnutls_record_send call" + untraced);
  r[static_cast<int>(Invariant::Q2)] = q2.result("no gnutls_record_recv call" + untraced);
  r[static_cast<int>(Invariant::B1)] = check_b1(spec, run);
  r[static_cast<int>(Invariant::L1)] = check_l1(spec, run);
  r[static_cast<int>(Invariant::R1)] = check_r1(run);
  r[static_cast<int>(Invariant::M1)] = {Verdict::kNa, "control messages are not checked yet", {}};
  r[static_cast<int>(Invariant::R2)] = {Verdict::kNa, "no retry with other data or size", {}};
  return r;
}

}  // namespace dirprobe
