// The sessions the interposer knows (one per gnutls_init in this process), what the program set
// as their transport, and which session a transport callback belongs to: the thread's current
// session (set by every wrapped GnuTLS entry point) when its transport pointer matches, else the
// session whose pointer does.
#pragma once

#include <gnutls/gnutls.h>
#include <sys/socket.h>

#include <cstddef>
#include <memory>

#include "harness/preload/fault_schedule.h"
#include "harness/preload/request_track.h"

namespace dirprobe::preload {

// The program's own transport functions; nullptr = GnuTLS's default would be used.
struct ProgramTransport {
  gnutls_push_func push = nullptr;
  gnutls_vec_push_func vec_push = nullptr;
  gnutls_pull_func pull = nullptr;
  gnutls_pull_timeout_func pull_timeout = nullptr;
};

// gnutls_transport_set_fastopen's state, kept as GnuTLS keeps it (lib/system/fastopen.c).
struct FastOpen {
  bool on = false;
  int fd = -1;
  sockaddr_storage addr{};
  socklen_t addrlen = 0;  // 0 once the connection is made
  bool connect_only = false;
  int flags = 0;  // MSG_NOSIGNAL with GNUTLS_NO_SIGNAL
};

struct Session {
  gnutls_session_t handle = nullptr;
  long index = 0;  // global, 1-based, across the processes of the run
  unsigned flags = 0;
  bool planned = false;
  ProgramTransport program;
  FastOpen tfo;
  gnutls_transport_ptr_t recv_ptr = nullptr, send_ptr = nullptr;  // as the program set them
  int fd[2] = {-1, -1};  // per Dir (read, write): known from int2/ptr, or learned in callbacks
  bool first_op_done = false;
  bool nonblock_known = false;  // O_NONBLOCK read at the first operation whose fd was known
  bool nonblock = false;
  std::size_t gated_streak[2] = {0, 0};  // per Dir: consecutive refusals by the poll gate
  PushTrack push_track;
  PullTrack pull_track;
  std::size_t pushes = 0, pulls = 0;      // points (new requests)
  std::unique_ptr<FaultSchedule> faults;  // only for the planned session
  int callback_errno = 0;  // set by gnutls_transport_set_errno inside a program callback
};

// A program that retries without waiting meets a closed poll gate again and again, each time
// logging an io and a call line (50 MB a second). Beyond this many refusals in a row the
// session's io and call lines are not written, until an operation passes the gate.
inline constexpr std::size_t kMaxGatedRefusalsLogged = 1000;
inline bool busy_looping(const Session& s) {
  return s.gated_streak[0] > kMaxGatedRefusalsLogged || s.gated_streak[1] > kMaxGatedRefusalsLogged;
}

Session* add_session(gnutls_session_t handle);
Session* find_session(gnutls_session_t handle);
void remove_session(gnutls_session_t handle);
// The session a transport callback with pointer `ptr` serves (nullptr when unknown).
Session* session_for_callback(gnutls_transport_ptr_t ptr);
// True when `fd` carries the transport of some session of this process, or when the process
// has no session yet (so that waits before the first session are logged too).
bool wait_fd_is_relevant(int fd);
bool any_session();

// Every wrapped GnuTLS entry point holds one: it makes `handle` the thread's current session and
// tells nested calls (GnuTLS calling its own public functions) from the program's.
class EntryScope {
 public:
  explicit EntryScope(gnutls_session_t handle);
  ~EntryScope();
  EntryScope(const EntryScope&) = delete;
  EntryScope& operator=(const EntryScope&) = delete;
  bool outermost() const { return outermost_; }

 private:
  gnutls_session_t previous_;
  bool outermost_;
};

// True on this thread while a program's own transport callback runs (fd learning).
bool in_program_callback();
// Runs inside a program callback of session `s` for direction `dir` (0 read, 1 write).
class ProgramCallbackScope {
 public:
  ProgramCallbackScope(Session* s, int dir);
  ~ProgramCallbackScope();
  ProgramCallbackScope(const ProgramCallbackScope&) = delete;
  ProgramCallbackScope& operator=(const ProgramCallbackScope&) = delete;
};
// Called by the libc hooks inside a program callback: the callback used `fd`.
void learn_fd(int fd);
// The session whose program callback runs on this thread (nullptr outside one).
Session* callback_session();

}  // namespace dirprobe::preload
