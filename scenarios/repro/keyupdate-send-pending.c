
/* ---- The reproducer: a KeyUpdate request arrives while the subject's send is pending ----
 *
 * The subject streams TOTAL_BYTES to the peer in SEND_CHUNK-sized gnutls_record_send calls
 * and calls gnutls_record_recv each round (to take in whatever the peer sends). The peer reads
 * PEER_FIRST bytes, asks for a KeyUpdate (gnutls_session_key_update(GNUTLS_KU_PEER)), then reads
 * until it has TOTAL_BYTES. Both sockets are small, so the subject's send returns
 * GNUTLS_E_AGAIN with part of its record still pending while the request comes in.
 * The manual says that after GNUTLS_E_AGAIN the application repeats the call with the same
 * data (or with NULL, 0) and the call then completes that one pending send. */
#define TOTAL_BYTES (64 * 1024)
#define PEER_FIRST (16 * 1024)
#define MAX_ROUNDS 1000
#define IDLE_ROUNDS 16 /* rounds without any progress before the run counts as stuck */

static unsigned char out[SEND_CHUNK], in[RECV_BUFFER];
static size_t sent;                                  /* sent by the subject */
static ssize_t send_error;                           /* a fatal error of the subject's send */
static bool pending;                                 /* the subject's send returned E_AGAIN */
static int send_dir = -1, recv_dir = -1;             /* direction reported with E_AGAIN */

static bool subject_round(void) {
  bool progress = false;
  if (sent < TOTAL_BYTES && send_error == 0 && may_call(send_dir)) {
    size_t n = TOTAL_BYTES - sent < SEND_CHUNK ? TOTAL_BYTES - sent : SEND_CHUNK;
    if (!pending) fill_stream(out, n, sent);
    bool null_retry = pending && RETRY_NULL;
    ssize_t rc = null_retry ? gnutls_record_send(subject.s, NULL, 0) : gnutls_record_send(subject.s, out, n);
    if (rc != GNUTLS_E_AGAIN || !pending) /* each send's first E_AGAIN and its end */
      printf("subject: gnutls_record_send(%s) at offset %zu -> %s\n", null_retry ? "NULL, 0" : "data",
             sent, rc_name(rc));
    if (rc > 0) sent += (size_t)rc, progress = true;
    else if (rc != GNUTLS_E_AGAIN) send_error = rc;
    pending = rc == GNUTLS_E_AGAIN;
    send_dir = pending ? gnutls_record_get_direction(subject.s) : -1;
  }
  if (may_call(recv_dir)) {
    clear_blocked(&subject);
    ssize_t rc = gnutls_record_recv(subject.s, in, sizeof in);
    if (subject.moved) printf("subject: gnutls_record_recv took in the peer's KeyUpdate -> %s\n", rc_name(rc));
    progress = progress || subject.moved;
    recv_dir = rc == GNUTLS_E_AGAIN ? gnutls_record_get_direction(subject.s) : -1;
  }
  return progress;
}

static bool key_update_sent;
static bool peer_round(void) {
  if (stream_received >= PEER_FIRST && !key_update_sent) {
    int rc = gnutls_session_key_update(peer.s, GNUTLS_KU_PEER);
    printf("peer: gnutls_session_key_update(GNUTLS_KU_PEER) after %zu bytes -> %s\n", stream_received, rc_name(rc));
    key_update_sent = rc == 0;
    return rc == 0;
  }
  if (stream_received >= TOTAL_BYTES) return false;
  size_t want = TOTAL_BYTES - stream_received < sizeof in ? TOTAL_BYTES - stream_received : sizeof in;
  ssize_t rc = gnutls_record_recv(peer.s, in, want);
  if (rc <= 0) return false;
  stream_take(in, (size_t)rc);
  return true;
}

int main(void) {
  CHECK(gnutls_global_init());
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();
  printf("case %s: the subject sends %d bytes, the peer requests a KeyUpdate after %d\n", CASE_ID,
         TOTAL_BYTES, PEER_FIRST);
  int idle = 0;
  for (int round = 0; round < MAX_ROUNDS && idle < IDLE_ROUNDS; round++) {
    bool progress = subject_round();
    progress = peer_round() || progress;
    if (sent >= TOTAL_BYTES && stream_received >= TOTAL_BYTES) break;
    if (send_error != 0) break;
    idle = progress ? 0 : idle + 1;
  }
  printf("subject reported %zu bytes sent; the peer read %zu\n", sent, stream_received);

  if (send_error != 0) {
    printf("DEVIATION: the retried gnutls_record_send(%s) failed with %s (outcome fail)\n",
           RETRY_NULL ? "NULL, 0" : "same data", rc_name(send_error));
    return 1;
  }
  /* Are the wrong bytes those of the send that was pending, a second time? */
  bool duplicated = report_repeat("peer", SEND_CHUNK, "the pending send was delivered and the retry"
                                  " sent the same data a second time");
  bool stuck = sent < TOTAL_BYTES;
  if (stuck) {
    struct pollfd p = {.fd = subject.fd, .events = POLLOUT};
    printf("DEVIATION: the transfer cannot finish (outcome stalled%s): the peer has read all %d bytes"
           " it expects and stops reading, the subject still has %zu bytes to send and its socket is"
           " %swritable\n", LOOP_WAITS ? "; L1: the loop waits for writable forever" : "", TOTAL_BYTES,
           TOTAL_BYTES - sent, poll(&p, 1, 0) > 0 ? "" : "not ");
  }
  if (duplicated || stuck) return 1;
  printf("no deviation: every byte arrived once and in order\n");
  return 0;
}
