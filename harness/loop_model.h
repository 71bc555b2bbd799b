// The subject's event loop: when an activity of a side (the step's own call, its sends, its
// receives) may call again after E_AGAIN. One model per LoopPolicy; docs/design.md has each
// model's table. Every model reads the real socket's readiness with zero-timeout waits only
// (poll, or epoll_wait on the side's own epoll fd), in the driver's one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "harness/case_spec.h"
#include "harness/unique_fd.h"

namespace dirprobe {

// What one activity waits for.
struct Wait {
  int dir = -1;                // -1: not waiting; 0/1: waiting for readable/writable
  std::uint64_t since = 0;     // edge: the tick of the E_AGAIN it waits after
  int retries = 0;             // busy: immediate retries left
  std::uint64_t retried = ~std::uint64_t{0};  // busy: the tick of its last immediate retry
  bool injected = false;       // edge: the E_AGAIN came from an injected fault (see blocked)
};

class LoopModel {
 public:
  // `fd` is the side's socket; `pending` reports the bytes GnuTLS holds received and unread
  // (gnutls_record_check_pending), which the `edge` model drains before it waits.
  LoopModel(LoopPolicy policy, int fd, std::function<std::size_t()> pending);

  // Once per tick, before the side's calls: polls the side's one wait (single-wait) or
  // collects the edges that came since the last tick (edge models).
  void begin_tick(std::uint64_t tick);
  // Whether the activity waiting on `wait` may call now; a wait it may call after ends.
  // `receive`: the activity is the step's receive (the one the edge drain concerns).
  bool ready(Wait& wait, bool receive);
  // A call of the activity returned E_AGAIN with `direction`. `injected`: the transport
  // operation that made it so was the fault plan's, not the kernel's; the edge models take it
  // as a socket that the peer then drains, which gives an edge at the next tick (a real loop
  // would get one; no real socket state stands behind the fault).
  void blocked(Wait& wait, int direction, bool injected);
  // A new step, or a DTLS timer that fired: the side's own wait ends (activities' waits are
  // reset by their owner).
  void reset();

  LoopPolicy policy() const { return policy_; }

 private:
  bool edge_after(const Wait& wait) const;

  LoopPolicy policy_;
  int fd_;
  std::function<std::size_t()> pending_;
  std::uint64_t tick_ = 0;
  Wait side_;               // single-wait: the side's one wait
  bool open_ = true;        // single-wait: activities may call this tick
  UniqueFd epoll_;          // edge models
  std::uint64_t last_edge_[2] = {0, 0};  // edge models: the tick an edge in 0/1 was collected
  bool any_edge_[2] = {false, false};
};

// The epoll events that one zero-timeout epoll_wait on `epoll_fd` returned (0: none); for the
// self-test of edge semantics and the edge models.
std::uint32_t collect_edges(int epoll_fd);
// An epoll fd watching `fd` edge-triggered for reading and writing (EPOLLIN|EPOLLOUT|EPOLLET).
UniqueFd edge_epoll(int fd);

}  // namespace dirprobe
