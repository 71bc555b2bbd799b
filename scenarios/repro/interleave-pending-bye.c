/* ---- The program: gnutls_bye while a send (or uncork) is pending after E_AGAIN ----
 *
 * The subject sends 16 KiB (or, corked, queues 32 KiB and uncorks) into a small socket: the call
 * returns E_AGAIN with part of a record written. Before retrying it, the application closes
 * the session with gnutls_bye (BYE_HOW), calling bye until it returns 0 while the peer reads.
 * Then it makes the documented retry of the pending call: the same call again (for
 * gnutls_record_send the same data, or NULL, 0). The peer reads everything up to close_notify.
 * The manual says the retry completes the pending call; data reported sent must arrive. */
#ifndef PENDING_CORKED
#define PENDING_CORKED 0 /* 1: the pending call is gnutls_record_uncork of 32 KiB corked data */
#endif

static unsigned char data[32768];
static size_t peer_got; /* application bytes the peer received, checked against the stream */
static bool peer_closed, peer_bad;

static void peer_reads(void) {
  unsigned char buf[16384];
  for (int i = 0; i < 100 && !peer_closed; i++) {
    ssize_t n = gnutls_record_recv(peer.s, buf, sizeof buf);
    if (n == GNUTLS_E_AGAIN) return;
    if (n <= 0) {
      peer_closed = true;
      if (n < 0) printf("peer: gnutls_record_recv -> %s\n", rc_name(n));
      return;
    }
    for (ssize_t k = 0; k < n; k++) peer_bad = peer_bad || buf[k] != stream_byte(peer_got + k);
    peer_got += (size_t)n;
  }
}

int main(void) {
  fill_stream(data, sizeof data, 0);
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();

  ssize_t rc, reported = 0;
  const char *what = PENDING_CORKED ? "gnutls_record_uncork" : "gnutls_record_send(16384)";
  if (PENDING_CORKED) {
    gnutls_record_cork(subject.s);
    for (size_t off = 0; off < sizeof data; off += 16384) {
      rc = gnutls_record_send(subject.s, data + off, 16384);
      printf("subject: corked gnutls_record_send(16384) -> %s\n", rc_name(rc));
      if (rc > 0) reported += rc;
    }
    rc = gnutls_record_uncork(subject.s, 0);
  } else {
    rc = gnutls_record_send(subject.s, data, 16384);
  }
  printf("subject: %s -> %s, direction %d\n", what, rc_name(rc), gnutls_record_get_direction(subject.s));
  if (rc != GNUTLS_E_AGAIN) {
    printf("no deviation: the call did not stay pending\n");
    return 0;
  }
  peer_reads();

  /* The application closes before retrying: bye until it returns 0, the peer reading. */
  int bye = GNUTLS_E_AGAIN;
  for (int i = 0; i < 100 && bye == GNUTLS_E_AGAIN; i++) {
    bye = gnutls_bye(subject.s, BYE_HOW);
    printf("subject: gnutls_bye(%s) -> %s\n", BYE_HOW == GNUTLS_SHUT_WR ? "GNUTLS_SHUT_WR" : "GNUTLS_SHUT_RDWR",
           rc_name(bye));
    peer_reads();
    if (bye == GNUTLS_E_AGAIN && BYE_HOW == GNUTLS_SHUT_RDWR && peer_closed)
      gnutls_bye(peer.s, GNUTLS_SHUT_WR); /* the peer answers the close_notify */
  }

  /* The documented retry of the pending call. */
  if (PENDING_CORKED)
    rc = gnutls_record_uncork(subject.s, 0);
  else if (RETRY_NULL)
    rc = gnutls_record_send(subject.s, NULL, 0);
  else
    rc = gnutls_record_send(subject.s, data, 16384);
  printf("subject: retried %s%s -> %s\n", what, !PENDING_CORKED && RETRY_NULL ? " as NULL, 0" : "",
         rc_name(rc));
  if (!PENDING_CORKED && rc > 0) reported += rc;
  peer_reads();
  printf("peer: received %zu bytes%s, %s\n", peer_got, peer_bad ? " (wrong data)" : "",
         peer_closed ? "then the end of the stream" : "and no end of the stream");

  bool retry_failed = rc < 0 && rc != GNUTLS_E_AGAIN;
  bool lost = (size_t)reported > peer_got;
  if (retry_failed || lost) {
    printf("DEVIATION:");
    if (lost)
      printf(" gnutls_record_send reported %zd bytes sent, but only %zu went out before close_notify;",
             reported, peer_got);
    if (retry_failed)
      printf(" after gnutls_bye the documented retry of %s fails with %s", what, rc_name(rc));
    printf("\n");
    return 1;
  }
  printf("no deviation: the retry returned %s and the peer got every byte reported sent\n", rc_name(rc));
  return 0;
}
