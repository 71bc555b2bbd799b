// DTLS retransmission timers, as the scheduler honours them. When no side has made progress
// and a side is in its handshake, a lost datagram can only be recovered by a retransmission
// timer: each side's loop wakes when its own timer is due, as an application that polls with
// gnutls_dtls_get_timeout() would. Waiting for a timer advances the case's virtual clock
// (virtual_clock.h) instead of sleeping.
#pragma once

#include <cstddef>

#include "harness/endpoint.h"
#include "harness/side_runner.h"

namespace dirprobe {

class DtlsTimers {
 public:
  // At most this many wakes per case.
  static constexpr std::size_t kMaxWaits = 24;

  // Wakes every side whose timer is already due (0), without waiting; if that changed nothing
  // last time, advances the clock to the earliest running timer and wakes the sides whose
  // timers are due by then. Returns false when no timer runs or kMaxWaits wakes were made.
  bool wake(SideRunner& subject, Endpoint& subject_endpoint, SideRunner& peer,
            Endpoint& peer_endpoint);
  // Wakes made so far.
  std::size_t waits() const { return waits_; }

 private:
  bool woke_due_ = false;
  std::size_t waits_ = 0;
};

}  // namespace dirprobe
