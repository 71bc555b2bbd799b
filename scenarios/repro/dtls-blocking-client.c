
/* ---- The application: a DTLS 1.2 client without GNUTLS_NONBLOCK on a non-blocking socket ----
 *
 * Both ends run in one thread, as on one event loop. The peer (the server) is a non-blocking
 * DTLS session. The subject (the client) is created again without GNUTLS_NONBLOCK; its socket
 * is still non-blocking, and its pull_timeout function waits (poll) as long as GnuTLS asks,
 * as a blocking application's would. Both have a 100 ms retransmission timeout, a 2 s
 * handshake timeout and a 4000-byte MTU (each flight one datagram). The subject's first
 * gnutls_handshake sends its ClientHello and waits for the answer inside the call, so the
 * peer never gets a turn to answer: the call retransmits until its handshake timeout. */
#include <gnutls/dtls.h>
#include <time.h>

static unsigned waits_ms; /* what the subject's pull_timeout waited, in total */

/* GnuTLS hands over a whole flight as several records at once: one datagram. */
static ssize_t vec_push(gnutls_transport_ptr_t p, const giovec_t *iov, int count) {
  static unsigned char datagram[65536];
  size_t size = 0;
  for (int i = 0; i < count && size + iov[i].iov_len <= sizeof datagram; i++) {
    memcpy(datagram + size, iov[i].iov_base, iov[i].iov_len);
    size += iov[i].iov_len;
  }
  return end_push(p, datagram, size);
}
/* Waits up to `ms` for a datagram, as GnuTLS asks (a non-blocking session asks for 0). */
static int wait_for_datagram(gnutls_transport_ptr_t p, unsigned int ms) {
  struct end *e = p;
  struct pollfd pfd = {e->fd, POLLIN, 0};
  if (ms > 1000) ms = 1000; /* bounded: the handshake timeout ends it anyway */
  int rc = poll(&pfd, 1, (int)ms);
  if (rc == 0 && e == &subject) waits_ms += ms;
  return rc;
}

static void make_dtls(struct end *e) {
  gnutls_dtls_set_timeouts(e->s, 100, 2000);
  gnutls_dtls_set_mtu(e->s, 4000);
  gnutls_transport_set_vec_push_function(e->s, vec_push);
  gnutls_transport_set_pull_timeout_function(e->s, wait_for_datagram);
}

int main(void) {
  open_pair(SUBJECT_FLAGS | GNUTLS_DATAGRAM, GNUTLS_DATAGRAM);
  /* The subject again, with the same credentials but without GNUTLS_NONBLOCK. */
  void *cred;
  CHECK(gnutls_credentials_get(subject.s, GNUTLS_CRD_CERTIFICATE, &cred));
  gnutls_deinit(subject.s);
  CHECK(gnutls_init(&subject.s, GNUTLS_CLIENT | GNUTLS_DATAGRAM | SUBJECT_FLAGS));
  CHECK(gnutls_priority_set_direct(subject.s, PRIORITY, NULL));
  CHECK(gnutls_credentials_set(subject.s, GNUTLS_CRD_CERTIFICATE, cred));
  gnutls_transport_set_ptr(subject.s, &subject);
  gnutls_transport_set_push_function(subject.s, end_push);
  gnutls_transport_set_pull_function(subject.s, end_pull);
  make_dtls(&subject);
  make_dtls(&peer);

  /* The event loop: each side's handshake in turn, the subject first (bounded). */
  int a = GNUTLS_E_AGAIN, b = GNUTLS_E_AGAIN;
  for (int turn = 0; turn < 50 && (a != 0 || b != 0); turn++) {
    if (a != 0) {
      struct timespec t0, t1;
      clock_gettime(CLOCK_MONOTONIC, &t0);
      a = gnutls_handshake(subject.s);
      clock_gettime(CLOCK_MONOTONIC, &t1);
      long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
      printf("subject: gnutls_handshake -> %s after %ld ms (%u pushes, waited %u ms for an "
             "answer inside the call)\n", rc_name(a), ms, subject.pushes, waits_ms);
      if (a == GNUTLS_E_TIMEDOUT) {
        printf("DEVIATION: the subject's first gnutls_handshake never returned to the event "
               "loop: it sent its ClientHello %u times, waited inside the call, and failed "
               "with GNUTLS_E_TIMEDOUT; the peer (same loop) never got to answer\n",
               subject.pushes);
        return 1;
      }
      if (a < 0 && gnutls_error_is_fatal(a)) break;
    }
    if (b != 0) b = gnutls_handshake(peer.s);
    if (b < 0 && gnutls_error_is_fatal(b)) break;
  }
  if (a != 0 || b != 0) {
    printf("no deviation: the handshake ended with subject %s, ", rc_name(a));
    printf("peer %s (not the timeout)\n", rc_name(b));
    return 0;
  }
  printf("no deviation: both handshakes completed on the one event loop\n");
  return 0;
}
