/* A preloadable library (LD_PRELOAD) that makes GnuTLS misbehave in one controlled way, chosen
 * by the DIRPROBE_MUTANT environment variable, so that self-tests can require the suite to
 * notice. Modes:
 *   dir-always-0, dir-always-1, dir-inverted  gnutls_record_get_direction lies
 *   dir-wrong-after-send                      it says 0 after a gnutls_record_send
 *   recv-drop-byte, recv-corrupt-byte         each session's 2nd successful gnutls_record_recv
 *                                             loses / flips its first byte
 *   send-eagain-no-io                         every 2nd gnutls_record_send returns E_AGAIN
 *                                             without doing anything
 *   send-eagain-4-no-io                       each session's first 4 gnutls_record_send calls
 *                                             return E_AGAIN without doing anything (the
 *                                             direction is then the last real operation's)
 *   alert-send-no-io                          gnutls_alert_send returns 0 without sending
 *   alert-send-twice                          gnutls_alert_send sends its alert twice
 *   record-send-twice                         each session's first successful
 *                                             gnutls_record_send seals its data a second time
 *   send-hidden-alert                         before each session's first gnutls_record_send,
 *                                             a warning alert the application never asked for
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <gnutls/gnutls.h>
#include <stdlib.h>
#include <string.h>

static int is_mode(const char* name) {
  const char* mode = getenv("DIRPROBE_MUTANT");
  return mode != NULL && strcmp(mode, name) == 0;
}

static void* real(const char* symbol) { return dlsym(RTLD_NEXT, symbol); }

static int last_call_was_send;
static unsigned send_count;

/* Successful receives and sends per session (the harness runs a subject and a GnuTLS peer at
 * once); gnutls_init resets a slot, since a new session may reuse an old one's address. */
static gnutls_session_t sessions[8];
static unsigned counts[8], send_counts[8];

static unsigned slot_of(gnutls_session_t session) {
  static unsigned next;
  for (unsigned i = 0; i < 8; ++i)
    if (sessions[i] == session) return i;
  unsigned slot = next++ % 8;
  sessions[slot] = session;
  counts[slot] = send_counts[slot] = 0;
  return slot;
}
static unsigned* count_of(gnutls_session_t session) { return &counts[slot_of(session)]; }
static unsigned* sends_of(gnutls_session_t session) { return &send_counts[slot_of(session)]; }

int gnutls_init(gnutls_session_t* session, unsigned int flags) {
  int (*fn)(gnutls_session_t*, unsigned int) = real("gnutls_init");
  int rc = fn(session, flags);
  if (rc == 0) *count_of(*session) = *sends_of(*session) = 0;
  return rc;
}

int gnutls_record_get_direction(gnutls_session_t session) {
  int (*fn)(gnutls_session_t) = real("gnutls_record_get_direction");
  int dir = fn(session);
  if (is_mode("dir-always-0")) return 0;
  if (is_mode("dir-always-1")) return 1;
  if (is_mode("dir-inverted")) return !dir;
  if (is_mode("dir-wrong-after-send") && last_call_was_send) return 0;
  return dir;
}

ssize_t gnutls_record_send(gnutls_session_t session, const void* data, size_t size) {
  ssize_t (*fn)(gnutls_session_t, const void*, size_t) = real("gnutls_record_send");
  last_call_was_send = 1;
  if (is_mode("send-eagain-no-io") && ++send_count % 2 == 0) return GNUTLS_E_AGAIN;
  unsigned* sends = sends_of(session);
  if (is_mode("send-eagain-4-no-io") && (*sends)++ < 4) return GNUTLS_E_AGAIN;
  if (is_mode("send-hidden-alert") && (*sends)++ == 0) {
    int (*alert)(gnutls_session_t, gnutls_alert_level_t, gnutls_alert_description_t) =
        real("gnutls_alert_send");
    alert(session, GNUTLS_AL_WARNING, GNUTLS_A_USER_CANCELED);
  }
  ssize_t rc = fn(session, data, size);
  if (rc > 0 && is_mode("record-send-twice") && (*sends)++ == 0) fn(session, data, (size_t)rc);
  return rc;
}

ssize_t gnutls_record_recv(gnutls_session_t session, void* data, size_t size) {
  ssize_t (*fn)(gnutls_session_t, void*, size_t) = real("gnutls_record_recv");
  last_call_was_send = 0;
  ssize_t got = fn(session, data, size);
  if (got <= 0 || ++*count_of(session) != 2) return got;
  unsigned char* bytes = data;
  if (is_mode("recv-corrupt-byte")) bytes[0] ^= 0x55;
  if (is_mode("recv-drop-byte") && got > 1) {
    memmove(bytes, bytes + 1, (size_t)got - 1);
    got -= 1;
  }
  return got;
}

int gnutls_handshake(gnutls_session_t session) {
  int (*fn)(gnutls_session_t) = real("gnutls_handshake");
  last_call_was_send = 0;
  return fn(session);
}

int gnutls_alert_send(gnutls_session_t session, gnutls_alert_level_t level,
                      gnutls_alert_description_t desc) {
  int (*fn)(gnutls_session_t, gnutls_alert_level_t, gnutls_alert_description_t) =
      real("gnutls_alert_send");
  last_call_was_send = 0;
  if (is_mode("alert-send-no-io")) return 0;
  int rc = fn(session, level, desc);
  if (rc == 0 && is_mode("alert-send-twice")) rc = fn(session, level, desc);
  return rc;
}
