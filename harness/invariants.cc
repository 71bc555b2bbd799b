#include "harness/invariants.h"

#include <algorithm>
#include <set>

#include "harness/names.h"

namespace dirprobe {

namespace {

bool interrupted(const CallOutcome& out) {
  return out.status == Status::kAgain || out.status == Status::kInterrupted;
}

// Collects evidence for one invariant: applicable calls seen, first violation kept. A call
// that could not be judged (its I/O went past the trace limit) keeps the invariant from
// holding: without a violation elsewhere it is n/a.
struct Tally {
  std::size_t checked = 0, unjudged = 0;
  std::optional<Counterexample> first;
  template <typename Why>
  void check(bool ok, std::size_t index, Why&& why) {
    ++checked;
    if (!ok && !first) first = Counterexample{index, why()};
  }
  void skip() { ++unjudged; }
  InvariantResult result(const std::string& na_note) const {
    if (first) return {Verdict::kViolated, std::to_string(checked) + " calls checked", first};
    if (unjudged > 0)
      return {Verdict::kNa,
              std::to_string(unjudged) +
                  " calls not judged: their I/O may have gone past the trace limit (" +
                  std::to_string(kTraceLimit) + " events); " + std::to_string(checked) +
                  " calls checked",
              std::nullopt};
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
  // A misuse retry offered other bytes: there is no one stream the peer should have received.
  if (!run.reoffers.empty())
    return {Verdict::kNa,
            std::to_string(run.reoffers.size()) + " send(s) completed by a retry with other " +
                "bytes (retry mode " + std::string(retry_name(run.reoffers.front().mode)) +
                "): the application never offered one consistent stream; R2 judges them",
            std::nullopt};
  for (const PatternChecker* rx : {&run.peer_rx, &run.subject_rx}) {
    const char* who = rx == &run.peer_rx ? "peer" : "subject";
    if (rx->error())
      return {Verdict::kViolated, "",
              Counterexample{run.calls.size(),
                             std::string(who) + " received bad data: " + rx->error()->text()}};
  }
  // A send (send_file, early data) that reports more bytes than it was offered (a NULL, 0
  // retry: than its first offer). A send of 0 bytes with nothing of its own to offer is the
  // documented flush and reports the record it flushed.
  for (std::size_t i = 0; i < run.calls.size(); ++i) {
    const CallRecord& c = run.calls[i];
    bool data_send = c.api == Api::kSend || c.api == Api::kSendEarly || c.api == Api::kSendFile;
    if (c.side == Side::kSubject && data_send && c.out.status == Status::kOk &&
        c.out.bytes > static_cast<long>(c.size) && c.size > 0)
      return {Verdict::kViolated, "",
              Counterexample{i, std::string(c.null_retry ? "the NULL, 0 retry of a send of "
                                                         : "a send of ") +
                                    std::to_string(c.size) + " bytes returned " +
                                    std::to_string(c.out.bytes)}};
  }
  if (run.peer_rx.expected() + run.subject_rx.expected() == 0)
    return {Verdict::kNa, "no application data in this case", std::nullopt};
  // Every step completed, yet a side received less than the other reported sending (only a
  // side that read "any amount" can finish short).
  for (const PatternChecker* rx : {&run.peer_rx, &run.subject_rx})
    if (run.end == RunEnd::kCompleted && rx->received() < rx->expected())
      return {Verdict::kViolated, "",
              Counterexample{run.calls.size(),
                             std::string(rx == &run.peer_rx ? "peer" : "subject") + " received " +
                                 std::to_string(rx->received()) + " of the " +
                                 std::to_string(rx->expected()) +
                                 " bytes the other side's calls reported sent"}};
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
  std::string loop(policy_name(spec.policy));
  if (spec.policy == LoopPolicy::kOblivious)
    return {Verdict::kNa, "oblivious loop: it never waits, so L1 does not apply", std::nullopt};
  bool expected_fatal = run.end == RunEnd::kFatal && run.hard_faults > 0;
  if (run.end == RunEnd::kCompleted || expected_fatal)
    return {Verdict::kHeld, loop + " loop finished in " + std::to_string(run.ticks) + " ticks",
            std::nullopt};
  if (run.end == RunEnd::kFatal)
    return {Verdict::kNa, "ended by an error: " + run.end_reason, std::nullopt};
  return {Verdict::kViolated, "",
          Counterexample{run.calls.empty() ? 0 : run.calls.size() - 1,
                         "the " + loop + " loop did not complete: " + run.end_reason}};
}

InvariantResult check_b1(const CaseSpec& spec, const CaseRun& run) {
  if (!spec.buffer_bound) return {Verdict::kNa, "no buffer bound stated for this scenario", {}};
  // By accounting (unpushed + corked + pending bytes at each call's end); the heap change is
  // shown beside it but is not judged (it varies with GnuTLS's allocations).
  std::uint64_t held = run.subject_facts.max_held;
  std::string seen = "most bytes held " + std::to_string(held) + " B (heap growth " +
                     std::to_string(run.heap_growth) + " B), bound " +
                     std::to_string(*spec.buffer_bound) + " B";
  // The bytes unpushed after a call come from its last push, which a full trace may not have.
  if (held <= *spec.buffer_bound && run.subject_trace_dropped > 0)
    return {Verdict::kNa, seen + "; not judged: the trace reached its limit", {}};
  if (held <= *spec.buffer_bound) return {Verdict::kHeld, seen, {}};
  return {Verdict::kViolated, seen,
          Counterexample{run.calls.size(), "buffering exceeded the bound: " + seen}};
}

// M1, one direction: the control messages `from` reported sending, against what `to` reported
// receiving, over the whole connection. Control messages are the ones an application's call
// sends (alerts, heartbeats, HelloRequest, ClientHello, NewSessionTicket, CertificateRequest,
// KeyUpdate); the other handshake messages are vouched for by the handshake completing.
struct M1Side {
  const char* name;  // "subject to peer"
  Side side;
  const SideFacts& facts;
  const IoTrace& trace;
};



// A message is due at the receiver once the sender's call that reported it (or its first later
// call that succeeded) left nothing unpushed and the receiver pulled every byte pushed up to
// then: a library reads and processes a stream record by record, so the message must have
// been reported if it was on the wire. Only on stream transports with both sides traced.
bool due(const CaseRun& run, const M1Side& from, const M1Side& to, const ControlMessage& m) {
  for (std::size_t i = m.call; i < run.calls.size(); ++i) {
    const CallRecord& c = run.calls[i];
    if (c.side != from.side) continue;
    if (c.out.status != Status::kOk) continue;
    for (std::size_t k = c.io.end; k > c.io.begin; --k) {
      const IoEvent& e = from.trace[k - 1];
      if (e.poll || e.op != IoOp::kPush) continue;
      if (e.moved < static_cast<long>(e.requested)) return false;
      break;
    }
    return bytes_moved(to.trace, IoOp::kPull, to.trace.size()) >=
           bytes_moved(from.trace, IoOp::kPush, c.io.end);
  }
  return false;
}

// The first way the direction breaks M1, with the call it points at (the receiving call of a
// message received twice or out of order; the sending call of a message lost).
std::optional<std::pair<std::string, std::size_t>> m1_direction(const CaseRun& run,
                                                                const M1Side& from,
                                                                const M1Side& to,
                                                                bool judge_missing,
                                                                std::size_t& checked) {
  std::vector<ControlMessage> sent, got;
  for (const auto& m : from.facts.messages.sent)
    if (judged_by_m1(m)) sent.push_back(m);
  auto in_sent = [&](const ControlMessage& m) {
    return std::any_of(sent.begin(), sent.end(), [&](const auto& s) { return s.same(m); });
  };
  for (const auto& m : to.facts.messages.received)
    if (judged_by_m1(m) && in_sent(m)) got.push_back(m);
  checked += sent.size();
  auto count = [](const std::vector<ControlMessage>& list, const ControlMessage& m) {
    return std::count_if(list.begin(), list.end(), [&](const auto& x) { return x.same(m); });
  };
  std::string where = std::string(" (") + from.name + ")";
  for (std::size_t k = 0; k < got.size(); ++k) {
    if (k < sent.size() && got[k].same(sent[k])) continue;
    if (count(got, got[k]) > count(sent, got[k]))
      return std::pair{got[k].text() + " was received " + std::to_string(count(got, got[k])) +
                           " times but reported sent " + std::to_string(count(sent, got[k])) +
                           where,
                       got[k].call};
    return std::pair{"messages arrived out of order: " + got[k].text() + " where " +
                         (k < sent.size() ? sent[k].text() : std::string("nothing more")) +
                         " was due" + where,
                     got[k].call};
  }
  if (got.size() < sent.size() && judge_missing && due(run, from, to, sent[got.size()])) {
    const ControlMessage& lost = sent[got.size()];
    return std::pair{lost.text() + " was reported sent (call #" + std::to_string(lost.call) +
                         ") but never reported received, although the receiver read every byte "
                         "sent up to then" + where,
                     lost.call};
  }
  return std::nullopt;
}

// What the peer received where a retried send says it sent its bytes.
enum class Arrival { kNothing, kFirst, kRetry, kMix, kOther };

Arrival arrival_of(const StretchBytes& b, std::uint64_t length) {
  if (length == 0 || b.missing == length) return Arrival::kNothing;
  if (b.other > 0) return Arrival::kOther;
  if (b.complement == 0) return Arrival::kFirst;
  if (b.stream == 0) return Arrival::kRetry;
  return Arrival::kMix;
}

std::string arrival_text(Arrival a) {
  switch (a) {
    case Arrival::kNothing:
      return "peer received none of it";
    case Arrival::kFirst:
      return "peer received the first offer's bytes";
    case Arrival::kRetry:
      return "peer received the retry's bytes";
    case Arrival::kMix:
      return "peer received a mix of both offers";
    case Arrival::kOther:
      return "peer received bytes of neither offer";
  }
  return "?";
}

// One retried send in words: "retry of 8192 after a first offer of 16384 returned 16384; peer
// received the first offer's bytes".
std::string reoffer_text(const Reoffer& r, Arrival a) {
  return "retry of " + std::to_string(r.retry) + " after a first offer of " +
         std::to_string(r.first) + " returned " + std::to_string(r.returned) + "; " +
         arrival_text(a);
}

// Received bytes that differ from the stream outside every retried send's stretch: loss or
// duplication, which no retry explains. The first such offset, if any.
std::optional<std::uint64_t> mismatch_outside(const CaseRun& run) {
  for (const Mismatch& m : run.peer_rx.mismatches()) {
    std::uint64_t covered = 0;
    for (const Reoffer& r : run.reoffers) {
      std::uint64_t end = r.offset + static_cast<std::uint64_t>(std::max(r.returned, 0L));
      std::uint64_t lo = std::max(m.offset, r.offset), hi = std::min(m.offset + m.length, end);
      if (lo < hi) covered += hi - lo;
    }
    if (covered < m.length) return m.offset;
  }
  return std::nullopt;
}

InvariantResult check_m1(const CaseSpec& spec, const CaseRun& run) {
  M1Side subject{"subject to peer", Side::kSubject, run.subject_facts, run.subject_trace};
  M1Side peer{"peer to subject", Side::kPeer, run.peer_facts, run.peer_trace};
  // A missing message is judged on stream transports with the subject's I/O traced, and only
  // from whole traces: whether it was due is read from the bytes each side pushed and pulled.
  bool full = run.subject_trace_dropped + run.peer_trace_dropped > 0;
  bool stream = spec.transport != TransportKind::kDgram && run.subject_traced && !full;
  std::size_t checked = 0;
  auto broken = m1_direction(run, subject, peer, stream, checked);
  if (!broken) broken = m1_direction(run, peer, subject, stream, checked);
  if (broken)
    return {Verdict::kViolated, std::to_string(checked) + " messages checked",
            Counterexample{broken->second, broken->first}};
  if (checked == 0) return {Verdict::kNa, "no control message was sent", {}};
  if (full)
    return {Verdict::kNa,
            std::to_string(checked) +
                " messages checked; a missing one not judged: the trace reached its limit",
            {}};
  return {Verdict::kHeld, std::to_string(checked) + " messages checked", {}};
}

// R2: sends retried with other bytes or another size (the misuse retry modes). Each one's
// return is set against the size it passed and the first offer, and what the peer received
// where the call says it sent against both offers. Violated when a retry returns more than
// the first offer, or the peer received a mix of the offers, or bytes of neither (also
// outside the retried sends). The note counts each distinct fact.
InvariantResult check_r2(const CaseSpec& spec, const CaseRun& run) {
  if (!retries_other_data(spec.retry))
    return {Verdict::kNa,
            "retry mode " + std::string(retry_name(spec.retry)) + " offers the same data (R1)",
            std::nullopt};
  if (run.reoffers.empty())
    return {Verdict::kNa, "no send was retried (none returned E_AGAIN/E_INTERRUPTED)",
            std::nullopt};
  std::vector<std::pair<std::string, std::size_t>> facts;  // distinct fact, times seen
  std::optional<Counterexample> first;
  for (const Reoffer& r : run.reoffers) {
    std::uint64_t length = static_cast<std::uint64_t>(std::max(r.returned, 0L));
    Arrival a = arrival_of(run.peer_rx.classify(r.offset, length), length);
    std::string text = reoffer_text(r, a);
    auto seen = std::find_if(facts.begin(), facts.end(), [&](auto& f) { return f.first == text; });
    if (seen == facts.end())
      facts.emplace_back(text, 1);
    else
      ++seen->second;
    bool bad =
        r.returned > static_cast<long>(r.first) || a == Arrival::kMix || a == Arrival::kOther;
    if (bad && !first)
      first = Counterexample{r.call, "at stream offset " + std::to_string(r.offset) + ": " + text};
  }
  std::string note;
  for (const auto& [text, times] : facts)
    note +=
        (note.empty() ? "" : "; ") + text + (times > 1 ? " (x" + std::to_string(times) + ")" : "");
  if (auto outside = mismatch_outside(run); outside && !first)
    first = Counterexample{run.calls.size(), "peer received bytes of neither offer at offset " +
                                                 std::to_string(*outside) +
                                                 ", outside every retried send"};
  return {first ? Verdict::kViolated : Verdict::kHeld, note, first};
}

// One wire invariant from its findings: violated at the first (the count beside it), held with
// `held`, n/a when the wire was not judged or nothing it covers happened.
InvariantResult wire_result(const CaseRun& run, const CaseWire& w,
                            const std::vector<WireFinding>& found, const std::string& held,
                            const std::string& na) {
  if (!w.judged) return {Verdict::kNa, w.why_not, {}};
  if (!found.empty()) {
    const WireFinding& f = found.front();
    std::string more =
        found.size() > 1 ? " (and " + std::to_string(found.size() - 1) + " more)" : "";
    return {Verdict::kViolated, std::to_string(found.size()) + " findings",
            Counterexample{run.calls.size(), f.direction + ", record " +
                                                 std::to_string(f.record) + ": " + f.what + more}};
  }
  if (!na.empty()) return {Verdict::kNa, na, {}};
  return {Verdict::kHeld, held, {}};
}

std::size_t sealed_records(const CaseWire& w) {
  return static_cast<std::size_t>(std::count_if(w.listing.begin(), w.listing.end(),
                                                [](const auto& l) { return l.record.key >= 0; }));
}

void judge_wire_invariants(const CaseRun& run, const CaseWire& w, InvariantResults& r) {
  const WireVerdict& v = w.verdict;
  std::size_t sealed = sealed_records(w);
  std::string counts = std::to_string(v.opened) + " of " + std::to_string(v.records) +
                       " records opened, " + std::to_string(sealed) + " sealed";
  std::string partial;
  for (const auto& why : v.not_judged) partial += (partial.empty() ? "" : "; ") + why;
  r[static_cast<int>(Invariant::N1)] =
      wire_result(run, w, v.n1, counts, sealed == 0 ? "no record was sealed" : "");
  r[static_cast<int>(Invariant::W1)] =
      wire_result(run, w, v.w1, counts, partial.empty() ? "" : "not judged in full: " + partial);
  r[static_cast<int>(Invariant::M2)] =
      wire_result(run, w, v.m2, counts, v.records == 0 ? "no record on the wire" : "");
}

}  // namespace

InvariantResults evaluate_invariants(const CaseSpec& spec, const CaseRun& run,
                                     const CaseWire& wire) {
  Tally d1, d2, s1, s2, q1, q2;
  std::set<std::string> d2_causes;
  const IoTrace& trace = run.subject_trace;
  for (std::size_t i = 0; i < run.calls.size(); ++i) {
    const CallRecord& c = run.calls[i];
    if (c.side != Side::kSubject) continue;
    // Q1, Q2, D1 and D2 read the call's I/O: a call whose I/O was not all kept is not judged.
    bool cut = run.subject_traced && truncated(trace, c.io, run.subject_trace_dropped);
    if (cut) {
      if (c.api == Api::kSend) q1.skip();
      if (c.api == Api::kRecv) q2.skip();
      if (interrupted(c.out)) {
        d1.skip();
        d2.skip();
      }
    }
    bool traced = run.subject_traced && !cut;
    if (traced) {
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
    if (!traced) continue;
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
  r[static_cast<int>(Invariant::M1)] = check_m1(spec, run);
  r[static_cast<int>(Invariant::R2)] = check_r2(spec, run);
  judge_wire_invariants(run, wire, r);
  return r;
}

}  // namespace dirprobe
