/* ---- The program: another call made while the subject's first handshake is pending ----
 *
 * The subject starts its handshake. The first time gnutls_handshake returns E_AGAIN after
 * moving bytes (mid-flight), the subject's application makes one other call on the session
 * (OTHER_NAME), then goes on as the manual says: it retries each pending call when the
 * direction it reported is ready (the other call first, while it is pending). An error of the
 * other call is taken as its answer; an error of a handshake ends the program. The peer calls
 * gnutls_handshake every turn, then reads until the stream ends (PEER_OPENSSL 1: the peer is
 * OpenSSL, SSL_do_handshake then SSL_read_ex). Where the other call is gnutls_rehandshake, the
 * application then makes the renegotiation's gnutls_handshake (OTHER_THEN) as its own call.
 * Whatever the other call does, it must not break the handshake: no record the peer cannot
 * take in the middle of it, no message the peer pulls and never reports, and no message of
 * the handshake taken away from it (which leaves the handshake failing or waiting forever). */

/* Bytes sitting unread in a socket, and (type) the one at offset `at` among them. */
static int unread(int fd, int at, int *type) {
  static unsigned char buf[65536];
  ssize_t n = recv(fd, buf, sizeof buf, MSG_PEEK);
  if (at >= 0 && at < n) *type = buf[at];
  return n > 0 ? (int)n : 0;
}

static bool pending(int rc) { return rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED; }

#ifndef PEER_OPENSSL
#define PEER_OPENSSL 0
#endif
/* OTHER_CALL, or its follow-up OTHER_THEN once OTHER_CALL returned 0. */
static int other_call(bool then) {
#ifdef OTHER_THEN
  if (then) return OTHER_THEN;
#endif
  (void)then;
  return OTHER_CALL;
}
#ifndef OTHER_THEN_NAME
#define OTHER_THEN_NAME ""
#endif

/* The peer: gnutls_handshake, then gnutls_record_recv until the stream ends (answering a
 * certificate request with gnutls_reauth). Called every turn; sets *end on an error. */
enum { PEER_HANDSHAKE, PEER_READING, PEER_REAUTH, PEER_DONE };
static int peer_state = PEER_HANDSHAKE;
static bool reported; /* a peer's call told its application of the other call's record */

#if PEER_OPENSSL
/* The OpenSSL peer: SSL_do_handshake, then SSL_read_ex until the stream ends. */
static void peer_turn(char *end, size_t end_size) {
  static const char *const calls[] = {"SSL_do_handshake", "SSL_read_ex"};
  unsigned char buf[16384];
  size_t got;
  if (peer_state == PEER_DONE) return;
  ERR_clear_error();
  int code = peer_state == PEER_HANDSHAKE ? openssl_handshake()
             : SSL_read_ex(ossl, buf, sizeof buf, &got) == 1 ? SSL_ERROR_NONE : SSL_get_error(ossl, 0);
  bool waiting = code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE;
  if (!waiting || peer.moved) printf("peer: %s -> %s\n", calls[peer_state], ssl_error_name(code));
  if (code == SSL_ERROR_NONE && peer_state == PEER_HANDSHAKE) peer_state = PEER_READING;
  else if (code == SSL_ERROR_ZERO_RETURN && peer_state == PEER_READING) peer_state = PEER_DONE;
  else if (code != SSL_ERROR_NONE && !waiting)
    snprintf(end, end_size, "peer: %s returned %s%s", calls[peer_state], ssl_error_name(code),
             code == SSL_ERROR_ZERO_RETURN ? ", the stream ended in the middle of the handshake" : "");
}
#else
static void peer_turn(char *end, size_t end_size) {
  static const char *const calls[] = {"gnutls_handshake", "gnutls_record_recv", "gnutls_reauth"};
  unsigned char buf[16384];
  int rc = 0;
  if (peer_state == PEER_DONE) return;
  if (peer_state == PEER_HANDSHAKE) rc = gnutls_handshake(peer.s);
  if (peer_state == PEER_READING) rc = (int)gnutls_record_recv(peer.s, buf, sizeof buf);
  if (peer_state == PEER_REAUTH) rc = gnutls_reauth(peer.s, 0);
  if (!pending(rc) || peer.moved) printf("peer: %s -> %s\n", calls[peer_state], rc_name(rc));
  if (rc == REPORT_CODE && (peer_state == PEER_READING || rc != 0)) {
    reported = true;
    printf("peer: that reports the subject's %s\n", OTHER_RECORD);
  }
  if (rc == GNUTLS_E_REAUTH_REQUEST) peer_state = PEER_REAUTH;
  else if (rc == 0) peer_state = peer_state == PEER_READING ? PEER_DONE : PEER_READING;
  else if (rc < 0 && gnutls_error_is_fatal(rc))
    snprintf(end, end_size, "peer: %s returned %s", calls[peer_state], rc_name(rc));
}
#endif

