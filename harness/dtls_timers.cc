#include "harness/dtls_timers.h"

#include <algorithm>
#include <utility>

#include "harness/virtual_clock.h"

namespace dirprobe {
namespace {

// One wait moves the clock by at most this much: a side whose timer is further away is woken
// early, and its library finds nothing due.
constexpr unsigned kMaxTimerWaitMs = 1000;
// Timers less than this apart were started by flights of the same round, so they fire
// together: which of two timers a few microseconds apart expires first would be the clock's
// choice, and must not decide a case.
constexpr int kTimerSlackMs = static_cast<int>(kDtlsRetransmitMs / 2);

}  // namespace

bool DtlsTimers::wake(SideRunner& s, Endpoint& subject, SideRunner& p, Endpoint& peer) {
  if (waits_ >= kMaxWaits) return false;
  std::pair<SideRunner*, Endpoint*> sides[] = {{&s, &subject}, {&p, &peer}};
  int left[2], earliest = -1;
  bool due = false;
  for (int i = 0; i < 2; ++i) {
    left[i] = sides[i].first->in_handshake() ? sides[i].second->retransmit_timeout_ms() : -1;
    due = due || left[i] == 0;
    if (left[i] > 0 && (earliest < 0 || left[i] < earliest)) earliest = left[i];
  }
  // A timer at 0 that was woken last time without effect is not running (GnuTLS reports 0
  // before its first flight); the next wake waits for a running one.
  int limit = due && !woke_due_ ? 0 : earliest + kTimerSlackMs;
  woke_due_ = limit == 0;
  if (earliest < 0 && !woke_due_) return false;
  int wait = 0;
  for (int i = 0; i < 2; ++i)
    if (left[i] >= 0 && left[i] <= limit) wait = std::max(wait, left[i]);
  // One millisecond past the timer, as the poll this replaces waited.
  if (wait > 0) VirtualClock::advance(std::min(static_cast<unsigned>(wait), kMaxTimerWaitMs) + 1);
  for (int i = 0; i < 2; ++i)
    if (left[i] >= 0 && left[i] <= limit) {
      sides[i].second->on_timer();
      sides[i].first->timer_fired();
    }
  ++waits_;
  return true;
}

}  // namespace dirprobe
