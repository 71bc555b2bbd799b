// One readiness wait of the program, in poll's terms whatever the API (select and epoll mapped
// onto POLLIN/POLLOUT/...): logs "wait_begin" before a wait that may block (timeout != 0) and
// "wait" after it, when the wait involves a session's descriptor or no session exists yet, and
// tells the poll gate what the wait reported.
#pragma once

#include <vector>

namespace dirprobe::preload {

struct WaitFd {
  int fd;
  int events;
  int revents = 0;
};

class WaitLog {
 public:
  // timeout_ms: -1 = forever.
  WaitLog(const char* api, std::vector<WaitFd> fds, long long timeout_ms);
  std::vector<WaitFd>& fds() { return fds_; }
  // After the wait (fds()'s revents filled in): logs and reports to the gate. Keeps errno.
  void done(int rc, int err);

 private:
  const char* api_;
  std::vector<WaitFd> fds_;
  long long timeout_;
  bool logged_ = false;
};

}  // namespace dirprobe::preload
