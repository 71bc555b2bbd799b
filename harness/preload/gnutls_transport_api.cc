// The wrapped GnuTLS session lifecycle and transport setters. gnutls_init registers the session
// and installs the interposer's transport; the program's push/pull functions are kept by the
// interposer instead of being passed on (its callbacks forward to them); pointer and descriptor
// setters pass through, so gnutls_transport_get_* keep answering what the program set.
// A setter GnuTLS calls on itself (nested in another wrapped call) passes straight through.
#include <gnutls/gnutls.h>

#include <cstdint>
#include <cstring>

#include "harness/preload/config.h"
#include "harness/preload/export.h"
#include "harness/preload/log.h"
#include "harness/preload/real.h"
#include "harness/preload/runtime.h"
#include "harness/preload/session.h"
#include "harness/preload/session_counter.h"
#include "harness/preload/transport.h"

namespace dirprobe::preload {
namespace {

void log_session(const Session& s) {
  auto rt = gnutls_runtime();
  Line line("session");
  line.num("s", s.index).num("pid", getpid());
  line.str("gnutls", rt ? rt->version.c_str() : nullptr);
  line.str("lib", rt ? rt->lib.c_str() : nullptr);
  line.num("flags", s.flags).str("role", (s.flags & GNUTLS_SERVER) != 0 ? "server" : "client");
  line.boolean("planned", s.planned).write();
}

void start_session(gnutls_session_t handle, unsigned flags) {
  Session& s = *add_session(handle);
  s.flags = flags;
  s.index = next_session_number();
  s.planned = s.index == config().planned_session;
  try {
    auto faults = std::make_unique<FaultSchedule>(config().plan);
    if (s.planned) s.faults = std::move(faults);
  } catch (const std::exception& e) {
    fatal(e.what());
  }
  log_session(s);
  install_transport(s);
}

void log_transport(const Session& s, const char* how) {
  Line("transport").num("s", s.index).str("how", how).write();
}

// The session the program configures with a setter, or nullptr to pass the call through.
Session* program_setter(gnutls_session_t handle, const EntryScope& scope) {
  return scope.outermost() ? find_session(handle) : nullptr;
}

gnutls_transport_ptr_t fd_ptr(int fd) {
  return reinterpret_cast<gnutls_transport_ptr_t>(static_cast<std::intptr_t>(fd));
}

}  // namespace
}  // namespace dirprobe::preload

using namespace dirprobe::preload;

DP_EXPORT int gnutls_init(gnutls_session_t* session, unsigned int flags) {
  DP_REAL_GNUTLS(gnutls_init, "GNUTLS_3_4");
  int rc;
  {
    EntryScope scope(nullptr);
    rc = real_gnutls_init(session, flags);
  }
  if (rc >= 0 && config().enabled) start_session(*session, flags);
  return rc;
}

DP_EXPORT void gnutls_deinit(gnutls_session_t session) {
  DP_REAL_GNUTLS(gnutls_deinit, "GNUTLS_3_4");
  if (Session* s = find_session(session)) {
    Line("end")
        .num("s", s->index)
        .num("pushes", s->pushes)
        .num("pulls", s->pulls)
        .num("injected", s->faults ? s->faults->injected() : 0)
        .num("unused", s->faults ? s->faults->unused() : 0)
        .write();
  }
  {
    EntryScope scope(session);
    real_gnutls_deinit(session);
  }
  remove_session(session);
}

DP_EXPORT void gnutls_transport_set_int2(gnutls_session_t session, int recv_fd, int send_fd) {
  DP_REAL_GNUTLS(gnutls_transport_set_int2, "GNUTLS_3_4");
  EntryScope scope(session);
  real_gnutls_transport_set_int2(session, recv_fd, send_fd);
  if (Session* s = program_setter(session, scope)) {
    s->recv_ptr = fd_ptr(recv_fd);
    s->send_ptr = fd_ptr(send_fd);
    s->fd[0] = recv_fd;
    s->fd[1] = send_fd;
    log_transport(*s, "int2");
  }
}

DP_EXPORT void gnutls_transport_set_ptr(gnutls_session_t session, gnutls_transport_ptr_t ptr) {
  DP_REAL_GNUTLS(gnutls_transport_set_ptr, "GNUTLS_3_4");
  EntryScope scope(session);
  real_gnutls_transport_set_ptr(session, ptr);
  if (Session* s = program_setter(session, scope)) {
    s->recv_ptr = s->send_ptr = ptr;
    log_transport(*s, "ptr");
  }
}

