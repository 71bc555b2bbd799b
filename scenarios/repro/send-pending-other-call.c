/* ---- What the application does ----
 *
 * The subject sends TOTAL bytes of a known stream in SEND_CHUNK pieces (or, when CORKED, corks,
 * queues them all and calls gnutls_record_uncork). The first time that call returns
 * GNUTLS_E_AGAIN, the application makes one other call on the session (OTHER_NAME), then
 * retries the interrupted call as the manual says: gnutls_record_send with the same buffer
 * (or NULL, 0 when RETRY_NULL), or gnutls_record_uncork again. Every call that returns E_AGAIN
 * is retried; each side takes one turn at a time, the peer reading and checking the stream.
 * The contract: E_AGAIN leaves the send pending, the retry completes it, every byte arrives
 * exactly once, and a record the other call reports sent reaches the peer. */
#include <dlfcn.h>
#ifndef RTLD_DEFAULT
#define RTLD_DEFAULT ((void *)0) /* glibc's value; dlfcn.h shows it only with _GNU_SOURCE */
#endif

#ifndef CORKED
#define CORKED 0
#endif
#ifndef HEARTBEAT           /* 1: both ends allow heartbeat (the other call pings) */
#define HEARTBEAT 0
#endif
#ifndef PEER_SEES           /* 1: the other call's record is one the peer's recv reports */
#define PEER_SEES 0
#endif
#define NO_BAD UINT64_MAX

static unsigned char chunk[SEND_CHUNK], other_data[16384];
static bool other_is_data;               /* the other call sends new bytes of the stream: */
static uint64_t other_offered, other_credit;   /* how many, and how many it reported sent */
static uint64_t peer_got, first_bad = NO_BAD;
static int peer_saw, peer_bad_byte;

/* The other calls that send data offer the stream's next bytes, after the pending send's. */
static inline ssize_t send_other(size_t size, uint64_t offset) {
  fill_stream(other_data, size, offset);
  other_is_data = true, other_offered = size;
  return gnutls_record_send(subject.s, other_data, size);
}
static inline ssize_t send_file_other(size_t size, uint64_t offset) {
  typedef ssize_t (*send_file_fn)(gnutls_session_t, int, off_t *, size_t);
  static off_t file_offset;
  static int fd = -1;
  send_file_fn send_file = (send_file_fn)dlsym(RTLD_DEFAULT, "gnutls_record_send_file");
  if (!send_file) {
    printf("this GnuTLS (%s) has no gnutls_record_send_file (added in 3.7.2)\n", gnutls_check_version(NULL));
    exit(77);
  }
  if (fd < 0) {   /* a temporary file holding the bytes to send */
    FILE *file = tmpfile();
    fill_stream(other_data, size, offset);
    if (!file || fwrite(other_data, 1, size, file) != size || fflush(file) != 0 ||
        lseek(fileno(file), 0, SEEK_SET) != 0)
      setup_failed("tmpfile", 0);
    fd = fileno(file);
  }
  other_is_data = true, other_offered = size;
  return send_file(subject.s, fd, &file_offset, size - (size_t)file_offset);
}

/* gnutls_rehandshake, then (once it returned 0) the handshake that completes the
 * renegotiation, retried like any call that returns E_AGAIN. */
static inline int rehandshake_then_handshake(void) {
  static bool asked;
  if (!asked) {
    int rc = gnutls_rehandshake(subject.s);
    if (rc != 0) return rc;
    asked = true;
  }
  return gnutls_handshake(subject.s);
}

/* After E_AGAIN the trusting loop waits for the direction GnuTLS reported; the oblivious
 * loop calls again at once. */
static bool ready(struct end *e, bool waiting) {
  struct pollfd p = {e->fd, gnutls_record_get_direction(e->s) ? POLLOUT : POLLIN, 0};
  return !LOOP_WAITS || !waiting || poll(&p, 1, 0) > 0;
}

/* The peer's turn: one recv, the bytes checked against the stream; a ping, a renegotiation
 * and a certificate request are answered. */
static void peer_turn(uint64_t expect) {
  unsigned char in[RECV_BUFFER];
  static int answering; /* a renegotiation or certificate request the peer is answering */
  if (answering) {
    int rc = answering == GNUTLS_E_REHANDSHAKE ? gnutls_handshake(peer.s) : gnutls_reauth(peer.s, 0);
    if (rc != GNUTLS_E_AGAIN) answering = 0;
    return;
  }
  if (peer_got >= expect) return;
  ssize_t n = gnutls_record_recv(peer.s, in, sizeof in);
  if (n == GNUTLS_E_REHANDSHAKE || n == GNUTLS_E_REAUTH_REQUEST) answering = (int)n;
  for (ssize_t i = 0; i < n; i++)
    if (first_bad == NO_BAD && in[i] != stream_byte(peer_got + i))
      first_bad = peer_got + i, peer_bad_byte = in[i];
  if (n > 0) peer_got += n;
  if (n == GNUTLS_E_WARNING_ALERT_RECEIVED || n == GNUTLS_E_FATAL_ALERT_RECEIVED ||
      n == GNUTLS_E_HEARTBEAT_PING_RECEIVED) {
    printf("peer: gnutls_record_recv -> %s (the other call's record arrived)\n", rc_name(n));
    peer_saw = 1;
  }
  if (n == GNUTLS_E_HEARTBEAT_PING_RECEIVED) gnutls_heartbeat_pong(peer.s, 0);
}

