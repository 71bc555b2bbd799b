
/* ---- A checked data stream (nothing of the deviation happens here) ----
 *   may_call(dir)            for a loop that waits (LOOP_WAITS): true once the subject's socket
 *                            is ready for the direction a call reported (-1: none); polled with
 *                            timeout 0, nothing is waited out. An oblivious loop always calls.
 *   stream_take(data, n)     the receiver's next n bytes: kept in stream_got[], counted in
 *                            stream_received, the first wrong offset noted in stream_mismatch
 *   subject_take(total, &dir) the subject's gnutls_record_recv of the next bytes of a stream of
 *                            `total` (stream_take); dir: the direction of an E_AGAIN, else -1
 *   report_repeat(...)       the DEVIATION line when wrong data arrived: how many bytes from
 *                            the first wrong one on are the `chunk` bytes sent before them
 *   peer_sends_all(n)        setup: the peer sends n (<= 16384) bytes of the stream and the
 *                            subject reads them all (each called in turn, bounded)
 *   run_peer_stream(...)     the rounds and the verdict of a stream the peer sends (below)
 *   peer_send_next(total)    the peer streams `total` bytes in 16 KiB gnutls_record_send calls
 *                            and retries a send that returned GNUTLS_E_AGAIN with the same data */
static inline bool may_call(int dir) {
  return !LOOP_WAITS || dir < 0 || socket_ready(&subject, dir);
}

static unsigned char stream_got[1 << 20];
static size_t stream_received, stream_mismatch = (size_t)-1;
static inline void stream_take(const unsigned char *data, size_t n) {
  if (n > sizeof stream_got - stream_received) n = sizeof stream_got - stream_received;
  memcpy(stream_got + stream_received, data, n);
  for (size_t i = 0; i < n && stream_mismatch == (size_t)-1; i++)
    if (data[i] != stream_byte(stream_received + i)) stream_mismatch = stream_received + i;
  stream_received += n;
}

static inline ssize_t subject_take(size_t total, int *dir) {
  static unsigned char in[RECV_BUFFER];
  ssize_t rc = gnutls_record_recv(subject.s, in, sizeof in);
  *dir = rc == GNUTLS_E_AGAIN ? gnutls_record_get_direction(subject.s) : -1;
  if (rc > 0) stream_take(in, (size_t)rc < total - stream_received ? (size_t)rc : total - stream_received);
  return rc;
}

static inline bool report_repeat(const char *receiver, size_t chunk, const char *how) {
  size_t at = stream_mismatch, again = 0;
  if (at == (size_t)-1) return false;
  while (at >= chunk && at + again < stream_received && again < chunk &&
         stream_got[at + again] == stream_byte(at + again - chunk))
    again++;
  printf("DEVIATION: R1 (on the wire W1): the %s received wrong data from offset %zu on; %zu of the"
         " bytes there are the %zu bytes of offset %zu again: %s\n", receiver, at, again, chunk,
         at - chunk, how);
  return true;
}

/* Prints each send's first E_AGAIN and its end; with `quiet`, only while *quiet counts down. */
static size_t peer_sent;
static bool peer_pending;
static inline ssize_t peer_send_next(size_t total, int *quiet) {
  static unsigned char out[16384];
  size_t n = total - peer_sent < sizeof out ? total - peer_sent : sizeof out;
  if (!peer_pending) fill_stream(out, n, peer_sent);
  ssize_t rc = gnutls_record_send(peer.s, out, n); /* a retry offers the same data */
  if ((rc != GNUTLS_E_AGAIN || !peer_pending) && (!quiet || (*quiet)-- > 0))
    printf("peer: gnutls_record_send(data) at offset %zu -> %s\n", peer_sent, rc_name(rc));
  if (rc > 0) peer_sent += (size_t)rc;
  peer_pending = rc == GNUTLS_E_AGAIN;
  return rc;
}

static inline void peer_sends_all(size_t size) {
  static unsigned char data[16384], buf[16384];
  fill_stream(data, size, 0);
  ssize_t sent = gnutls_record_send(peer.s, data, size);
  size_t got = 0;
  for (int i = 0; i < 100 && (sent < 0 || got < size); i++) {
    if (sent == GNUTLS_E_AGAIN) sent = gnutls_record_send(peer.s, NULL, 0); /* documented retry */
    ssize_t n = gnutls_record_recv(subject.s, buf, sizeof buf);
    if (n > 0) got += (size_t)n;
    else if (n != GNUTLS_E_AGAIN) setup_failed("subject receiving the peer's data", (int)n);
  }
  if (sent != (ssize_t)size || got != size) setup_failed("the peer's transfer", 0);
  printf("subject: received the peer's %zu bytes\n", size);
}

/* The peer streams `total` bytes to the subject: rounds of the subject's turn, then the peer's
 * (each returns whether it made progress), until all is sent and read, *fatal is set, or 16
 * rounds in a row make no progress (at most 2000 rounds). Then the verdict: wrong data (R1,
 * `how` it came about) and a transfer that cannot finish (outcome stalled), else `fine`.
 * Returns the exit status. */
static inline int run_peer_stream(size_t total, bool (*subject_turn)(void), bool (*peer_turn)(void),
                                  const ssize_t *fatal, const char *how, const char *fine) {
  int idle = 0;
  for (int round = 0; round < 2000 && idle < 16 && *fatal == 0; round++) {
    bool progress = subject_turn();
    progress = peer_turn() || progress;
    if (peer_sent >= total && stream_received >= total) break;
    idle = progress ? 0 : idle + 1;
  }
  printf("peer reported %zu bytes sent; the subject read %zu\n", peer_sent, stream_received);
  if (*fatal != 0) {
    printf("no deviation of this kind: the run failed with %s\n", rc_name(*fatal));
    return 0;
  }
  bool duplicated = report_repeat("subject", 16384, how);
  bool stuck = peer_sent < total || stream_received < total;
  if (stuck)
    printf("DEVIATION: the transfer cannot finish (outcome stalled%s): the subject has read the %zu"
           " bytes it expects and stops reading, the peer still has %zu bytes to send\n",
           LOOP_WAITS ? "; L1: the loop never completes" : "", total, total - peer_sent);
  if (duplicated || stuck) return 1;
  printf("no deviation: %s\n", fine);
  return 0;
}
