#include "harness/preload/session.h"

#include <map>
#include <mutex>

namespace dirprobe::preload {
namespace {

struct Table {
  std::mutex mu;
  std::map<gnutls_session_t, std::unique_ptr<Session>> sessions;
};

Table& table() {
  static Table t;
  return t;
}

thread_local gnutls_session_t tls_current = nullptr;
thread_local int tls_depth = 0;
thread_local Session* tls_callback_session = nullptr;
thread_local int tls_callback_dir = 0;

bool uses_ptr(const Session& s, gnutls_transport_ptr_t ptr) {
  return s.recv_ptr == ptr || s.send_ptr == ptr;
}

}  // namespace

Session* add_session(gnutls_session_t handle) {
  Table& t = table();
  std::lock_guard lock(t.mu);
  auto& slot = t.sessions[handle];
  slot = std::make_unique<Session>();
  slot->handle = handle;
  return slot.get();
}

Session* find_session(gnutls_session_t handle) {
  Table& t = table();
  std::lock_guard lock(t.mu);
  auto it = t.sessions.find(handle);
  return it == t.sessions.end() ? nullptr : it->second.get();
}

void remove_session(gnutls_session_t handle) {
  Table& t = table();
  std::lock_guard lock(t.mu);
  t.sessions.erase(handle);
}

Session* session_for_callback(gnutls_transport_ptr_t ptr) {
  Table& t = table();
  std::lock_guard lock(t.mu);
  Session* current = nullptr;
  if (auto it = t.sessions.find(tls_current); it != t.sessions.end()) current = it->second.get();
  if (current != nullptr && uses_ptr(*current, ptr)) return current;
  for (auto& [handle, s] : t.sessions)
    if (uses_ptr(*s, ptr)) return s.get();
  return current;
}

bool wait_fd_is_relevant(int fd) {
  Table& t = table();
  std::lock_guard lock(t.mu);
  if (t.sessions.empty()) return true;
  for (auto& [handle, s] : t.sessions)
    if (s->fd[0] == fd || s->fd[1] == fd) return true;
  return false;
}

bool any_session() {
  Table& t = table();
  std::lock_guard lock(t.mu);
  return !t.sessions.empty();
}

EntryScope::EntryScope(gnutls_session_t handle)
    : previous_(tls_current), outermost_(tls_depth == 0) {
  tls_current = handle;
  ++tls_depth;
}

EntryScope::~EntryScope() {
  --tls_depth;
  tls_current = previous_ != nullptr ? previous_ : tls_current;
}

bool in_program_callback() { return tls_callback_session != nullptr; }

ProgramCallbackScope::ProgramCallbackScope(Session* s, int dir) {
  tls_callback_session = s;
  tls_callback_dir = dir;
}

ProgramCallbackScope::~ProgramCallbackScope() { tls_callback_session = nullptr; }

void learn_fd(int fd) {
  Session* s = tls_callback_session;
  if (s != nullptr && s->fd[tls_callback_dir] < 0) s->fd[tls_callback_dir] = fd;
}

Session* callback_session() { return tls_callback_session; }

}  // namespace dirprobe::preload
