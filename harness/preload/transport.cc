#include "harness/preload/transport.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstdint>
#include <vector>

#include "harness/preload/gate.h"
#include "harness/preload/log.h"
#include "harness/preload/real.h"

namespace dirprobe::preload {
namespace {

constexpr std::size_t kNoLimit = SIZE_MAX;

int ptr_fd(gnutls_transport_ptr_t ptr) {
  return static_cast<int>(reinterpret_cast<std::intptr_t>(ptr));
}

// errno after a program callback failed: what it gave gnutls_transport_set_errno, else errno.
int callback_error(Session& s) { return s.callback_errno != 0 ? s.callback_errno : errno; }

// The first `limit` bytes of `iov` as an iovec list of their own.
std::vector<iovec> truncated(const giovec_t* iov, int count, std::size_t limit) {
  std::vector<iovec> out;
  for (int i = 0; i < count && limit > 0; ++i) {
    std::size_t len = iov[i].iov_len < limit ? iov[i].iov_len : limit;
    out.push_back({iov[i].iov_base, len});
    limit -= len;
  }
  return out;
}

ssize_t sendmsg_iov(int fd, std::vector<iovec>& iov, int flags) {
  DP_REAL(sendmsg, "GLIBC_2.2.5");
  msghdr hdr{};
  hdr.msg_iov = iov.data();
  hdr.msg_iovlen = iov.size();
  return real_sendmsg(fd, &hdr, flags);
}

// GnuTLS's _gnutls_writev_emu over a plain push (lib/buffers.c): each vector element pushed
// until done, stopping at the first short or failed push.
ssize_t writev_emulation(Session& s, gnutls_transport_ptr_t ptr, std::vector<iovec>& iov) {
  std::size_t total = 0;
  ssize_t ret = 0;
  for (const iovec& v : iov) {
    std::size_t sent = 0;
    ssize_t left = static_cast<ssize_t>(v.iov_len);
    char* p = static_cast<char*>(v.iov_base);
    do {
      ret = s.program.push(ptr, p, left);
      if (ret > 0) {
        sent += ret;
        left -= ret;
        p += ret;
      }
    } while (ret > 0 && left > 0);
    if (sent > 0) ret = static_cast<ssize_t>(sent);
    if (ret == -1) break;
    total += ret;
    if (static_cast<std::size_t>(ret) != v.iov_len) break;
  }
  return total > 0 ? static_cast<ssize_t>(total) : ret;
}

// GnuTLS's tfo_writev (lib/system/fastopen.c, Linux sendmsg path): the first write connects
// with MSG_FASTOPEN (or with connect() where Fast Open is off), later ones are plain sendmsg.
ssize_t fastopen_push(FastOpen& tfo, std::vector<iovec>& iov) {
  if (tfo.addrlen == 0) return sendmsg_iov(tfo.fd, iov, tfo.flags);
  DP_REAL(sendmsg, "GLIBC_2.2.5");
  ssize_t ret;
  if (!tfo.connect_only) {
    int on = 1;
    setsockopt(tfo.fd, IPPROTO_TCP, TCP_FASTOPEN, &on, sizeof on);
    msghdr hdr{};
    hdr.msg_iov = iov.data();
    hdr.msg_iovlen = iov.size();
    hdr.msg_name = &tfo.addr;
    hdr.msg_namelen = tfo.addrlen;
    ret = real_sendmsg(tfo.fd, &hdr, tfo.flags | MSG_FASTOPEN);
    if (ret < 0 && errno == EINPROGRESS) errno = EAGAIN;
    if (ret < 0 && errno == EOPNOTSUPP) tfo.connect_only = true;
  }
  if (tfo.connect_only) {
    ret = connect(tfo.fd, reinterpret_cast<sockaddr*>(&tfo.addr), tfo.addrlen);
    if (ret < 0 && (errno == ENOTCONN || errno == EINPROGRESS)) errno = EAGAIN;
    if (ret == 0) tfo.connect_only = false;
  }
  if (ret >= 0 || errno != EAGAIN) tfo.addrlen = 0;
  return ret;
}

// Moves at most `limit` bytes of `iov` the way the program's transport would.
ssize_t do_push(Session& s, gnutls_transport_ptr_t ptr, const giovec_t* iov, int count,
                std::size_t limit, int& err) {
  std::vector<iovec> v = truncated(iov, count, limit);
  ssize_t rc;
  if (s.program.vec_push != nullptr || s.program.push != nullptr) {
    ProgramCallbackScope scope(&s, 1);
    s.callback_errno = 0;
    rc = s.program.vec_push != nullptr
             ? s.program.vec_push(ptr, v.data(), static_cast<int>(v.size()))
             : writev_emulation(s, ptr, v);
    err = rc < 0 ? callback_error(s) : 0;
    return rc;
  }
  if (s.tfo.on) {
    s.fd[1] = s.tfo.fd;
    rc = fastopen_push(s.tfo, v);
  } else {
    s.fd[1] = ptr_fd(ptr);
    rc = sendmsg_iov(s.fd[1], v, (s.flags & GNUTLS_NO_SIGNAL) != 0 ? MSG_NOSIGNAL : 0);
  }
  err = rc < 0 ? errno : 0;
  return rc;
}

ssize_t do_pull(Session& s, gnutls_transport_ptr_t ptr, void* data, std::size_t size, int& err) {
  ssize_t rc;
  if (s.program.pull != nullptr) {
    ProgramCallbackScope scope(&s, 0);
    s.callback_errno = 0;
    rc = s.program.pull(ptr, data, size);
    err = rc < 0 ? callback_error(s) : 0;
    return rc;
  }
  DP_REAL(recv, "GLIBC_2.2.5");
  s.fd[0] = s.tfo.on ? s.tfo.fd : ptr_fd(ptr);
  rc = real_recv(s.fd[0], data, size, 0);
  err = rc < 0 ? errno : 0;
  return rc;
}

// What an injected fault makes of an operation that does not move bytes: the return value and
// errno, or false when the fault moves bytes (pass, short:N).
bool injected_result(const FaultAction& a, IoOp op, ssize_t& rc, int& err) {
  switch (a.kind) {
    case FaultKind::kEagain:
      rc = -1;
      err = EAGAIN;
      return true;
    case FaultKind::kEintr:
      rc = -1;
      err = EINTR;
      return true;
    case FaultKind::kReset:
      rc = -1;
      err = ECONNRESET;
      return true;
    case FaultKind::kPipe:
      rc = -1;
      err = EPIPE;
      return true;
    case FaultKind::kEof:
      rc = op == IoOp::kPush ? -1 : 0;
      err = op == IoOp::kPush ? EPIPE : 0;
      return true;
    case FaultKind::kZero:
      rc = 0;
      err = 0;
      return true;
    default:
      return false;
  }
}

bool uses_program(const Session& s, Dir dir) {
  return dir == Dir::kWrite ? (s.program.vec_push != nullptr || s.program.push != nullptr)
                            : s.program.pull != nullptr;
}

// One operation as the log and the plan see it.
struct Op {
  Op(IoOp o, Dir d) : op(o), dir(d) {}
  IoOp op;
  Dir dir;
  std::size_t len = 0;
  bool cont = false;
  bool gated = false;
  std::size_t n = 0;
  FaultAction fault;
  ssize_t rc = 0;
  int err = 0;
  bool first = false;
};

// Counts the request (new point or continuation) and picks its fault.
void decide(Session& s, Op& o) {
  std::size_t& points = o.op == IoOp::kPush ? s.pushes : s.pulls;
  if (!o.cont) ++points;
  o.n = points;
  if (s.faults) o.fault = o.cont ? s.faults->at_continuation(o.op) : s.faults->at_point(o.op);
}

// The session's first operation passes the gate; O_NONBLOCK is read at the first operation
// whose descriptor is known (a program callback's descriptor is learned when it runs).
void first_operation(Session& s, Op& o) {
  s.first_op_done = true;
  int fd = s.fd[static_cast<int>(o.dir)];
  if (s.nonblock_known || fd < 0) return;
  s.nonblock_known = o.first = true;
  int fl = fcntl(fd, F_GETFL);
  s.nonblock = fl >= 0 && (fl & O_NONBLOCK) != 0;
  gate_forget(fd);
}

// The descriptor GnuTLS's default transport would use, known before the operation.
void resolve_default_fd(Session& s, gnutls_transport_ptr_t ptr, Dir dir) {
  if (!uses_program(s, dir)) s.fd[static_cast<int>(dir)] = s.tfo.on ? s.tfo.fd : ptr_fd(ptr);
}

// Whether `fd` is non-blocking now: programs such as wget set O_NONBLOCK only around the
// handshake and their reads, and a blocking operation is never gated.
bool nonblocking_now(int fd) {
  int fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
  return fl >= 0 && (fl & O_NONBLOCK) != 0;
}

bool gate_refuses(Session& s, Op& o) {
  int fd = s.fd[static_cast<int>(o.dir)];
  return s.first_op_done && gate_closed(fd, o.dir) && nonblocking_now(fd);
}

void log_op(Session& s, const Op& o) {
  int fd = s.fd[static_cast<int>(o.dir)];
  Line line("io");
  line.num("s", s.index).str("op", o.op == IoOp::kPush ? "push" : "pull").num("n", o.n);
  if (fd >= 0)
    line.num("fd", fd);
  else
    line.raw("fd", "null");
  line.num("len", static_cast<long long>(o.len)).num("rc", o.rc);
  line.str("errno", o.rc < 0 ? errno_name(o.err).c_str() : nullptr);
  line.str("fault", o.fault.injects() ? o.fault.text().c_str() : nullptr);
  if (o.gated) line.boolean("gated", true);
  if (o.cont) line.boolean("cont", true);
  if (o.first) line.boolean("nonblock", s.nonblock);
  else if (o.fault.injects()) line.boolean("nonblock", nonblocking_now(fd));
  line.write();
}

bool incomplete(const Op& o) {
  if (o.rc < 0) return o.err == EAGAIN || o.err == EINTR;
  std::size_t moved = static_cast<std::size_t>(o.rc);
  return o.op == IoOp::kPush ? moved < o.len : (moved > 0 && moved < o.len);
}

// After the operation: gate, log, and the errno GnuTLS will read.
ssize_t finish(Session& s, Op& o, bool set_errno_for_gnutls) {
  std::size_t& streak = s.gated_streak[static_cast<int>(o.dir)];
  streak = o.gated ? streak + 1 : 0;
  if (!busy_looping(s)) log_op(s, o);
  int fd = s.fd[static_cast<int>(o.dir)];
  if (o.rc < 0 && o.err == EAGAIN && nonblocking_now(fd)) gate_block(fd, o.dir);
  if (o.rc < 0) {
    if (set_errno_for_gnutls) set_session_errno(s.handle, o.err);
    errno = o.err;
  }
  return o.rc;
}

ssize_t interposed_vec_push(gnutls_transport_ptr_t ptr, const giovec_t* iov, int count) {
  Session* s = session_for_callback(ptr);
  std::vector<iovec> all(iov, iov + count);
  if (s == nullptr) return sendmsg_iov(ptr_fd(ptr), all, 0);  // GnuTLS's default
  Op o(IoOp::kPush, Dir::kWrite);
  resolve_default_fd(*s, ptr, o.dir);
  for (int i = 0; i < count; ++i) o.len += iov[i].iov_len;
  if (gate_refuses(*s, o)) {
    o.cont = o.gated = true;
    o.n = s->pushes;
    o.rc = -1;
    o.err = EAGAIN;
    s->push_track.done(iov, count, 0, true);
    return finish(*s, o, true);
  }
  o.cont = s->push_track.is_continuation(iov, count);
  decide(*s, o);
  bool injected = injected_result(o.fault, o.op, o.rc, o.err);
  if (!injected) {
    std::size_t limit = o.fault.kind == FaultKind::kShort ? o.fault.limit : kNoLimit;
    o.rc = do_push(*s, ptr, iov, count, limit, o.err);
  }
  s->push_track.done(iov, count, o.rc, incomplete(o));
  first_operation(*s, o);
  return finish(*s, o, injected || !uses_program(*s, o.dir));
}

ssize_t interposed_pull(gnutls_transport_ptr_t ptr, void* data, std::size_t size) {
  Session* s = session_for_callback(ptr);
  DP_REAL(recv, "GLIBC_2.2.5");
  if (s == nullptr) return real_recv(ptr_fd(ptr), data, size, 0);  // GnuTLS's default
  Op o(IoOp::kPull, Dir::kRead);
  resolve_default_fd(*s, ptr, o.dir);
  o.len = size;
  if (gate_refuses(*s, o)) {
    o.cont = o.gated = true;
    o.n = s->pulls;
    o.rc = -1;
    o.err = EAGAIN;
    s->pull_track.done(size, 0, true);
    return finish(*s, o, true);
  }
  o.cont = s->pull_track.is_continuation(size);
  decide(*s, o);
  bool injected = injected_result(o.fault, o.op, o.rc, o.err);
  if (!injected) {
    std::size_t limit =
        o.fault.kind == FaultKind::kShort && o.fault.limit < size ? o.fault.limit : size;
    o.rc = do_pull(*s, ptr, data, limit, o.err);
  }
  s->pull_track.done(size, o.rc, incomplete(o));
  first_operation(*s, o);
  return finish(*s, o, injected || !uses_program(*s, o.dir));
}

// GnuTLS's gnutls_system_recv_timeout (or the program's own pull timeout function).
int interposed_pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms) {
  Session* s = session_for_callback(ptr);
  if (s != nullptr && s->program.pull_timeout != nullptr) {
    ProgramCallbackScope scope(s, 0);
    return s->program.pull_timeout(ptr, ms);
  }
  DP_REAL(poll, "GLIBC_2.2.5");
  pollfd pfd{s != nullptr && s->tfo.on ? s->tfo.fd : ptr_fd(ptr), POLLIN, 0};
  int timeout = ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : static_cast<int>(ms);
  int ret;
  do {
    ret = real_poll(&pfd, 1, timeout);
  } while (ret == -1 && errno == EINTR);
  return ret;
}

}  // namespace

void install_transport(Session& s) {
  static const auto set_vec_push = real<decltype(&gnutls_transport_set_vec_push_function)>(
      "gnutls_transport_set_vec_push_function", "GNUTLS_3_4");
  static const auto set_pull = real<decltype(&gnutls_transport_set_pull_function)>(
      "gnutls_transport_set_pull_function", "GNUTLS_3_4");
  static const auto set_pull_timeout = real<decltype(&gnutls_transport_set_pull_timeout_function)>(
      "gnutls_transport_set_pull_timeout_function", "GNUTLS_3_4");
  set_vec_push(s.handle, interposed_vec_push);
  set_pull(s.handle, interposed_pull);
  set_pull_timeout(s.handle, interposed_pull_timeout);
}

void set_session_errno(gnutls_session_t session, int err) {
  static const auto set =
      real<decltype(&gnutls_transport_set_errno)>("gnutls_transport_set_errno", "GNUTLS_3_4");
  set(session, err);
}

}  // namespace dirprobe::preload
