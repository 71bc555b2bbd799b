// The driver: a single-threaded, deterministic scheduler that steps the subject (GnuTLS) and
// the peer in rounds ("ticks"), makes one API call per pending activity per tick, and logs
// every call with its outcome, reported direction and the I/O it caused. Every run is bounded:
// a case that stops making progress ends as stalled, one that runs too long as over budget.
// DTLS cases run on a virtual clock (virtual_clock.h): a retransmission timer costs no time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/api_table.h"
#include "harness/call_record.h"
#include "harness/case_spec.h"
#include "harness/endpoint.h"
#include "harness/hold.h"
#include "harness/io_trace.h"
#include "harness/pattern.h"
#include "harness/side_runner.h"
#include "harness/reoffer.h"

namespace dirprobe {

enum class RunEnd {
  kCompleted,  // both scripts ran to the end
  kFatal,      // a side's call failed fatally
  kStalled,    // no side made progress for a while: a deadlock or a spin
  kBudget,     // the tick budget ran out while progress was still being made
};
std::string_view run_end_name(RunEnd end);

struct CaseRun {
  RunEnd end = RunEnd::kCompleted;
  std::string end_reason;
  std::vector<CallRecord> calls;  // both sides, in order
  IoTrace subject_trace, peer_trace;
  // Events past the channel's trace limit (kTraceLimit), counted but not kept.
  std::size_t subject_trace_dropped = 0, peer_trace_dropped = 0;
  bool subject_traced = true;
  PatternChecker subject_rx{0, 0}, peer_rx{0, 0};  // what each side received
  std::vector<Reoffer> reoffers;  // the subject's sends completed by a misuse retry (R2)
  std::uint64_t subject_tx = 0, peer_tx = 0;  // application bytes each side sent
  // Bytes of a send each side left pending at the end (its first offer; 0: none).
  std::uint64_t subject_pending = 0, peer_pending = 0;
  std::size_t faults_injected = 0, hard_faults = 0, unused_script_steps = 0;
  std::uint64_t ticks = 0;
  std::size_t timer_waits = 0;  // DTLS: waits for a retransmission timer (bounded)
  std::size_t max_pending = 0;  // largest gnutls_record_check_pending() seen on the subject
  long long heap_growth =
      0;  // most heap the subject's calls retained after the handshake (mallinfo2)
  BufferSizes subject_buffers, peer_buffers;  // what the kernel granted
  SideFacts subject_facts, peer_facts;        // messages reported, bytes held
  // Resumption: both sides' key logs of the first connection (a resumed TLS 1.2 session
  // reuses its master secret).
  std::vector<KeylogEntry> first_keylog;
  std::string library_subject, library_peer;
  // The record cipher each side's library reports at the end (Endpoint::cipher()).
  std::string subject_cipher, peer_cipher;
  // The fault plan's holds: who sat out, until which block of the other side (hold.h).
  std::vector<Hold> holds;
  double wall_ms = 0;  // informational only; never part of a verdict
};

// Runs one case. Throws std::runtime_error (or a library error) if the case cannot be set up.
CaseRun run_case(const CaseSpec& spec);

}  // namespace dirprobe
