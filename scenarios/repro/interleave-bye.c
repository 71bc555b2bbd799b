/* ---- The program: a call made while gnutls_bye(GNUTLS_SHUT_RDWR) is pending ----
 *
 * The subject sends 1 KiB, then calls gnutls_bye(GNUTLS_SHUT_RDWR). Bye writes its close_notify
 * and returns E_AGAIN waiting for the peer's. The peer reads the 1 KiB and the close_notify
 * (gnutls_record_recv returns 0: the stream is over) and closes for writing in turn.
 * Meanwhile the subject's application makes one more call (OTHER_NAME), then goes on as the
 * manual says: it retries each pending call when the direction it reported is ready.
 * A session that has sent close_notify must not send more: whatever the later call writes
 * lands behind the close_notify, where the peer never reads it. */
#ifndef OTHER_THEN_NAME
#define OTHER_THEN_NAME ""
#endif
#ifndef BOTH_FLAGS
#define BOTH_FLAGS 0 /* GNUTLS_POST_HANDSHAKE_AUTH where the call is gnutls_reauth */
#endif
#ifndef HEARTBEAT
#define HEARTBEAT 0 /* 1 where the call is gnutls_heartbeat_ping: both ends allow heartbeats */
#endif
#ifdef SEND_FILE /* the call is gnutls_record_send_file, looked up at run time (GnuTLS >= 3.7.2) */
#include <dlfcn.h>
typedef ssize_t (*send_file_fn)(gnutls_session_t, int, off_t *, size_t);
static send_file_fn send_file;
static int file_fd; /* a temporary file holding the new data */
#endif

static unsigned char other_data[16384];

/* OTHER_CALL, or its follow-up OTHER_THEN (gnutls_handshake after gnutls_rehandshake). */
static int other_call(bool then) {
#ifdef OTHER_THEN
  if (then) return OTHER_THEN;
#endif
  (void)then;
  return OTHER_CALL;
}

/* Bytes sitting unread in the peer's socket. */
static int unread_at_peer(void) {
  unsigned char buf[65536];
  ssize_t n = recv(peer.fd, buf, sizeof buf, MSG_PEEK);
  return n > 0 ? (int)n : 0;
}

