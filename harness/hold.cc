#include "harness/hold.h"

namespace dirprobe {
namespace {

std::string side_word(Side side) { return side == Side::kSubject ? "subject" : "peer"; }
Side other(Side side) { return side == Side::kSubject ? Side::kPeer : Side::kSubject; }
const IoTrace& trace_of(const CaseRunView& run, Side side) {
  return side == Side::kSubject ? run.subject : run.peer;
}
bool waits(const CallOutcome& out) {
  return out.status == Status::kAgain || out.status == Status::kInterrupted;
}

// The first blocked operation of `trace` at or after `from`.
std::optional<std::size_t> first_block(const IoTrace& trace, std::size_t from) {
  for (std::size_t i = from; i < trace.size(); ++i)
    if (trace[i].blocked()) return i;
  return std::nullopt;
}

// The first call of `side` logged at or after `from` that returned E_AGAIN/E_INTERRUPTED.
std::optional<std::size_t> first_wait(const std::vector<CallRecord>& calls, Side side,
                                      std::size_t from) {
  for (std::size_t i = from; i < calls.size(); ++i)
    if (calls[i].side == side && waits(calls[i].out)) return i;
  return std::nullopt;
}

// The logged call of `side` whose I/O holds entry `entry` of that side's trace.
std::optional<std::size_t> call_of(const std::vector<CallRecord>& calls, Side side,
                                   std::size_t entry) {
  for (std::size_t i = 0; i < calls.size(); ++i)
    if (calls[i].side == side && calls[i].io.begin <= entry && entry < calls[i].io.end) return i;
  return std::nullopt;
}

// The length of `side`'s trace when call `index` was logged: the end of its last call before.
std::size_t length_before(const std::vector<CallRecord>& calls, Side side, std::size_t index) {
  std::size_t length = 0;
  for (std::size_t i = 0; i < index && i < calls.size(); ++i)
    if (calls[i].side == side) length = calls[i].io.end;
  return length;
}

// The index after `side`'s last logged call (0: none yet).
std::size_t after_last_call(const std::vector<CallRecord>& calls, Side side) {
  for (std::size_t i = calls.size(); i > 0; --i)
    if (calls[i - 1].side == side) return i;
  return 0;
}

// Where a marked hold began, as the log tells it: the other side's trace and the log from
// where its block counts. The subject holds after the call that made the mark; the peer from
// the subject's push on, so that a block later in that same call counts.
std::optional<std::pair<std::size_t, std::size_t>> start_of_mark(const Hold& h,
                                                                 const CaseRunView& run) {
  auto at = call_of(run.calls, Side::kSubject, *h.mark);
  if (!at || *h.mark >= run.subject.size() || !run.subject[*h.mark].hold) return std::nullopt;
  if (h.holder == Side::kSubject)
    return std::pair{length_before(run.calls, Side::kPeer, *at), *at + 1};
  return std::pair{*h.mark + 1, *at};
}

// Why the block said to release `h` is not one of the other side between the hold's start
// and the holder's next call (`resume`), or an empty string.
std::string check_release(const Hold& h, const CaseRunView& run,
                          std::optional<std::size_t> resume) {
  Side other_side = other(h.holder);
  const IoTrace& other_trace = trace_of(run, other_side);
  std::optional<std::size_t> call = h.released_by_call;
  if (h.released_by) {
    if (*h.released_by < h.other_from || *h.released_by >= other_trace.size() ||
        !other_trace[*h.released_by].blocked())
      return "its release names no blocked operation of the " + side_word(other_side);
    call = call_of(run.calls, other_side, *h.released_by);
  } else if (call && (*call >= run.calls.size() || run.calls[*call].side != other_side ||
                      !waits(run.calls[*call].out))) {
    return "its release names no call of the " + side_word(other_side) + " that waits";
  }
  if (!call || *call < h.calls_from || (resume && *call > *resume))
    return "the " + side_word(other_side) + " did not block between the hold and the " +
           side_word(h.holder) + "'s next call";
  return "";
}

std::string check_one(const Hold& h, const CaseRunView& run) {
  std::string who = h.mark ? "hold at subject trace entry " + std::to_string(*h.mark) + ": "
                           : "hold step of the " + side_word(h.holder) + ": ";
  if (h.mark) {
    auto start = start_of_mark(h, run);
    if (!start) return who + "no call of the subject made a marked operation there";
    if ((h.holder == Side::kSubject) != (run.subject[*h.mark].op == IoOp::kPull))
      return who + "the holder is not the one the operation names (pull: subject, push: peer)";
    if (h.other_from != start->first || h.calls_from != start->second)
      return who + "it began elsewhere than the log says";
  } else if (h.calls_from > run.calls.size() ||
             (h.calls_from > 0 && run.calls[h.calls_from - 1].side != h.holder) ||
             h.other_from != length_before(run.calls, other(h.holder), h.calls_from)) {
    return who + "it began elsewhere than the log says";
  }
  std::optional<std::size_t> resume;  // the holder's first call once the hold began
  for (std::size_t i = h.calls_from; i < run.calls.size() && !resume; ++i)
    if (run.calls[i].side == h.holder) resume = i;
  if (resume && (!h.released || run.calls[*resume].tick < *h.released))
    return who + "the " + side_word(h.holder) + " made a call while holding";
  if (!h.released_by && !h.released_by_call) return "";  // never released, or the other was done
  std::string wrong = check_release(h, run, resume);
  return wrong.empty() ? "" : who + wrong;
}

}  // namespace

void HoldTracker::begin(std::uint64_t tick, const CaseRunView& run) {
  for (; scanned_ < run.subject.size(); ++scanned_) {
    if (!run.subject[scanned_].hold || active_) continue;  // a mark within a hold is absorbed
    Hold h;
    h.holder = run.subject[scanned_].op == IoOp::kPull ? Side::kSubject : Side::kPeer;
    h.mark = scanned_;
    // Marks are looked for before each side's turn, so the peer has not moved since the
    // subject's call that made this one.
    h.other_from = h.holder == Side::kSubject ? run.peer.size() : scanned_ + 1;
    std::size_t after = after_last_call(run.calls, Side::kSubject);
    h.calls_from = h.holder == Side::kSubject ? after : after - 1;
    h.begun = tick;
    holds_.push_back(h);
    active_ = true;
  }
}

// A step holds from the end of the holder's call that completed the step before it: what the
// other side did since counts.
void HoldTracker::begin_step(Side side, std::uint64_t tick, const CaseRunView& run) {
  Hold h;
  h.holder = side;
  h.calls_from = after_last_call(run.calls, side);
  h.other_from = length_before(run.calls, other(side), h.calls_from);
  h.begun = tick;
  holds_.push_back(h);
  active_ = true;
}

bool HoldTracker::holding(Side side, std::uint64_t tick, const CaseRunView& run, bool other_done,
                          bool at_step) {
  begin(tick, run);
  if (at_step && !active_) begin_step(side, tick, run);
  if (!active_) return false;
  Hold& h = holds_.back();
  // A step waits behind the other side's hold (the loader keeps the two apart).
  if (h.holder != side) return at_step;
  h.released_by = first_block(trace_of(run, other(side)), h.other_from);
  if (!h.released_by) h.released_by_call = first_wait(run.calls, other(side), h.calls_from);
  if (!h.released_by && !h.released_by_call && !other_done) {
    ++h.turns;
    return true;
  }
  h.released = tick;
  h.other_done = !h.released_by && !h.released_by_call;
  active_ = false;
  return false;
}

std::string HoldTracker::pending() const {
  if (!active_) return "";
  const Hold& h = holds_.back();
  return side_word(h.holder) + " holds since tick " + std::to_string(h.begun) + " (the " +
         side_word(other(h.holder)) + " has not blocked)";
}

std::string hold_line(const Hold& h, const CaseRunView& run) {
  std::string holder = side_word(h.holder), other_side = side_word(other(h.holder));
  std::string out = "hold: the " + holder + " sat out " + std::to_string(h.turns) +
                    (h.turns == 1 ? " turn" : " turns");
  if (h.mark)
    out += " after '" + (*h.mark < run.subject.size() ? run.subject[*h.mark].text() : "?") +
           "' (subject trace #" + std::to_string(*h.mark) + ", t" + std::to_string(h.begun) + "), ";
  else
    out += " at its 'hold' step (t" + std::to_string(h.begun) + "), ";
  if (!h.released) return out + "never released: the " + other_side + " did not block";
  out += "until t" + std::to_string(*h.released) + ": ";
  if (h.released_by)
    return out + "the " + other_side + " blocked ('" +
           trace_of(run, other(h.holder))[*h.released_by].text() + "', " + other_side + " trace #" +
           std::to_string(*h.released_by) + ")";
  if (h.released_by_call)
    return out + "the " + other_side + " waits (its call #" + std::to_string(*h.released_by_call) +
           " returned E_AGAIN or SSL_ERROR_WANT_* with no transport operation blocked)";
  return out + "the " + other_side + " finished without blocking";
}

std::string check_holds(const std::vector<Hold>& holds, const CaseRunView& run) {
  for (const Hold& h : holds)
    if (std::string wrong = check_one(h, run); !wrong.empty()) return wrong;
  return "";
}

}  // namespace dirprobe