int main(void) {
  open_pair(SUBJECT_FLAGS, 0); /* POST_HANDSHAKE_AUTH 1 (gnutls_reauth): on both ends */
#if PEER_OPENSSL
  open_openssl_peer();
#endif
  int hs = GNUTLS_E_AGAIN, hs_dir = 0, other = 0, other_dir = 0, bye = GNUTLS_E_AGAIN;
  int wrote = 0, type = 0, first = 0; /* first: what the other call returned first */
  bool made = false, due = false, stuck = false, then = false, at_once = false, answered = false;
  char end[128] = "";
  clear_blocked(&subject);
  for (int turn = 0; turn < 200 && !end[0] && !stuck; turn++) {
    bool subject_called = true;
    if (due) { /* the turn after the handshake's E_AGAIN: the other call, nothing else */
      int before = unread(peer.fd, -1, NULL), to_read = unread(subject.fd, -1, NULL);
      first = other = other_call(false);
      other_dir = gnutls_record_get_direction(subject.s);
      wrote = unread(peer.fd, before, &type) - before;
      printf("subject: %s -> %s, direction %d; it read %d bytes of the peer's and wrote %d",
             OTHER_NAME, rc_name(other), other_dir, to_read - unread(subject.fd, -1, NULL), wrote);
      if (wrote > 0) printf(", a record of content type %d (%s)", type, type == 23 ? "encrypted" : "in clear");
      printf("\n");
      due = false, made = true;
    } else if (made && pending(other)) { /* the other call is retried first */
      if ((subject_called = socket_ready(&subject, other_dir))) {
        other = other_call(then);
        other_dir = gnutls_record_get_direction(subject.s);
        printf("subject: %s -> %s, direction %d\n", then ? OTHER_THEN_NAME : OTHER_NAME " again",
               rc_name(other), other_dir);
      }
    } else if (pending(hs)) { /* retried when ready, or at once after the other call failed */
      if ((subject_called = turn == 0 || at_once || socket_ready(&subject, hs_dir))) {
        at_once = false;
        hs = gnutls_handshake(subject.s);
        hs_dir = gnutls_record_get_direction(subject.s);
        printf("subject: gnutls_handshake -> %s, direction %d\n", rc_name(hs), hs_dir);
        due = pending(hs) && !made && subject.moved;
        if (hs < 0 && !pending(hs)) snprintf(end, sizeof end, "subject: gnutls_handshake returned %s", rc_name(hs));
      }
    } else if (pending(bye)) { /* handshake done: the subject closes its side */
      if ((subject_called = socket_ready(&subject, 1))) bye = gnutls_bye(subject.s, GNUTLS_SHUT_WR);
    } else {
      subject_called = false;
    }
    if (made && other == 0 && sizeof OTHER_THEN_NAME > 1 && !then)
      then = true, other = GNUTLS_E_AGAIN; /* OTHER_THEN is still to be made */
    else if (made && other < 0 && !pending(other) && !answered)
      answered = at_once = true; /* the other call failed: that is its answer; on with the handshake */
    if (end[0]) break;
    clear_blocked(&peer);
    peer_turn(end, sizeof end);
    if (peer_state == PEER_DONE && !pending(bye)) break; /* both are through */
    stuck = !subject_called && !peer.moved && !end[0];   /* nobody can move any more */
  }

  /* The record the other call wrote, if the peer pulled it all and never reported it. */
  bool unreported = CHECK_UNREPORTED && wrote > 0 && unread(peer.fd, -1, NULL) == 0 && !reported;
  if (unreported)
    printf("DEVIATION: %s %s and wrote a %d-byte %s in the middle of the handshake; the peer "
           "pulled it and never reported it\n", OTHER_NAME,
           first == 0 ? "reported success" : "failed", wrote, OTHER_RECORD);
  if (end[0])
    printf("DEVIATION: the handshake breaks (outcome fail): %s\n", end);
  if (stuck && pending(other) && made)
    printf("DEVIATION: the handshake never finishes (L1, outcome stalled): the subject waits for "
           "the socket to be %s for %s, its handshake (direction %d) after it; the peer waits "
           "for data that never comes\n", other_dir ? "writable" : "readable", OTHER_NAME, hs_dir);
  else if (stuck && then && other == 0)
    printf("DEVIATION: the handshake never finishes (L1, outcome stalled): %s returned 0, having "
           "completed the first handshake in place of the pending gnutls_handshake, whose retry waits "
           "for the socket to be %s; the peer waits for data that never comes\n", OTHER_THEN_NAME,
           hs_dir ? "writable" : "readable");
  else if (stuck)
    printf("DEVIATION: the handshake never finishes (L1, outcome stalled): the subject waits for "
           "the socket to be %s, the peer for data that never comes\n", hs_dir ? "writable" : "readable");
  if (unreported || end[0] || stuck) return 1;
  printf("no deviation: both handshakes completed and the session closed\n");
  return 0;
}