int main(void) {
  unsigned char buf[16384], data[1024];
  fill_stream(data, sizeof data, 0);
  fill_stream(other_data, sizeof other_data, sizeof data);
#ifdef SEND_FILE
  send_file = (send_file_fn)dlsym(RTLD_DEFAULT, "gnutls_record_send_file");
  if (!send_file) {
    printf("GnuTLS %s has no gnutls_record_send_file (added in 3.7.2)\n", gnutls_check_version(NULL));
    return 77;
  }
  FILE *file = tmpfile();
  file_fd = file ? fileno(file) : -1;
  if (file_fd < 0 || write(file_fd, other_data, 1024) != 1024 || lseek(file_fd, 0, SEEK_SET) != 0)
    setup_failed("temporary file", 0);
#endif
  open_pair(SUBJECT_FLAGS | BOTH_FLAGS, BOTH_FLAGS);
  if (HEARTBEAT) {
    gnutls_heartbeat_enable(subject.s, GNUTLS_HB_PEER_ALLOWED_TO_SEND);
    gnutls_heartbeat_enable(peer.s, GNUTLS_HB_PEER_ALLOWED_TO_SEND);
  }
  handshake_both();
  if (HEARTBEAT && !gnutls_heartbeat_allowed(subject.s, GNUTLS_HB_LOCAL_ALLOWED_TO_SEND)) {
    printf("heartbeat was not negotiated: GnuTLS %s is built without it\n", gnutls_check_version(NULL));
    return 77;
  }

  ssize_t rc = GNUTLS_E_AGAIN;
  for (int i = 0; i < 100 && rc == GNUTLS_E_AGAIN; i++) rc = gnutls_record_send(subject.s, data, sizeof data);
  if (rc != (ssize_t)sizeof data) setup_failed("sending 1 KiB", (int)rc);
  rc = GNUTLS_E_AGAIN;
  for (int i = 0; i < 100 && rc == GNUTLS_E_AGAIN; i++) rc = gnutls_record_recv(peer.s, buf, sizeof buf);
  if (rc != (ssize_t)sizeof data) setup_failed("peer receiving 1 KiB", (int)rc);

  /* Bye until it has written something and waits (a fault may block its first push). */
  int bye = GNUTLS_E_AGAIN;
  for (int i = 0; i < 100; i++) {
    clear_blocked(&subject);
    bye = gnutls_bye(subject.s, GNUTLS_SHUT_RDWR);
    if (bye != GNUTLS_E_AGAIN || subject.moved) break;
  }
  int bye_dir = gnutls_record_get_direction(subject.s);
  printf("subject: gnutls_bye(GNUTLS_SHUT_RDWR) -> %s, direction %d (close_notify written)\n",
         rc_name(bye), bye_dir);
  if (bye != GNUTLS_E_AGAIN) {
    printf("no deviation: bye did not stay pending\n");
    return 0;
  }
  rc = gnutls_record_recv(peer.s, buf, sizeof buf);
  printf("peer: gnutls_record_recv -> %s (close_notify received)\n", rc_name(rc));

  /* The other call, made while bye is pending. */
  int other = other_call(false);
  int other_dir = gnutls_record_get_direction(subject.s);
  printf("subject: %s -> %s, direction %d\n", OTHER_NAME, rc_name(other), other_dir);
  int peer_bye = GNUTLS_E_AGAIN;
  for (int i = 0; i < 100 && peer_bye == GNUTLS_E_AGAIN; i++) peer_bye = gnutls_bye(peer.s, GNUTLS_SHUT_WR);
  printf("peer: gnutls_bye(GNUTLS_SHUT_WR) -> %s; the peer is done\n", rc_name(peer_bye));
  int after = unread_at_peer();
  printf("bytes the subject wrote after its close_notify, never read by the peer: %d\n", after);

  /* The documented retries, each when the direction it reported is ready (bounded). An
   * other call that failed is given up; the pending bye is still retried. */
  bool stuck = false, then = false;
  for (int turn = 0; turn < 100 && bye == GNUTLS_E_AGAIN; turn++) {
#ifdef OTHER_THEN
    if (other == 0 && !then) { /* the server's HelloRequest went out: run the handshake */
      then = true;
      other = other_call(then);
      other_dir = gnutls_record_get_direction(subject.s);
      printf("subject: %s -> %s\n", OTHER_THEN_NAME, rc_name(other));
      continue;
    }
#endif
    bool other_pending = other == GNUTLS_E_AGAIN || other == GNUTLS_E_INTERRUPTED;
    int direction = other_pending ? other_dir : bye_dir;
    if (!socket_ready(&subject, direction)) { /* the peer is done: nothing will make it ready */
      printf("subject: waits for the socket to be %s for %s, which never happens: stuck\n",
             direction ? "writable" : "readable", other_pending ? "the other call" : "bye");
      stuck = true;
      break;
    }
    if (other_pending) {
      other = other_call(then);
      other_dir = gnutls_record_get_direction(subject.s);
      printf("subject: %s again -> %s\n", then ? OTHER_THEN_NAME : OTHER_NAME, rc_name(other));
    } else {
      bye = gnutls_bye(subject.s, GNUTLS_SHUT_RDWR);
      bye_dir = gnutls_record_get_direction(subject.s);
      printf("subject: gnutls_bye(GNUTLS_SHUT_RDWR) again -> %s\n", rc_name(bye));
    }
  }

  if (after > 0) {
    printf("DEVIATION: after gnutls_bye had sent close_notify and returned E_AGAIN, %s was "
           "accepted and wrote %d bytes behind the close_notify, which the peer never reads%s\n",
           OTHER_NAME, after,
           stuck ? "; the loop that waits for the reported direction never finishes" : "");
    return 1;
  }
  printf("no deviation: nothing was written after close_notify (%s)\n",
         stuck ? "but the loop is stuck" : "the session closed cleanly");
  return 0;
}
