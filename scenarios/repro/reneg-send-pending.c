
/* ---- The reproducer: a renegotiation is answered while the peer's send is pending ----
 *
 * TLS 1.2. The peer (a GnuTLS client) streams TOTAL_BYTES to the subject (the server) in
 * 16 KiB gnutls_record_send calls, retrying a send that returned GNUTLS_E_AGAIN with the same
 * data, and calls gnutls_record_recv each round. After reading RENEG_AFTER bytes the subject
 * asks for a renegotiation (gnutls_rehandshake, then gnutls_handshake until it returns 0,
 * reading the data that arrives meanwhile when it returns GNUTLS_E_GOT_APPLICATION_DATA).
 * The peer's recv returns GNUTLS_E_REHANDSHAKE while its own send is pending; the peer then
 * runs gnutls_handshake to the end and goes on retrying its pending send. The manual says that
 * after GNUTLS_E_AGAIN the application repeats the call with the same data and that this
 * finishes the one interrupted send. */
#ifndef RENEG_AFTER
#define RENEG_AFTER (16 * 1024)
#endif
#ifndef TOTAL_BYTES
#define TOTAL_BYTES (80 * 1024)
#endif

static const size_t reneg_after = RENEG_AFTER;
static int subject_state;         /* 0 before the renegotiation, 1 during it, 2 after it */
static bool peer_in_handshake, peer_renegotiated;
static int quiet_after = 2; /* print only the first sends after the renegotiation */
static int recv_dir = -1;         /* the direction the subject's last E_AGAIN reported */
static ssize_t fatal;             /* a fatal error of either side */

static bool subject_read(void) {
  ssize_t rc = subject_take(TOTAL_BYTES, &recv_dir);
  if (rc <= 0 && rc != GNUTLS_E_AGAIN) fatal = rc, printf("subject: gnutls_record_recv -> %s\n", rc_name(rc));
  return rc > 0;
}

static bool subject_round(void) {
  if (subject_state == 0 && stream_received >= reneg_after) {
    int rc = gnutls_rehandshake(subject.s);
    printf("subject: gnutls_rehandshake after reading %zu bytes -> %s\n", stream_received, rc_name(rc));
    if (rc < 0) fatal = rc;
    subject_state = 1, recv_dir = -1;
    return rc == 0;
  }
  if (!may_call(recv_dir)) return false;
  if (subject_state == 1) {
    clear_blocked(&subject);
    int rc = gnutls_handshake(subject.s);
    recv_dir = rc == GNUTLS_E_AGAIN ? gnutls_record_get_direction(subject.s) : -1;
    if (rc == 0) subject_state = 2, printf("subject: gnutls_handshake -> 0 (renegotiated)\n");
    else if (rc == GNUTLS_E_GOT_APPLICATION_DATA) return subject_read();
    else if (rc != GNUTLS_E_AGAIN) fatal = rc, printf("subject: gnutls_handshake -> %s\n", rc_name(rc));
    return rc == 0 || subject.moved;
  }
  return stream_received < TOTAL_BYTES && subject_read();
}

static bool peer_round(void) {
  if (peer_in_handshake) {
    clear_blocked(&peer);
    int rc = gnutls_handshake(peer.s);
    if (rc == 0) peer_in_handshake = false, peer_renegotiated = true, printf("peer: gnutls_handshake -> 0\n");
    else if (rc != GNUTLS_E_AGAIN) fatal = rc, printf("peer: gnutls_handshake -> %s\n", rc_name(rc));
    return rc == 0 || peer.moved;
  }
  bool progress = false;
  if (peer_sent < TOTAL_BYTES) {
    ssize_t rc = peer_send_next(TOTAL_BYTES, peer_renegotiated ? &quiet_after : NULL);
    if (rc > 0) progress = true;
    else if (rc != GNUTLS_E_AGAIN) fatal = rc;
  }
  unsigned char sink[RECV_BUFFER];
  ssize_t rc = gnutls_record_recv(peer.s, sink, sizeof sink);
  if (rc == GNUTLS_E_REHANDSHAKE) {
    printf("peer: gnutls_record_recv -> GNUTLS_E_REHANDSHAKE (its send at offset %zu %s pending);"
           " it calls gnutls_handshake\n", peer_sent, peer_pending ? "is" : "is not");
    peer_in_handshake = progress = true;
  }
  return progress;
}

int main(void) {
  CHECK(gnutls_global_init());
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();
  printf("case %s: the peer sends %d bytes, the subject renegotiates after reading %d\n", CASE_ID,
         TOTAL_BYTES, RENEG_AFTER);
  return run_peer_stream(TOTAL_BYTES, subject_round, peer_round, &fatal,
                         "the peer's pending record went out inside its"
                         " gnutls_handshake and its retried send sent the same data a second time",
                         "every byte arrived once and in order, the renegotiation completed");
}
