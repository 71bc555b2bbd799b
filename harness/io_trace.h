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

// A half-open range [begin, end) of one endpoint's trace: the I/O done during one API call.
struct TraceSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
};

}  // namespace dirprobe
