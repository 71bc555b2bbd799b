/* ---- What the application does ----
 *
 * Both ends allow heartbeat. The subject sends TOTAL bytes of a known stream in SEND_CHUNK
 * pieces and reads at the same time (a full-duplex application). Its first send returns
 * GNUTLS_E_AGAIN; the peer then sends a heartbeat ping. The subject's recv reports
 * GNUTLS_E_HEARTBEAT_PING_RECEIVED and, as the manual asks, the subject answers with
 * gnutls_heartbeat_pong (retried after E_AGAIN), then retries its pending send as documented
 * (the same buffer, or NULL, 0 when RETRY_NULL). The peer reads and checks the stream and
 * waits for its pong. The contract: the pong reaches the peer, the retried send completes,
 * and every byte arrives exactly once. */

#define NO_BAD UINT64_MAX

static unsigned char chunk[SEND_CHUNK];
static uint64_t peer_got, first_bad = NO_BAD;
static int peer_bad_byte;
static bool pinged, ponged;

/* After E_AGAIN the trusting loop waits for the direction GnuTLS reported; the oblivious
 * loop calls again at once. */
static bool ready(struct end *e, bool waiting, int direction) {
  struct pollfd p = {e->fd, direction ? POLLOUT : POLLIN, 0};
  return !LOOP_WAITS || !waiting || poll(&p, 1, 0) > 0;
}

/* The peer's turn: a ping once the subject's send is pending, then one recv, the bytes
 * checked against the stream. */
static void peer_turn(bool subject_pending) {
  unsigned char in[RECV_BUFFER];
  if (!pinged && subject_pending) {
    int rc = gnutls_heartbeat_ping(peer.s, 64, 0, 0);
    printf("peer: gnutls_heartbeat_ping(64 bytes) -> %s\n", rc_name(rc));
    pinged = rc == 0;
    return;
  }
  if (peer_got >= TOTAL && ponged) return;
  ssize_t n = gnutls_record_recv(peer.s, in, sizeof in);
  for (ssize_t i = 0; i < n; i++)
    if (first_bad == NO_BAD && in[i] != stream_byte(peer_got + i))
      first_bad = peer_got + i, peer_bad_byte = in[i];
  if (n > 0) peer_got += n;
  if (n == GNUTLS_E_HEARTBEAT_PONG_RECEIVED) printf("peer: gnutls_record_recv -> %s\n", rc_name(n));
  ponged = ponged || n == GNUTLS_E_HEARTBEAT_PONG_RECEIVED;
}

int main(void) {
  open_pair(SUBJECT_FLAGS, 0);
  gnutls_heartbeat_enable(subject.s, GNUTLS_HB_PEER_ALLOWED_TO_SEND);
  gnutls_heartbeat_enable(peer.s, GNUTLS_HB_PEER_ALLOWED_TO_SEND);
  handshake_both();
  if (!gnutls_heartbeat_allowed(peer.s, GNUTLS_HB_LOCAL_ALLOWED_TO_SEND)) {
    printf("heartbeat was not negotiated: this GnuTLS (%s) is built without it\n", gnutls_check_version(NULL));
    return 77;
  }
  uint64_t off = 0;
  size_t len = 0;
  int direction = 0;   /* what the subject's last send or pong call reported */
  bool pending = false, waiting = false, pong_due = false, pong_made = false, done = false;
  ssize_t send_failed = 0, pong_failed = 0, pong_rc = 1;
  int idle = 0;
  for (int tick = 0; tick < 2000 && idle < 16 && !send_failed && !pong_failed; tick++) {
    clear_blocked(&subject);
    clear_blocked(&peer);
    uint64_t got = peer_got;
    if (pong_due && ready(&subject, waiting, direction)) {   /* answering the ping comes first */
      pong_rc = gnutls_heartbeat_pong(subject.s, 0);
      printf("subject: gnutls_heartbeat_pong -> %s\n", rc_name(pong_rc));
      waiting = pong_rc == GNUTLS_E_AGAIN || pong_rc == GNUTLS_E_INTERRUPTED;
      pong_due = waiting, direction = gnutls_record_get_direction(subject.s);
      if (pong_rc < 0 && !waiting) pong_failed = pong_rc;
    } else if (!pong_due) {
      if (!done && ready(&subject, waiting, direction)) {
        if (!pending) {
          len = TOTAL - off < SEND_CHUNK ? TOTAL - off : SEND_CHUNK;
          fill_stream(chunk, len, off);
        }
        bool null_retry = pending && RETRY_NULL;
        ssize_t rc = gnutls_record_send(subject.s, null_retry ? NULL : chunk, null_retry ? 0 : len);
        bool again = rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED;
        if ((!pending && again && off == 0) || (pong_made && pending && !again))
          printf("subject: %sgnutls_record_send(%s) -> %s\n", pending ? "retried " : "",
                 null_retry ? "NULL, 0" : "chunk", rc_name(rc));
        waiting = again, pending = again, direction = gnutls_record_get_direction(subject.s);
        if (rc < 0 && !again) send_failed = rc;
        if (rc >= 0) off += len, done = off >= TOTAL;
      }
      unsigned char in[RECV_BUFFER];   /* the duplex application also reads */
      ssize_t r = gnutls_record_recv(subject.s, in, sizeof in);
      if (r == GNUTLS_E_HEARTBEAT_PING_RECEIVED) {
        printf("subject: gnutls_record_recv -> %s\n", rc_name(r));
        pong_due = pong_made = true;
      }
    }
    peer_turn(pending);
    idle = subject.moved || peer.moved || peer_got != got ? 0 : idle + 1;
  }

  if (!pong_made) {
    printf("no deviation: the ping did not arrive while the send was pending\n");
    return 0;
  }
  printf("peer: received %llu bytes (%d expected), %s\n", (unsigned long long)peer_got, TOTAL,
         ponged ? "and the pong" : "and no pong");
  bool bad = first_bad != NO_BAD, lost = pong_rc == 0 && !ponged;
  bool stuck = !send_failed && !pong_failed && (!done || peer_got < TOTAL || !ponged);
  if (!bad && !send_failed && !pong_failed && !lost && !stuck) {
    printf("no deviation: the pong arrived, the retried send completed, every byte arrived once\n");
    return 0;
  }
  printf("DEVIATION: gnutls_heartbeat_pong while the send was pending");
  if (pong_failed) printf(" failed with %s when retried after E_AGAIN (the ping was forgotten)", rc_name(pong_failed));
  if (lost) printf(" returned 0, but the peer never received a pong");
  if (bad)
    printf("; it flushed the pending record, and the retried send sent it again: the peer's byte "
           "at offset %llu is %d, expected %d", (unsigned long long)first_bad, peer_bad_byte,
           stream_byte(first_bad));
  if (send_failed) printf("; the retried send failed with %s", rc_name(send_failed));
  if (stuck) printf("; the transfer cannot finish");
  printf("\n");
  return 1;
}
