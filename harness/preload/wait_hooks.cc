// The program's readiness waits: poll, ppoll, select, pselect (and the fortified __poll_chk,
// __ppoll_chk), epoll_wait, epoll_pwait, epoll_pwait2. Each runs the real call between a
// WaitLog's two lines. epoll_ctl is followed to know which descriptor each epoll event's user
// data stands for (per epoll descriptor).
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include <cerrno>
#include <map>
#include <mutex>
#include <vector>

#include "harness/preload/config.h"
#include "harness/preload/export.h"
#include "harness/preload/real.h"
#include "harness/preload/wait_log.h"

extern "C" int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen);
extern "C" int __ppoll_chk(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout,
                           const sigset_t* ss, size_t fdslen);

namespace dirprobe::preload {
namespace {

std::vector<WaitFd> poll_fds(const pollfd* fds, nfds_t n) {
  std::vector<WaitFd> out;
  for (nfds_t i = 0; i < n; ++i) out.push_back({fds[i].fd, fds[i].events});
  return out;
}

void poll_revents(WaitLog& w, const pollfd* fds, nfds_t n) {
  for (nfds_t i = 0; i < n; ++i) w.fds()[i].revents = fds[i].revents;
}

long long timespec_ms(const timespec* t) {
  return t == nullptr ? -1 : t->tv_sec * 1000LL + t->tv_nsec / 1000000;
}

long long timeval_ms(const timeval* t) {
  return t == nullptr ? -1 : t->tv_sec * 1000LL + t->tv_usec / 1000;
}

// Runs a poll-style wait `call` logged as `api`.
template <typename Call>
int logged_poll(const char* api, pollfd* fds, nfds_t n, long long timeout, Call call) {
  if (!config().enabled) return call();
  WaitLog w(api, poll_fds(fds, n), timeout);
  int rc = call();
  int err = errno;
  if (rc > 0) poll_revents(w, fds, n);
  w.done(rc, err);
  return rc;
}

std::vector<WaitFd> select_fds(int nfds, const fd_set* r, const fd_set* wr) {
  std::vector<WaitFd> out;
  for (int fd = 0; fd < nfds && fd < FD_SETSIZE; ++fd) {
    int ev = (r != nullptr && FD_ISSET(fd, r) ? POLLIN : 0) |
             (wr != nullptr && FD_ISSET(fd, wr) ? POLLOUT : 0);
    if (ev != 0) out.push_back({fd, ev});
  }
  return out;
}

template <typename Call>
int logged_select(const char* api, int nfds, fd_set* r, fd_set* wr, long long timeout, Call call) {
  if (!config().enabled) return call();
  WaitLog w(api, select_fds(nfds, r, wr), timeout);
  int rc = call();
  int err = errno;
  if (rc > 0)
    for (WaitFd& f : w.fds())
      f.revents = (r != nullptr && FD_ISSET(f.fd, r) ? POLLIN : 0) |
                  (wr != nullptr && FD_ISSET(f.fd, wr) ? POLLOUT : 0);
  w.done(rc, err);
  return rc;
}

// What each epoll descriptor watches: descriptor, events and the user data it reports.
struct EpollReg {
  int fd;
  unsigned events;
  std::uint64_t data;
};

struct EpollTable {
  std::mutex mu;
  std::map<int, std::vector<EpollReg>> regs;
};

EpollTable& epoll_table() {
  static EpollTable t;
  return t;
}

void epoll_track(int epfd, int op, int fd, const epoll_event* ev) {
  EpollTable& t = epoll_table();
  std::lock_guard lock(t.mu);
  auto& regs = t.regs[epfd];
  std::erase_if(regs, [fd](const EpollReg& r) { return r.fd == fd; });
  if (op != EPOLL_CTL_DEL && ev != nullptr) regs.push_back({fd, ev->events, ev->data.u64});
}

constexpr unsigned kPollBits = EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLRDHUP;

std::vector<WaitFd> epoll_fds(int epfd) {
  EpollTable& t = epoll_table();
  std::lock_guard lock(t.mu);
  std::vector<WaitFd> out;
  for (const EpollReg& r : t.regs[epfd])
    out.push_back({r.fd, static_cast<int>(r.events & kPollBits)});
  return out;
}

// Fills revents of the descriptors whose user data the wait returned.
void epoll_revents(int epfd, WaitLog& w, const epoll_event* events, int n) {
  EpollTable& t = epoll_table();
  std::lock_guard lock(t.mu);
  const auto& regs = t.regs[epfd];
  for (int i = 0; i < n; ++i)
    for (std::size_t k = 0; k < regs.size() && k < w.fds().size(); ++k)
      if (regs[k].data == events[i].data.u64) {
        w.fds()[k].revents |= static_cast<int>(events[i].events & kPollBits);
        break;
      }
}

template <typename Call>
int logged_epoll(const char* api, int epfd, epoll_event* events, long long timeout, Call call) {
  if (!config().enabled) return call();
  WaitLog w(api, epoll_fds(epfd), timeout);
  int rc = call();
  int err = errno;
  if (rc > 0) epoll_revents(epfd, w, events, rc);
  w.done(rc, err);
  return rc;
}

}  // namespace
}  // namespace dirprobe::preload

