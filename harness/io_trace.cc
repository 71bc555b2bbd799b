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

}  // namespace dirprobe
