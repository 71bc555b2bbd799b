// One side's script: the steps it runs, at most one library call per pending activity per tick,
// each call logged as a CallRecord. Every kind of step has its own handler (side_runner.cc);
// a request the peer makes (a renegotiation, a certificate request, a heartbeat ping) is
// answered before the script goes on. After E_AGAIN an activity calls again when the side's
// loop model (loop_model.h) says so.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/call_record.h"
#include "harness/case_spec.h"
#include "harness/channel.h"
#include "harness/endpoint.h"
#include "harness/pattern.h"
#include "harness/reoffer.h"

namespace dirprobe {

// What one side did, beyond its calls: what its library reported sending and receiving, the
// most bytes it held, and which call completed its first handshake.
struct SideFacts {
  MessageLog messages;
  // Most bytes the library held at the end of a call: encrypted bytes a push did not take,
  // corked bytes (gnutls_record_check_corked) and received bytes not yet read
  // (gnutls_record_check_pending / SSL_pending). Accounting, not heap measurement.
  std::uint64_t max_held = 0;
  std::optional<std::size_t> handshake_done;  // index of the call that completed it
  // Other calls (Step::interject) made while the step's call was pending after E_AGAIN.
  std::uint32_t interleaved = 0;
  WireCapture wire;                  // the bytes this side pushed (wire.h)
  std::vector<KeylogEntry> keylog;   // the secrets its library exported
};

class SideRunner {
 public:
  // `steps`, `spec`, `endpoint` and `log` must outlive the runner; calls are appended to `log`.
  SideRunner(Side side, Role role, Endpoint& endpoint, const std::vector<Step>& steps,
             const CaseSpec& spec, LoopPolicy loop, std::vector<CallRecord>& log);
  ~SideRunner();
  SideRunner(const SideRunner&) = delete;
  SideRunner& operator=(const SideRunner&) = delete;

  // Makes this tick's calls (logged with `tick`); nothing once the side is done or failed.
  void tick(std::uint64_t tick);

  // At a `hold` step, which only the scheduler ends (hold.h), once the other side has blocked.
  bool at_hold() const;
  void end_hold();

  bool done() const;    // every step completed
  bool failed() const;  // a call failed fatally or the script cannot go on
  const std::string& failure() const;

  // In a handshake (its own, or answering the peer's): where a DTLS retransmission timer
  // matters.
  bool in_handshake() const;
  // DTLS: a loop that polls with the retransmission timeout wakes when it expires, whatever
  // direction it was waiting for.
  void timer_fired();

  // B1: sums the heap change across this side's calls after its first step (the handshake),
  // so that only what the library keeps between calls counts. The channel's trace is reserved
  // up front so its own growth during a call does not count.
  void measure_heap(Channel& channel);
  long long max_heap_held() const;

  // What the side did (its library's message reports are moved in by the driver).
  const SideFacts& facts() const;
  const PatternChecker& rx() const;  // what this side received
  // The sends a misuse retry completed (RetryMode different, smaller, larger; subject only).
  const std::vector<Reoffer>& reoffers() const;
  std::uint64_t tx() const;  // application bytes this side sent
  // Bytes of a send still pending (it returned E_AGAIN and was not retried to completion):
  // its first offer, which GnuTLS may have sealed and pushed in part or in full, and the bytes
  // of a step's other call reported sent after it (they count once it completes).
  std::uint64_t pending_offer() const;
  // Calls that succeeded and steps completed: part of the scheduler's progress measure.
  std::uint64_t successes() const;

 private:
  class State;
  std::unique_ptr<State> state_;
};

}  // namespace dirprobe
