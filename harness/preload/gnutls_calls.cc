// The wrapped record-layer, handshake and control calls of GnuTLS: each runs the real function
// and, when it is the program's own call (not GnuTLS calling itself), logs one "call" line with
// its argument, return code, the code's name and the direction GnuTLS reports afterwards.
#include <gnutls/gnutls.h>

#include <optional>

#include "harness/preload/export.h"
#include "harness/preload/log.h"
#include "harness/preload/real.h"
#include "harness/preload/session.h"

namespace dirprobe::preload {
namespace {

void log_call(gnutls_session_t handle, const char* api, std::optional<long long> arg, long long rc,
              bool with_dir) {
  Session* s = find_session(handle);
  if (s == nullptr || busy_looping(*s)) return;
  DP_REAL_GNUTLS(gnutls_strerror_name, "GNUTLS_3_4");
  DP_REAL_GNUTLS(gnutls_record_get_direction, "GNUTLS_3_4");
  Line line("call");
  line.num("s", s->index).str("api", api);
  if (arg) line.num("arg", *arg);
  line.num("rc", rc);
  line.str("name", rc < 0 ? real_gnutls_strerror_name(static_cast<int>(rc)) : nullptr);
  if (with_dir) line.num("dir", real_gnutls_record_get_direction(handle));
  line.write();
}

// Runs `call` as the program's call `api` and logs it when it is the outermost one.
template <typename Call>
auto logged(gnutls_session_t handle, const char* api, std::optional<long long> arg, Call call,
            bool with_dir = true) {
  EntryScope scope(handle);
  auto rc = call();
  if (scope.outermost()) log_call(handle, api, arg, static_cast<long long>(rc), with_dir);
  return rc;
}

}  // namespace
}  // namespace dirprobe::preload

using namespace dirprobe::preload;

DP_EXPORT int gnutls_handshake(gnutls_session_t session) {
  DP_REAL_GNUTLS(gnutls_handshake, "GNUTLS_3_4");
  return logged(session, "gnutls_handshake", {}, [&] { return real_gnutls_handshake(session); });
}

DP_EXPORT ssize_t gnutls_record_send(gnutls_session_t session, const void* data, size_t size) {
  DP_REAL_GNUTLS(gnutls_record_send, "GNUTLS_3_4");
  return logged(session, "gnutls_record_send", size,
                [&] { return real_gnutls_record_send(session, data, size); });
}

DP_EXPORT ssize_t gnutls_record_send2(gnutls_session_t session, const void* data, size_t size,
                                      size_t pad, unsigned flags) {
  DP_REAL_GNUTLS(gnutls_record_send2, "GNUTLS_3_6_3");
  return logged(session, "gnutls_record_send2", size,
                [&] { return real_gnutls_record_send2(session, data, size, pad, flags); });
}

DP_EXPORT ssize_t gnutls_record_recv(gnutls_session_t session, void* data, size_t size) {
  DP_REAL_GNUTLS(gnutls_record_recv, "GNUTLS_3_4");
  return logged(session, "gnutls_record_recv", size,
                [&] { return real_gnutls_record_recv(session, data, size); });
}

DP_EXPORT ssize_t gnutls_record_recv_seq(gnutls_session_t session, void* data, size_t size,
                                         unsigned char* seq) {
  DP_REAL_GNUTLS(gnutls_record_recv_seq, "GNUTLS_3_4");
  return logged(session, "gnutls_record_recv_seq", size,
                [&] { return real_gnutls_record_recv_seq(session, data, size, seq); });
}

DP_EXPORT int gnutls_bye(gnutls_session_t session, gnutls_close_request_t how) {
  DP_REAL_GNUTLS(gnutls_bye, "GNUTLS_3_4");
  return logged(session, "gnutls_bye", static_cast<long long>(how),
                [&] { return real_gnutls_bye(session, how); });
}

DP_EXPORT int gnutls_alert_send(gnutls_session_t session, gnutls_alert_level_t level,
                                gnutls_alert_description_t desc) {
  DP_REAL_GNUTLS(gnutls_alert_send, "GNUTLS_3_4");
  return logged(session, "gnutls_alert_send", {},
                [&] { return real_gnutls_alert_send(session, level, desc); });
}

DP_EXPORT int gnutls_rehandshake(gnutls_session_t session) {
  DP_REAL_GNUTLS(gnutls_rehandshake, "GNUTLS_3_4");
  return logged(session, "gnutls_rehandshake", {},
                [&] { return real_gnutls_rehandshake(session); });
}

