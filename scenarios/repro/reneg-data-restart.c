
/* ---- The reproducer: a client's renegotiation meets application data ----
 *
 * TLS 1.2. The peer (a GnuTLS server) streams TOTAL_BYTES to the subject (the client) in 16 KiB
 * gnutls_record_send calls, retrying a send that returned GNUTLS_E_AGAIN with the same data,
 * and calls gnutls_record_recv each round; when that returns GNUTLS_E_REHANDSHAKE it runs
 * gnutls_handshake to the end. The subject starts a renegotiation by calling gnutls_handshake
 * again while that data is on its way. The manual ('TLS 1.2 re-authentication',
 * gnutls_handshake(3)): when gnutls_handshake returns GNUTLS_E_GOT_APPLICATION_DATA, the
 * application reads the data with gnutls_record_recv and calls gnutls_handshake again to
 * continue the handshake. A hook counts the ClientHello messages the subject sends. */
#ifndef TOTAL_BYTES
#define TOTAL_BYTES (80 * 1024)
#endif
#define CHUNK 16384
#define MAX_ROUNDS 2000
#define IDLE_ROUNDS 16 /* rounds without any progress before the run counts as stuck */

static unsigned char out[CHUNK], in[RECV_BUFFER];
static size_t sent, received, mismatch = (size_t)-1; /* sent by the peer, read by the subject */
static int hellos;                /* ClientHello messages the subject sent */
static bool got_app_data;         /* the subject's handshake returned GNUTLS_E_GOT_APPLICATION_DATA */
static bool subject_done, peer_in_handshake, peer_pending;
static int subject_dir = -1;      /* the direction the subject's last E_AGAIN reported */
static int fatal, fatal_side;     /* the first fatal error: 1 subject, 2 peer */

static int count_hello(gnutls_session_t s, unsigned type, unsigned when, unsigned incoming,
                       const gnutls_datum_t *msg) {
  (void)s, (void)type, (void)when, (void)incoming;
  hellos++; /* the body starts with the version (2 bytes), then the 32-byte random */
  printf("subject: ClientHello #%d sent, random %02x%02x%02x%02x...\n", hellos, msg->data[2],
         msg->data[3], msg->data[4], msg->data[5]);
  return 0;
}

/* A loop that waits (LOOP_WAITS) calls only when the socket is ready for the direction
 * gnutls_record_get_direction reported; with timeout 0 nothing is waited out. */
static bool ready(int dir) {
  if (!LOOP_WAITS || dir < 0) return true;
  struct pollfd p = {.fd = subject.fd, .events = dir ? POLLOUT : POLLIN};
  return poll(&p, 1, 0) > 0;
}

static void failed(int side, int rc, const char *call) {
  printf("%s: %s -> %s\n", side == 1 ? "subject" : "peer", call, rc_name(rc));
  if (fatal == 0) fatal = rc, fatal_side = side;
}

static bool subject_round(void) {
  if (subject_done || !ready(subject_dir)) return false;
  clear_blocked(&subject);
  int rc = gnutls_handshake(subject.s);
  subject_dir = rc == GNUTLS_E_AGAIN ? gnutls_record_get_direction(subject.s) : -1;
  if (rc == 0) subject_done = true, printf("subject: gnutls_handshake -> 0 (renegotiated)\n");
  else if (rc == GNUTLS_E_GOT_APPLICATION_DATA) {
    printf("subject: gnutls_handshake -> GNUTLS_E_GOT_APPLICATION_DATA (%d ClientHello sent so far)\n",
           hellos);
    got_app_data = true;
    ssize_t n = gnutls_record_recv(subject.s, in, sizeof in); /* read it, as the manual says */
    printf("subject: gnutls_record_recv -> %s; it calls gnutls_handshake again\n", rc_name(n));
    for (ssize_t i = 0; i < n && mismatch == (size_t)-1; i++)
      if (in[i] != stream_byte(received + (size_t)i)) mismatch = received + (size_t)i;
    if (n > 0) received += (size_t)n;
    else if (n != GNUTLS_E_AGAIN) failed(1, (int)n, "gnutls_record_recv");
    return true;
  } else if (rc != GNUTLS_E_AGAIN) failed(1, rc, "gnutls_handshake");
  return rc == 0 || subject.moved;
}

