#include "harness/preload/wait_log.h"

#include <cerrno>
#include <string>

#include "harness/preload/config.h"
#include "harness/preload/gate.h"
#include "harness/preload/log.h"
#include "harness/preload/session.h"

namespace dirprobe::preload {
namespace {

std::string fd_list(const std::vector<WaitFd>& fds, bool with_revents) {
  std::string out = "[";
  for (const WaitFd& w : fds) {
    if (out.size() > 1) out += ',';
    out += '[' + std::to_string(w.fd) + ',' + std::to_string(w.events);
    if (with_revents) out += ',' + std::to_string(w.revents);
    out += ']';
  }
  return out + ']';
}

}  // namespace

WaitLog::WaitLog(const char* api, std::vector<WaitFd> fds, long long timeout_ms)
    : api_(api), fds_(std::move(fds)), timeout_(timeout_ms) {
  if (!config().enabled) return;
  int saved = errno;
  for (const WaitFd& w : fds_) logged_ = logged_ || wait_fd_is_relevant(w.fd);
  if (fds_.empty()) logged_ = !any_session();
  if (logged_ && timeout_ != 0)
    Line("wait_begin")
        .str("api", api_)
        .raw("fds", fd_list(fds_, false))
        .num("timeout", timeout_)
        .ms()
        .write();
  errno = saved;
}

void WaitLog::done(int rc, int err) {
  if (!config().enabled) return;
  if (logged_) {
    Line("wait")
        .str("api", api_)
        .raw("fds", fd_list(fds_, true))
        .num("timeout", timeout_)
        .num("rc", rc)
        .str("errno", rc < 0 ? errno_name(err).c_str() : nullptr)
        .ms()
        .write();
  }
  if (rc > 0)
    for (const WaitFd& w : fds_)
      if (w.revents != 0) gate_report(w.fd, w.revents);
  errno = err;
}

}  // namespace dirprobe::preload
