// Holds: one side stops taking turns until the other side has blocked, then resumes. A hold
// begins where the fault plan's `hold` action marks the subject's trace (fault_plan.h): at the
// subject's pull the subject holds, from the end of the call that made the pull; at the
// subject's push the peer holds, so that it reads nothing of the pushed bytes until the subject
// has blocked. A `hold` step of either script begins one too, for the side whose script it is.
// "Blocked", after the hold began: a transport operation of the other side returned EAGAIN or
// EINTR (its trace shows it), or else one of its calls returned E_AGAIN/E_INTERRUPTED, so that
// its loop now waits (a call can do so with nothing blocked: see D2). A held side makes no call
// at all; a hold never released stalls the case.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/call_record.h"
#include "harness/io_trace.h"

namespace dirprobe {

// What a hold is checked against: one run's call log and both traces.
struct CaseRunView {
  const std::vector<CallRecord>& calls;
  const IoTrace& subject;
  const IoTrace& peer;
};

// One hold, as evidence against the call log and both traces: the holder made no call logged
// from `calls_from` on until tick `released`, and meanwhile the other side blocked: its trace
// entry `released_by` (at or after `other_from`) is a blocked operation, or else its logged
// call `released_by_call` (at or after `calls_from`) returned E_AGAIN/E_INTERRUPTED.
struct Hold {
  Side holder = Side::kSubject;
  std::optional<std::size_t> mark;         // the subject's trace entry that began it (none: a step)
  std::size_t other_from = 0;              // the other side's trace length when it began
  std::size_t calls_from = 0;              // where in the call log it began
  std::uint64_t begun = 0;                 // the tick in which it began
  std::size_t turns = 0;                   // turns the holder sat out
  std::optional<std::uint64_t> released;   // the tick the holder took its turn again
  std::optional<std::size_t> released_by;  // the other side's blocked operation
  std::optional<std::size_t> released_by_call;  // or its call that returned E_AGAIN
  bool other_done = false;  // released because the other side's script ended without blocking
};

class HoldTracker {
 public:
  // Before `side` takes its turn in `tick`: begins the hold of a new mark in the subject's
  // trace, or of `side`'s `hold` step (`at_step`); releases the current hold once the other
  // side has blocked since it began (or its script is done). True while `side` must sit the
  // turn out; false once the hold of its step is over (the step then ends).
  bool holding(Side side, std::uint64_t tick, const CaseRunView& run, bool other_done,
               bool at_step = false);

  const std::vector<Hold>& holds() const { return holds_; }
  // "subject holds since tick 7 (the peer has not blocked)"; empty when no hold is on.
  std::string pending() const;

 private:
  void begin(std::uint64_t tick, const CaseRunView& run);
  void begin_step(Side side, std::uint64_t tick, const CaseRunView& run);

  std::vector<Hold> holds_;
  std::size_t scanned_ = 0;  // the subject's trace entries looked at for marks
  bool active_ = false;      // the last hold is on
};

// One line for a call trace: "hold: the subject sat out 1 turn after 'pull 5 -> 5 (hold)'
// (subject trace #7, t3), until t5: the peer blocked ('pull 5 -> EAGAIN', peer trace #9)", or
// "hold: the peer sat out 2 turns at its 'hold' step (t4), until ...".
std::string hold_line(const Hold& hold, const CaseRunView& run);

// Checks one run's holds against its call log and traces: each released hold's other side
// really blocked after the hold began and before the holder's next call, and the holder made
// no call while it held. Returns what is wrong, or an empty string.
std::string check_holds(const std::vector<Hold>& holds, const CaseRunView& run);

}  // namespace dirprobe