using namespace dirprobe::preload;

DP_EXPORT int poll(struct pollfd* fds, nfds_t nfds, int timeout) {
  DP_REAL(poll, "GLIBC_2.2.5");
  return logged_poll("poll", fds, nfds, timeout, [&] { return real_poll(fds, nfds, timeout); });
}

DP_EXPORT int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen) {
  DP_REAL(__poll_chk, "GLIBC_2.16");
  return logged_poll("poll", fds, nfds, timeout,
                     [&] { return real___poll_chk(fds, nfds, timeout, fdslen); });
}

DP_EXPORT int ppoll(struct pollfd* fds, nfds_t nfds, const struct timespec* tmo,
                    const sigset_t* ss) {
  DP_REAL(ppoll, "GLIBC_2.4");
  return logged_poll("ppoll", fds, nfds, timespec_ms(tmo),
                     [&] { return real_ppoll(fds, nfds, tmo, ss); });
}

DP_EXPORT int __ppoll_chk(struct pollfd* fds, nfds_t nfds, const struct timespec* tmo,
                          const sigset_t* ss, size_t fdslen) {
  DP_REAL(__ppoll_chk, "GLIBC_2.16");
  return logged_poll("ppoll", fds, nfds, timespec_ms(tmo),
                     [&] { return real___ppoll_chk(fds, nfds, tmo, ss, fdslen); });
}

DP_EXPORT int select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                     struct timeval* timeout) {
  DP_REAL(select, "GLIBC_2.2.5");
  return logged_select("select", nfds, readfds, writefds, timeval_ms(timeout),
                       [&] { return real_select(nfds, readfds, writefds, exceptfds, timeout); });
}

DP_EXPORT int pselect(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                      const struct timespec* timeout, const sigset_t* sigmask) {
  DP_REAL(pselect, "GLIBC_2.2.5");
  return logged_select("pselect", nfds, readfds, writefds, timespec_ms(timeout), [&] {
    return real_pselect(nfds, readfds, writefds, exceptfds, timeout, sigmask);
  });
}

DP_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event* event) noexcept {
  DP_REAL(epoll_ctl, "GLIBC_2.3.2");
  int rc = real_epoll_ctl(epfd, op, fd, event);
  if (rc == 0 && config().enabled) {
    int saved = errno;
    epoll_track(epfd, op, fd, event);
    errno = saved;
  }
  return rc;
}

DP_EXPORT int epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout) {
  DP_REAL(epoll_wait, "GLIBC_2.3.2");
  return logged_epoll("epoll_wait", epfd, events, timeout,
                      [&] { return real_epoll_wait(epfd, events, maxevents, timeout); });
}

DP_EXPORT int epoll_pwait(int epfd, struct epoll_event* events, int maxevents, int timeout,
                          const sigset_t* ss) {
  DP_REAL(epoll_pwait, "GLIBC_2.6");
  return logged_epoll("epoll_pwait", epfd, events, timeout,
                      [&] { return real_epoll_pwait(epfd, events, maxevents, timeout, ss); });
}

DP_EXPORT int epoll_pwait2(int epfd, struct epoll_event* events, int maxevents,
                           const struct timespec* timeout, const sigset_t* ss) {
  DP_REAL(epoll_pwait2, "GLIBC_2.35");
  return logged_epoll("epoll_pwait2", epfd, events, timespec_ms(timeout), [&] {
    if (real_epoll_pwait2 == nullptr) {
      errno = ENOSYS;
      return -1;
    }
    return real_epoll_pwait2(epfd, events, maxevents, timeout, ss);
  });
}
