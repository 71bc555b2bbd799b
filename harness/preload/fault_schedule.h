// The fault plan of the planned session, applied where GnuTLS makes its requests: each new
// push or pull request is one point of the plan (harness/fault_plan.h); a continuation of a
// request is never a point, but the byte rules (allow:N, async:N) apply to it too, so that a
// request split by them stays split.
#pragma once

#include <cstddef>
#include <string_view>

#include "harness/fault_plan.h"

namespace dirprobe::preload {

class FaultSchedule {
 public:
  // Throws FaultPlanError for a plan that does not parse, or one that uses hold or drop
  // (they need a peer the interposer does not control).
  explicit FaultSchedule(std::string_view plan_text);

  // The action for a new request (the next point of `op`).
  FaultAction at_point(IoOp op);
  // The action for a continuation of the current request.
  FaultAction at_continuation(IoOp op);

  std::size_t injected() const { return injected_; }
  std::size_t unused() const { return points_.unused_script_steps(); }

 private:
  FaultAction count(FaultAction a);

  FaultPlan points_;                        // the plan without its byte rules
  std::size_t allow_ = 0;                   // allow:N, 0 when absent
  std::size_t async_ = 0;                   // async:N, 0 when absent
  bool async_blocked_[2] = {false, false};  // per op: the last async step was EAGAIN
  std::size_t injected_ = 0;
};

}  // namespace dirprobe::preload