static bool peer_round(void) {
  if (peer_in_handshake) {
    clear_blocked(&peer);
    int rc = gnutls_handshake(peer.s);
    if (rc == 0) peer_in_handshake = false, printf("peer: gnutls_handshake -> 0\n");
    else if (rc != GNUTLS_E_AGAIN) failed(2, rc, "gnutls_handshake");
    return rc == 0 || peer.moved;
  }
  bool progress = false;
  if (sent < TOTAL_BYTES) {
    size_t n = TOTAL_BYTES - sent < CHUNK ? TOTAL_BYTES - sent : CHUNK;
    if (!peer_pending) fill_stream(out, n, sent);
    ssize_t rc = gnutls_record_send(peer.s, out, n); /* a retry offers the same data */
    if (rc > 0) sent += (size_t)rc, progress = true;
    else if (rc != GNUTLS_E_AGAIN) failed(2, (int)rc, "gnutls_record_send");
    peer_pending = rc == GNUTLS_E_AGAIN;
  }
  unsigned char sink[RECV_BUFFER];
  ssize_t rc = gnutls_record_recv(peer.s, sink, sizeof sink);
  if (rc == GNUTLS_E_REHANDSHAKE) {
    printf("peer: gnutls_record_recv -> GNUTLS_E_REHANDSHAKE (a ClientHello arrived); it calls"
           " gnutls_handshake\n");
    peer_in_handshake = progress = true;
  } else if (rc < 0 && rc != GNUTLS_E_AGAIN) failed(2, (int)rc, "gnutls_record_recv");
  return progress;
}

int main(void) {
  CHECK(gnutls_global_init());
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();
  gnutls_handshake_set_hook_function(subject.s, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_POST,
                                     count_hello);
  printf("case %s: the peer streams %d bytes; the subject renegotiates at once\n", CASE_ID,
         TOTAL_BYTES);
  /* The peer's first send is on its way before the subject's renegotiation starts. */
  peer_round();
  int idle = 0;
  for (int round = 0; round < MAX_ROUNDS && idle < IDLE_ROUNDS && fatal == 0; round++) {
    bool progress = subject_round();
    progress = peer_round() || progress;
    if (subject_done && !peer_in_handshake) break;
    idle = progress ? 0 : idle + 1;
  }
  printf("the subject sent %d ClientHello; it read %zu bytes%s\n", hellos, received,
         mismatch == (size_t)-1 ? ", all as sent" : ", some of them wrong");
  if (fatal != 0 && got_app_data && fatal_side == 1) {
    printf("DEVIATION: outcome fail (%s): after gnutls_handshake returned"
           " GNUTLS_E_GOT_APPLICATION_DATA and the data was read, the next gnutls_handshake started"
           " the renegotiation over (%d ClientHello sent) and failed with %s: the server's reply"
           " answers the first ClientHello\n", rc_name(fatal), hellos, rc_name(fatal));
    return 1;
  }
  if (fatal != 0) {
    printf("DEVIATION: outcome fail: the renegotiation failed on the %s with %s (%d ClientHello"
           " sent)\n", fatal_side == 1 ? "subject" : "peer", rc_name(fatal), hellos);
    return 1;
  }
  if (!subject_done || peer_in_handshake) {
    printf("no deviation of this kind: the renegotiation did not finish, but nothing failed\n");
    return 0;
  }
  printf("no deviation: the renegotiation completed with %d ClientHello%s\n", hellos,
         got_app_data ? " after GNUTLS_E_GOT_APPLICATION_DATA" : " (no application data interrupted it)");
  return 0;
}
