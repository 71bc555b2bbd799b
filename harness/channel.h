// One endpoint's view of the transport: a non-blocking socket, the fault plan that may
// override each call, and the trace of what really happened. Both TLS libraries' callbacks
// (GnuTLS push/pull, the OpenSSL BIO) do their I/O through a Channel.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <optional>

#include "harness/fault_plan.h"
#include "harness/io_trace.h"
#include "harness/wire.h"

namespace dirprobe {

class Channel {
 public:
  // The trace keeps the first `trace_limit` events and counts the rest (trace_dropped()).
  Channel(int fd, FaultPlan plan, std::size_t trace_limit = kTraceLimit)
      : fd_(fd), plan_(std::move(plan)), trace_limit_(trace_limit) {}

  // Each returns bytes moved (>= 0) or -1 with the errno in last_errno(); the call and its
  // outcome are appended to the trace (or counted as dropped once it is full).
  long push(const void* data, std::size_t size);
  long pushv(const iovec* iov, int count);
  long pull(void* data, std::size_t size);
  // pull_timeout semantics: 1 if readable within `wait_ms` (default: now), 0 if not, -1 on
  // error. Never consults the fault plan (it moves no data) but is traced as a poll; a poll
  // that finds nothing to read is a blocked read (EAGAIN) in the trace.
  int poll_readable(int wait_ms = 0);

  int fd() const { return fd_; }
  int last_errno() const { return last_errno_; }
  const IoTrace& trace() const { return trace_; }
  std::size_t trace_size() const { return trace_.size(); }
  std::size_t trace_dropped() const { return trace_dropped_; }  // events past the limit
  void reserve_trace(std::size_t events) { trace_.reserve(events); }
  const FaultPlan& plan() const { return plan_; }
  std::size_t bytes_pushed() const { return bytes_pushed_; }
  std::size_t bytes_pulled() const { return bytes_pulled_; }
  // Hands over the bytes that left this side (wire.h), up to kCaptureLimit.
  WireCapture take_capture() { return std::move(capture_); }

 private:
  // Applies an injected fault that moves no data; returns the call's result.
  long inject(IoEvent& event, const FaultAction& action);
  long record(IoEvent event);
  // Appends the first `moved` bytes of `iov` to the capture, as one push.
  void capture(const iovec* iov, int count, std::size_t moved);

  // The fault plan's next action, except that a connection once reset, broken or at end of
  // stream stays so, as a real socket does: later operations repeat that hard fault. A `hold`
  // passes the operation and marks it in the trace (the driver holds a side, see hold.h).
  FaultAction next_action(IoOp op);

  int fd_;
  FaultPlan plan_;
  std::optional<FaultAction> hard_;
  bool hold_next_ = false;  // the next recorded operation is where a `hold` begins
  IoTrace trace_;
  std::size_t trace_limit_, trace_dropped_ = 0;
  int last_errno_ = 0;
  std::size_t bytes_pushed_ = 0, bytes_pulled_ = 0;
  WireCapture capture_;
};

}  // namespace dirprobe
