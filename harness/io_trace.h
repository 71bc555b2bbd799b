// The I/O trace: every push and pull that one endpoint's transport was asked to do, with the
// bytes asked for, the bytes moved and the errno (injected by the fault plan or natural).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "harness/fault_plan.h"

namespace dirprobe {

struct IoEvent {
  IoOp op;
  std::size_t requested = 0;
  long moved = 0;         // bytes moved; -1 when the call failed; 0 = EOF (pull) / zero push
  int err = 0;            // errno when moved < 0
  bool injected = false;  // the fault plan decided this outcome (not the kernel)
  bool poll = false;      // a pull_timeout readiness check rather than a read
  bool hold = false;      // the fault plan's `hold` begins here (the operation itself passes)

  // The operation could not proceed now and the caller should retry (EAGAIN/EINTR).
  bool blocked() const;
  std::string text() const;  // "push 512 -> EAGAIN (injected)", "pull 5 -> 5 (hold)"
};

using IoTrace = std::vector<IoEvent>;

// Events a Channel keeps in its trace; later ones are counted, not kept, so that a library
// spinning on a blocked transport cannot exhaust memory (8 MiB a side at most). The largest
// trace of a case in the catalog has 67,645 events (recv-injected with allow:1).
inline constexpr std::size_t kTraceLimit = std::size_t{1} << 18;

// Bytes the first `end` events of `trace` moved in operation `op` (reads and writes, not
// readiness polls).
std::size_t bytes_moved(const IoTrace& trace, IoOp op, std::size_t end);

// A half-open range [begin, end) of one endpoint's trace: the I/O done during one API call.
struct TraceSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// Bytes the events of `span` moved in operation `op`.
std::size_t bytes_moved(const IoTrace& trace, IoOp op, TraceSpan span);

// Whether some of the call's I/O may be missing from `trace`, which dropped `dropped` events
// past its limit: a span that reaches the end of a full trace (the call may have gone on).
inline bool truncated(const IoTrace& trace, TraceSpan span, std::size_t dropped) {
  return dropped > 0 && span.end >= trace.size();
}

}  // namespace dirprobe