DP_EXPORT int gnutls_reauth(gnutls_session_t session, unsigned int flags) {
  DP_REAL_GNUTLS(gnutls_reauth, "GNUTLS_3_6_3");
  return logged(session, "gnutls_reauth", {}, [&] { return real_gnutls_reauth(session, flags); });
}

DP_EXPORT int gnutls_session_key_update(gnutls_session_t session, unsigned flags) {
  DP_REAL_GNUTLS(gnutls_session_key_update, "GNUTLS_3_6_3");
  return logged(session, "gnutls_session_key_update", flags,
                [&] { return real_gnutls_session_key_update(session, flags); });
}

DP_EXPORT int gnutls_session_ticket_send(gnutls_session_t session, unsigned nr, unsigned flags) {
  DP_REAL_GNUTLS(gnutls_session_ticket_send, "GNUTLS_3_6_3");
  return logged(session, "gnutls_session_ticket_send", {},
                [&] { return real_gnutls_session_ticket_send(session, nr, flags); });
}

DP_EXPORT int gnutls_heartbeat_ping(gnutls_session_t session, size_t data_size,
                                    unsigned int max_tries, unsigned int flags) {
  DP_REAL_GNUTLS(gnutls_heartbeat_ping, "GNUTLS_3_4");
  return logged(session, "gnutls_heartbeat_ping", {},
                [&] { return real_gnutls_heartbeat_ping(session, data_size, max_tries, flags); });
}

DP_EXPORT int gnutls_heartbeat_pong(gnutls_session_t session, unsigned int flags) {
  DP_REAL_GNUTLS(gnutls_heartbeat_pong, "GNUTLS_3_4");
  return logged(session, "gnutls_heartbeat_pong", {},
                [&] { return real_gnutls_heartbeat_pong(session, flags); });
}

DP_EXPORT void gnutls_record_cork(gnutls_session_t session) {
  DP_REAL_GNUTLS(gnutls_record_cork, "GNUTLS_3_4");
  logged(session, "gnutls_record_cork", {}, [&] {
    real_gnutls_record_cork(session);
    return 0;
  });
}

DP_EXPORT int gnutls_record_uncork(gnutls_session_t session, unsigned int flags) {
  DP_REAL_GNUTLS(gnutls_record_uncork, "GNUTLS_3_4");
  return logged(session, "gnutls_record_uncork", flags,
                [&] { return real_gnutls_record_uncork(session, flags); });
}

// Absent before GnuTLS 3.7.4: a program built against a newer GnuTLS gets "unimplemented".
DP_EXPORT ssize_t gnutls_record_send_file(gnutls_session_t session, int fd, off_t* offset,
                                          size_t count) {
  DP_REAL_GNUTLS(gnutls_record_send_file, "GNUTLS_3_7_4");
  return logged(session, "gnutls_record_send_file", count, [&]() -> ssize_t {
    if (real_gnutls_record_send_file == nullptr) return GNUTLS_E_UNIMPLEMENTED_FEATURE;
    return real_gnutls_record_send_file(session, fd, offset, count);
  });
}

DP_EXPORT ssize_t gnutls_record_send_early_data(gnutls_session_t session, const void* data,
                                                size_t length) {
  DP_REAL_GNUTLS(gnutls_record_send_early_data, "GNUTLS_3_6_5");
  return logged(session, "gnutls_record_send_early_data", length,
                [&] { return real_gnutls_record_send_early_data(session, data, length); });
}

DP_EXPORT ssize_t gnutls_record_recv_early_data(gnutls_session_t session, void* data,
                                                size_t data_size) {
  DP_REAL_GNUTLS(gnutls_record_recv_early_data, "GNUTLS_3_6_5");
  return logged(session, "gnutls_record_recv_early_data", data_size,
                [&] { return real_gnutls_record_recv_early_data(session, data, data_size); });
}

DP_EXPORT size_t gnutls_record_check_pending(gnutls_session_t session) {
  DP_REAL_GNUTLS(gnutls_record_check_pending, "GNUTLS_3_4");
  return logged(
      session, "gnutls_record_check_pending", {},
      [&] { return real_gnutls_record_check_pending(session); }, false);
}

DP_EXPORT int gnutls_record_get_direction(gnutls_session_t session) {
  DP_REAL_GNUTLS(gnutls_record_get_direction, "GNUTLS_3_4");
  return logged(
      session, "gnutls_record_get_direction", {},
      [&] { return real_gnutls_record_get_direction(session); }, false);
}
