#include "harness/preload/gate.h"

#include <poll.h>

#include <array>
#include <map>
#include <mutex>

#include "harness/preload/config.h"
#include "harness/preload/log.h"

namespace dirprobe::preload {
namespace {

struct Gates {
  std::mutex mu;
  std::map<int, std::array<bool, 2>> closed;  // fd -> closed per Dir
};

Gates& gates() {
  static Gates g;
  return g;
}

void log_gate(int fd, Dir dir, bool closed) {
  Line("gate")
      .num("fd", fd)
      .str("dir", dir == Dir::kRead ? "read" : "write")
      .str("state", closed ? "closed" : "open")
      .write();
}

}  // namespace

bool gate_enabled() { return config().enabled && config().gate; }

bool gate_closed(int fd, Dir dir) {
  if (!gate_enabled() || fd < 0) return false;
  Gates& g = gates();
  std::lock_guard lock(g.mu);
  auto it = g.closed.find(fd);
  return it != g.closed.end() && it->second[static_cast<int>(dir)];
}

void gate_block(int fd, Dir dir) {
  if (!gate_enabled() || fd < 0) return;
  Gates& g = gates();
  std::lock_guard lock(g.mu);
  bool& closed = g.closed[fd][static_cast<int>(dir)];
  if (!closed) log_gate(fd, dir, true);
  closed = true;
}

void gate_report(int fd, int revents) {
  if (!gate_enabled() || fd < 0) return;
  Gates& g = gates();
  std::lock_guard lock(g.mu);
  auto it = g.closed.find(fd);
  if (it == g.closed.end()) return;
  bool both = (revents & (POLLERR | POLLHUP)) != 0;
  if (it->second[0] && (both || (revents & POLLIN) != 0)) {
    it->second[0] = false;
    log_gate(fd, Dir::kRead, false);
  }
  if (it->second[1] && (both || (revents & POLLOUT) != 0)) {
    it->second[1] = false;
    log_gate(fd, Dir::kWrite, false);
  }
}

void gate_forget(int fd) {
  if (!gate_enabled() || fd < 0) return;
  Gates& g = gates();
  std::lock_guard lock(g.mu);
  g.closed.erase(fd);
}

}  // namespace dirprobe::preload
