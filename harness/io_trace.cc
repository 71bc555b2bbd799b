#include "harness/io_trace.h"

#include <cerrno>

#include "harness/names.h"

namespace dirprobe {

bool IoEvent::blocked() const { return moved < 0 && (err == EAGAIN || err == EINTR); }

std::string IoEvent::text() const {
  std::string out = poll ? "poll" : (op == IoOp::kPush ? "push" : "pull");
  out += " " + std::to_string(requested) + " -> ";
  out += moved >= 0 ? std::to_string(moved) : errno_name(err);
  if (injected) out += " (injected)";
  if (hold) out += " (hold)";
  return out;
}

std::size_t bytes_moved(const IoTrace& trace, IoOp op, std::size_t end) {
  return bytes_moved(trace, op, TraceSpan{0, end});
}

std::size_t bytes_moved(const IoTrace& trace, IoOp op, TraceSpan span) {
  std::size_t total = 0;
  for (std::size_t i = span.begin; i < span.end && i < trace.size(); ++i)
    if (!trace[i].poll && trace[i].op == op && trace[i].moved > 0)
      total += static_cast<std::size_t>(trace[i].moved);
  return total;
}

}  // namespace dirprobe
