#include "harness/channel.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace dirprobe {

long Channel::record(IoEvent event) {
  last_errno_ = event.moved < 0 ? event.err : 0;
  event.hold = std::exchange(hold_next_, false);
  if (event.moved > 0 && !event.poll)
    (event.op == IoOp::kPush ? bytes_pushed_ : bytes_pulled_) += event.moved;
  if (trace_.size() < trace_limit_)
    trace_.push_back(event);
  else
    ++trace_dropped_;
  return event.moved;
}

void Channel::capture(const iovec* iov, int count, std::size_t moved) {
  if (moved == 0) return;
  std::vector<std::uint8_t>& bytes = capture_.bytes;
  for (int i = 0; i < count && moved > 0; ++i) {
    std::size_t len = std::min({iov[i].iov_len, moved, kCaptureLimit - bytes.size()});
    const auto* base = static_cast<const std::uint8_t*>(iov[i].iov_base);
    bytes.insert(bytes.end(), base, base + len);
    moved -= len;
    if (bytes.size() == kCaptureLimit) break;
  }
  capture_.truncated = capture_.truncated || moved > 0;
  if (!capture_.truncated) capture_.datagram_ends.push_back(bytes.size());
}

long Channel::inject(IoEvent& event, const FaultAction& action) {
  event.injected = true;
  switch (action.kind) {
    case FaultKind::kEagain:
      event.moved = -1;
      event.err = EAGAIN;
      break;
    case FaultKind::kEintr:
      event.moved = -1;
      event.err = EINTR;
      break;
    case FaultKind::kReset:
      event.moved = -1;
      event.err = ECONNRESET;
      break;
    case FaultKind::kPipe:
      event.moved = -1;
      event.err = EPIPE;
      break;
    case FaultKind::kZero:
      event.moved = 0;
      break;
    case FaultKind::kEof:
      if (event.op == IoOp::kPull) {
        event.moved = 0;
      } else {
        event.moved = -1;
        event.err = EPIPE;
      }
      break;
    default:
      break;
  }
  return record(event);
}

FaultAction Channel::next_action(IoOp op) {
  if (hard_) return *hard_;
  FaultAction action = plan_.next(op);
  if (action.is_hard()) hard_ = action;
  if (action.kind == FaultKind::kHold) {
    hold_next_ = true;
    return {};
  }
  return action;
}

long Channel::push(const void* data, std::size_t size) {
  iovec iov{const_cast<void*>(data), size};
  return pushv(&iov, 1);
}

long Channel::pushv(const iovec* iov, int count) {
  std::size_t total = 0;
  for (int i = 0; i < count; ++i) total += iov[i].iov_len;
  IoEvent event{IoOp::kPush, total};
  FaultAction action = next_action(IoOp::kPush);
  if (action.kind == FaultKind::kDrop) {  // lost on the way: the sender cannot tell
    event.injected = true;
    event.moved = static_cast<long>(total);
    capture(iov, count, total);
    return record(event);
  }
  if (action.injects() && action.kind != FaultKind::kShort) return inject(event, action);

  // A short transfer trims the iovec list to the allowance before the real write.
  iovec trimmed[64];
  int n = 0;
  std::size_t budget = action.kind == FaultKind::kShort ? action.limit : total;
  for (int i = 0; i < count && n < 64 && budget > 0; ++i) {
    std::size_t len = std::min(iov[i].iov_len, budget);
    if (len == 0) continue;
    trimmed[n++] = {iov[i].iov_base, len};
    budget -= len;
  }
  msghdr msg{};
  msg.msg_iov = trimmed;
  msg.msg_iovlen = n;
  long rc = n == 0 ? 0 : sendmsg(fd_, &msg, MSG_NOSIGNAL);
  if (rc > 0) capture(trimmed, n, static_cast<std::size_t>(rc));
  event.moved = rc;
  event.err = rc < 0 ? errno : 0;
  event.injected =
      action.kind == FaultKind::kShort && rc >= 0 && static_cast<std::size_t>(rc) < total;
  return record(event);
}

long Channel::pull(void* data, std::size_t size) {
  IoEvent event{IoOp::kPull, size};
  FaultAction action = next_action(IoOp::kPull);
  if (action.kind == FaultKind::kDrop) {
    // The datagram this read would have returned is lost; the read then sees what follows.
    char scratch[1];
    event.injected = ::recv(fd_, scratch, sizeof scratch, MSG_TRUNC) >= 0;
    long rc = ::recv(fd_, data, size, 0);
    event.moved = rc;
    event.err = rc < 0 ? errno : 0;
    return record(event);
  }
  if (action.injects() && action.kind != FaultKind::kShort) return inject(event, action);
  std::size_t len = action.kind == FaultKind::kShort ? std::min(size, action.limit) : size;
  long rc = recv(fd_, data, len, 0);
  event.moved = rc;
  event.err = rc < 0 ? errno : 0;
  event.injected = len < size && rc >= 0;
  return record(event);
}

int Channel::poll_readable(int wait_ms) {
  pollfd p{fd_, POLLIN, 0};
  int rc = ::poll(&p, 1, wait_ms);
  IoEvent event{IoOp::kPull, 0};
  event.poll = true;
  event.moved = rc == 0 ? -1 : rc;
  event.err = rc < 0 ? errno : rc == 0 ? EAGAIN : 0;
  record(event);
  return rc;
}

}  // namespace dirprobe