DP_EXPORT void gnutls_transport_set_ptr2(gnutls_session_t session, gnutls_transport_ptr_t recv_ptr,
                                         gnutls_transport_ptr_t send_ptr) {
  DP_REAL_GNUTLS(gnutls_transport_set_ptr2, "GNUTLS_3_4");
  EntryScope scope(session);
  real_gnutls_transport_set_ptr2(session, recv_ptr, send_ptr);
  if (Session* s = program_setter(session, scope)) {
    s->recv_ptr = recv_ptr;
    s->send_ptr = send_ptr;
    log_transport(*s, "ptr2");
  }
}

// GnuTLS's own set_fastopen runs (it sets the transport pointer the program will see); then
// the interposer's transport goes back in, doing what GnuTLS's Fast Open functions would.
DP_EXPORT void gnutls_transport_set_fastopen(gnutls_session_t session, int fd,
                                             struct sockaddr* connect_addr,
                                             socklen_t connect_addrlen, unsigned int flags) {
  DP_REAL_GNUTLS(gnutls_transport_set_fastopen, "GNUTLS_3_4");
  DP_REAL_GNUTLS(gnutls_transport_get_ptr, "GNUTLS_3_4");
  EntryScope scope(session);
  real_gnutls_transport_set_fastopen(session, fd, connect_addr, connect_addrlen, flags);
  Session* s = program_setter(session, scope);
  if (s == nullptr) return;
  log_transport(*s, "fastopen");
  if ((s->flags & GNUTLS_SERVER) != 0 || connect_addrlen > sizeof s->tfo.addr) return;
  s->tfo = FastOpen{};
  s->tfo.on = true;
  s->tfo.fd = fd;
  std::memcpy(&s->tfo.addr, connect_addr, connect_addrlen);
  s->tfo.addrlen = connect_addrlen;
  s->tfo.flags = (s->flags & GNUTLS_NO_SIGNAL) != 0 ? MSG_NOSIGNAL : 0;
  s->program = ProgramTransport{};
  s->recv_ptr = s->send_ptr = real_gnutls_transport_get_ptr(session);
  s->fd[0] = s->fd[1] = fd;
  install_transport(*s);
}

DP_EXPORT void gnutls_transport_set_push_function(gnutls_session_t session,
                                                  gnutls_push_func push_func) {
  DP_REAL_GNUTLS(gnutls_transport_set_push_function, "GNUTLS_3_4");
  EntryScope scope(session);
  Session* s = program_setter(session, scope);
  if (s == nullptr) return real_gnutls_transport_set_push_function(session, push_func);
  s->program.push = push_func;  // GnuTLS, too, forgets a vector push when given a plain one
  s->program.vec_push = nullptr;
  log_transport(*s, "push");
}

DP_EXPORT void gnutls_transport_set_vec_push_function(gnutls_session_t session,
                                                      gnutls_vec_push_func vec_func) {
  DP_REAL_GNUTLS(gnutls_transport_set_vec_push_function, "GNUTLS_3_4");
  EntryScope scope(session);
  Session* s = program_setter(session, scope);
  if (s == nullptr) return real_gnutls_transport_set_vec_push_function(session, vec_func);
  s->program.vec_push = vec_func;
  log_transport(*s, "vec_push");
}

DP_EXPORT void gnutls_transport_set_pull_function(gnutls_session_t session,
                                                  gnutls_pull_func pull_func) {
  DP_REAL_GNUTLS(gnutls_transport_set_pull_function, "GNUTLS_3_4");
  EntryScope scope(session);
  Session* s = program_setter(session, scope);
  if (s == nullptr) return real_gnutls_transport_set_pull_function(session, pull_func);
  s->program.pull = pull_func;
  log_transport(*s, "pull");
}

DP_EXPORT void gnutls_transport_set_pull_timeout_function(gnutls_session_t session,
                                                          gnutls_pull_timeout_func func) {
  DP_REAL_GNUTLS(gnutls_transport_set_pull_timeout_function, "GNUTLS_3_4");
  EntryScope scope(session);
  Session* s = program_setter(session, scope);
  if (s == nullptr) return real_gnutls_transport_set_pull_timeout_function(session, func);
  s->program.pull_timeout = func;
  log_transport(*s, "pull_timeout");
}

DP_EXPORT void gnutls_transport_set_errno_function(gnutls_session_t session,
                                                   gnutls_errno_func errno_func) {
  DP_REAL_GNUTLS(gnutls_transport_set_errno_function, "GNUTLS_3_4");
  EntryScope scope(session);
  real_gnutls_transport_set_errno_function(session, errno_func);
  if (Session* s = program_setter(session, scope)) log_transport(*s, "errno_fn");
}

// Passed through; inside a program callback the value is also the errno its "io" line shows.
DP_EXPORT void gnutls_transport_set_errno(gnutls_session_t session, int err) {
  DP_REAL_GNUTLS(gnutls_transport_set_errno, "GNUTLS_3_4");
  real_gnutls_transport_set_errno(session, err);
  Session* s = callback_session();
  if (s != nullptr && s->handle == session) s->callback_errno = err;
}