int main(void) {
  open_pair(SUBJECT_FLAGS, 0);
  if (HEARTBEAT) {
    gnutls_heartbeat_enable(subject.s, GNUTLS_HB_PEER_ALLOWED_TO_SEND);
    gnutls_heartbeat_enable(peer.s, GNUTLS_HB_PEER_ALLOWED_TO_SEND);
  }
  handshake_both();
  if (HEARTBEAT && !gnutls_heartbeat_allowed(subject.s, GNUTLS_HB_LOCAL_ALLOWED_TO_SEND)) {
    printf("heartbeat was not negotiated: this GnuTLS (%s) is built without it\n", gnutls_check_version(NULL));
    return 77;
  }
  uint64_t off = 0, next = 0;   /* the pending piece starts at `off`; new data goes at `next` */
  size_t len = 0;
  bool pending = false, other_due = false, other_made = false, retried = false, done = false;
  bool waiting = false;          /* the subject's last call returned E_AGAIN */
  ssize_t failed = 0, over = 0;
  if (CORKED) {                 /* queue everything, then one uncork sends it */
    gnutls_record_cork(subject.s);
    for (next = 0; next < TOTAL; next += SEND_CHUNK) {
      fill_stream(chunk, SEND_CHUNK, next);
      CHECK(gnutls_record_send(subject.s, chunk, SEND_CHUNK));
    }
    printf("subject: corked %d bytes\n", TOTAL);
  }
  int idle = 0;
  for (int tick = 0; tick < 2000 && idle < 16; tick++) {
    clear_blocked(&subject);
    clear_blocked(&peer);
    uint64_t got = peer_got;
    if (!done && ready(&subject, waiting)) {
      ssize_t rc;
      if (other_due) {            /* the other call, made while the send is pending */
        rc = OTHER_CALL;
        waiting = rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED;
        printf("subject: %s -> %s\n", OTHER_NAME, rc_name(rc));
        if (rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED) {
          other_due = false;
          if (rc > 0 && other_is_data) {
            other_credit = (uint64_t)rc < other_offered ? (uint64_t)rc : other_offered;
            if ((uint64_t)rc > other_offered) over = rc;
          }
        }
      } else {
        if (!pending && !CORKED) {   /* a new piece of the stream */
          off = next, len = TOTAL - off < SEND_CHUNK ? TOTAL - off : SEND_CHUNK;
          next = off + len;
          fill_stream(chunk, len, off);
        }
        bool null_retry = pending && RETRY_NULL && !CORKED;
        rc = CORKED ? gnutls_record_uncork(subject.s, 0)
                    : gnutls_record_send(subject.s, null_retry ? NULL : chunk, null_retry ? 0 : len);
        bool again = rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED;
        bool answer = other_made && pending && !again && !retried;   /* the retry's result */
        if ((!other_made && again) || answer) {
          printf("subject: %s%s -> %s, direction %d\n", other_made ? "retried " : "",
                 CORKED ? "gnutls_record_uncork(0)" : null_retry ? "gnutls_record_send(NULL, 0)"
                                                               : "gnutls_record_send(chunk)",
                 rc_name(rc), gnutls_record_get_direction(subject.s));
        }
        retried = retried || answer;
        waiting = again;
        if (again) {
          pending = true;
          if (!other_made) other_due = other_made = true;
        } else if (rc < 0) {
          failed = rc, done = true;
        } else {
          if (!CORKED && (size_t)rc > len) over = rc;
          if (pending && other_made) next += other_credit, other_credit = 0;
          pending = false;
          done = CORKED || next >= TOTAL;
        }
      }
    }
    peer_turn(TOTAL + other_offered);
    idle = subject.moved || peer.moved || peer_got != got ? 0 : idle + 1;
  }

  uint64_t expect = TOTAL + other_offered;
  bool bad = first_bad != NO_BAD, lost = PEER_SEES && other_made && !peer_saw;
  bool stuck = !failed && (!done || peer_got < expect);
  if (!other_made) {
    printf("no deviation: no call returned E_AGAIN, so %s was never made while a send was pending\n", OTHER_NAME);
    return 0;
  }
  printf("peer: received %llu of the %llu bytes the application sends\n",
         (unsigned long long)peer_got, (unsigned long long)expect);
  if (!bad && !failed && !over && !lost && !stuck) {
    printf("no deviation: the retried call completed and the peer received every byte once%s\n",
           PEER_SEES ? ", and the other call's record" : "");
    return 0;
  }
  printf("DEVIATION: %s made while the send was pending flushed the pending record", OTHER_NAME);
  if (bad)
    printf("; the retry then sent it again: the peer's byte at offset %llu is %d, expected %d",
           (unsigned long long)first_bad, peer_bad_byte, stream_byte(first_bad));
  if (over) printf("; a send returned %zd, more than it was offered", over);
  if (failed) printf("; the retry failed with %s", rc_name(failed));
  if (lost) printf("; its own record, reported sent, never reached the peer");
  if (stuck)
    printf("; the transfer cannot finish (the subject %s, the peer has %llu of %llu bytes)",
           done ? "is done" : "still has data to send", (unsigned long long)peer_got,
           (unsigned long long)expect);
  printf("\n");
  return 1;
}
