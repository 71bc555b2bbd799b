
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
#define CHUNK 16384
#define MAX_ROUNDS 2000
#define IDLE_ROUNDS 16 /* rounds without any progress before the run counts as stuck */

static unsigned char out[CHUNK], in[RECV_BUFFER], got[TOTAL_BYTES]; /* got: what the subject read */
static size_t sent, received, mismatch = (size_t)-1; /* sent by the peer, read by the subject */
static const size_t reneg_after = RENEG_AFTER;
static int subject_state;         /* 0 before the renegotiation, 1 during it, 2 after it */
static bool peer_pending, peer_in_handshake, peer_renegotiated;
static int quiet_after = 2; /* print only the first sends after the renegotiation */
static int recv_dir = -1;         /* the direction the subject's last E_AGAIN reported */
static ssize_t fatal;             /* a fatal error of either side */

/* A loop that waits (LOOP_WAITS) calls only when the socket is ready for the direction
 * gnutls_record_get_direction reported; with timeout 0 nothing is waited out. */
static bool ready(int dir) {
  if (!LOOP_WAITS || dir < 0) return true;
  struct pollfd p = {.fd = subject.fd, .events = dir ? POLLOUT : POLLIN};
  return poll(&p, 1, 0) > 0;
}

static bool subject_read(void) {
  ssize_t rc = gnutls_record_recv(subject.s, in, sizeof in);
  recv_dir = rc == GNUTLS_E_AGAIN ? gnutls_record_get_direction(subject.s) : -1;
  if (rc <= 0) {
    if (rc != GNUTLS_E_AGAIN) fatal = rc, printf("subject: gnutls_record_recv -> %s\n", rc_name(rc));
    return false;
  }
  if (received + (size_t)rc > TOTAL_BYTES) rc = (ssize_t)(TOTAL_BYTES - received);
  memcpy(got + received, in, (size_t)rc);
  for (ssize_t i = 0; i < rc && mismatch == (size_t)-1; i++)
    if (in[i] != stream_byte(received + (size_t)i)) mismatch = received + (size_t)i;
  received += (size_t)rc;
  return true;
}

static bool subject_round(void) {
  if (subject_state == 0 && received >= reneg_after) {
    int rc = gnutls_rehandshake(subject.s);
    printf("subject: gnutls_rehandshake after reading %zu bytes -> %s\n", received, rc_name(rc));
    if (rc < 0) fatal = rc;
    subject_state = 1, recv_dir = -1;
    return rc == 0;
  }
  if (!ready(recv_dir)) return false;
  if (subject_state == 1) {
    clear_blocked(&subject);
    int rc = gnutls_handshake(subject.s);
    recv_dir = rc == GNUTLS_E_AGAIN ? gnutls_record_get_direction(subject.s) : -1;
    if (rc == 0) subject_state = 2, printf("subject: gnutls_handshake -> 0 (renegotiated)\n");
    else if (rc == GNUTLS_E_GOT_APPLICATION_DATA) return subject_read();
    else if (rc != GNUTLS_E_AGAIN) fatal = rc, printf("subject: gnutls_handshake -> %s\n", rc_name(rc));
    return rc == 0 || subject.moved;
  }
  return received < TOTAL_BYTES && subject_read();
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
  if (sent < TOTAL_BYTES) {
    size_t n = TOTAL_BYTES - sent < CHUNK ? TOTAL_BYTES - sent : CHUNK;
    if (!peer_pending) fill_stream(out, n, sent);
    ssize_t rc = gnutls_record_send(peer.s, out, n); /* a retry offers the same data */
    if ((rc != GNUTLS_E_AGAIN || !peer_pending) && (!peer_renegotiated || quiet_after-- > 0))
      printf("peer: gnutls_record_send(data) at offset %zu -> %s\n", sent, rc_name(rc));
    if (rc > 0) sent += (size_t)rc, progress = true;
    else if (rc != GNUTLS_E_AGAIN) fatal = rc;
    peer_pending = rc == GNUTLS_E_AGAIN;
  }
  unsigned char sink[RECV_BUFFER];
  ssize_t rc = gnutls_record_recv(peer.s, sink, sizeof sink);
  if (rc == GNUTLS_E_REHANDSHAKE) {
    printf("peer: gnutls_record_recv -> GNUTLS_E_REHANDSHAKE (its send at offset %zu %s pending);"
           " it calls gnutls_handshake\n", sent, peer_pending ? "is" : "is not");
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
  int idle = 0;
  for (int round = 0; round < MAX_ROUNDS && idle < IDLE_ROUNDS && fatal == 0; round++) {
    bool progress = subject_round();
    progress = peer_round() || progress;
    if (sent >= TOTAL_BYTES && received >= TOTAL_BYTES) break;
    idle = progress ? 0 : idle + 1;
  }
  printf("peer reported %zu bytes sent; the subject read %zu\n", sent, received);
  if (fatal != 0) {
    printf("no deviation of this kind: the run failed with %s\n", rc_name(fatal));
    return 0;
  }
  bool duplicated = mismatch != (size_t)-1, stuck = sent < TOTAL_BYTES || received < TOTAL_BYTES;
  if (duplicated) {
    size_t again = 0; /* are they the bytes of an earlier send, a second time? */
    while (mismatch >= CHUNK && mismatch + again < received && again < CHUNK &&
           got[mismatch + again] == stream_byte(mismatch + again - CHUNK))
      again++;
    printf("DEVIATION: R1 (on the wire W1): the subject received wrong data from offset %zu on; %zu"
           " of the bytes there are the %d bytes of offset %zu again: the peer's pending record went"
           " out inside its gnutls_handshake and its retried send sent the same data a second time\n",
           mismatch, again, CHUNK, mismatch - CHUNK);
  }
  if (stuck)
    printf("DEVIATION: the transfer cannot finish (outcome stalled%s): the subject has read the %d"
           " bytes it expects and stops reading, the peer still has %zu bytes to send\n",
           LOOP_WAITS ? "; L1: the loop never completes" : "", TOTAL_BYTES, TOTAL_BYTES - sent);
  if (duplicated || stuck) return 1;
  printf("no deviation: every byte arrived once and in order, the renegotiation completed\n");
  return 0;
}
