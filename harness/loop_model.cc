#include "harness/loop_model.h"

#include <sys/epoll.h>

#include <utility>

#include "harness/transport.h"

namespace dirprobe {

std::uint32_t collect_edges(int epoll_fd) {
  epoll_event ev[4];
  int n = ::epoll_wait(epoll_fd, ev, 4, 0);
  std::uint32_t events = 0;
  for (int i = 0; i < n; ++i) events |= ev[i].events;
  return events;
}

UniqueFd edge_epoll(int fd) {
  UniqueFd ep(::epoll_create1(EPOLL_CLOEXEC));
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
  ev.data.fd = fd;
  if (ep && ::epoll_ctl(ep.get(), EPOLL_CTL_ADD, fd, &ev) != 0) ep.reset();
  return ep;
}

namespace {
constexpr int kBusyRetries = 3;
bool edge_model(LoopPolicy p) { return p == LoopPolicy::kEdge || p == LoopPolicy::kEdgeNaive; }
}  // namespace

LoopModel::LoopModel(LoopPolicy policy, int fd, std::function<std::size_t()> pending)
    : policy_(policy), fd_(fd), pending_(std::move(pending)) {
  if (edge_model(policy)) epoll_ = edge_epoll(fd);
}

void LoopModel::begin_tick(std::uint64_t tick) {
  tick_ = tick;
  if (policy_ == LoopPolicy::kSingleWait) {
    // Exactly one pollfd, its events the last E_AGAIN's direction.
    open_ = side_.dir < 0 || fd_ready(fd_, side_.dir);
    if (open_) side_ = Wait{};
  } else if (edge_model(policy_) && epoll_) {
    std::uint32_t events = collect_edges(epoll_.get());
    constexpr std::uint32_t kEither = EPOLLHUP | EPOLLERR;
    if (events & (EPOLLIN | EPOLLRDHUP | kEither)) last_edge_[0] = tick, any_edge_[0] = true;
    if (events & (EPOLLOUT | kEither)) last_edge_[1] = tick, any_edge_[1] = true;
  }
}

// An edge in the wait's direction collected after the E_AGAIN it waits after.
bool LoopModel::edge_after(const Wait& wait) const {
  if (wait.injected) return tick_ > wait.since;
  return any_edge_[wait.dir] && last_edge_[wait.dir] > wait.since;
}

bool LoopModel::ready(Wait& wait, bool receive) {
  switch (policy_) {
    case LoopPolicy::kOblivious:
      return true;
    case LoopPolicy::kSingleWait:
      return open_;
    case LoopPolicy::kBusy:
      if (wait.dir >= 0 && wait.retries > 0) {
        --wait.retries;
        wait.retried = tick_;
        wait.dir = -1;
        return true;
      }
      break;
    case LoopPolicy::kEdge:
    case LoopPolicy::kEdgeNaive: {
      if (wait.dir < 0) return true;
      bool drain = policy_ == LoopPolicy::kEdge && receive && pending_() > 0;
      if (!drain && !edge_after(wait)) return false;
      wait = Wait{};
      return true;
    }
    case LoopPolicy::kTrusting:
      break;
  }
  if (wait.dir < 0) return true;
  if (!fd_ready(fd_, wait.dir)) return false;
  wait = Wait{};
  return true;
}

void LoopModel::blocked(Wait& wait, int direction, bool injected) {
  int dir = direction == 1 ? 1 : 0;
  switch (policy_) {
    case LoopPolicy::kOblivious:
      return;
    case LoopPolicy::kSingleWait:
      side_.dir = dir;  // the last E_AGAIN wins
      return;
    case LoopPolicy::kBusy:
      // An immediate retry that blocks again spends its count; a fresh E_AGAIN starts one.
      if (wait.retried != tick_) wait.retries = kBusyRetries;
      break;
    default:
      break;
  }
  wait.dir = dir;
  wait.since = tick_;
  wait.injected = injected;
}

void LoopModel::reset() {
  side_ = Wait{};
  open_ = true;
}

}  // namespace dirprobe
