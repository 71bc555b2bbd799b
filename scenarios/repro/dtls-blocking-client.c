
/* ---- The application: a DTLS 1.2 client without GNUTLS_NONBLOCK on a non-blocking socket ----
 *
 * Both ends run in one thread, as on one event loop. The peer (the server) is a non-blocking
 * DTLS session. The subject (the client) is made without GNUTLS_NONBLOCK (SUBJECT_NONBLOCK 0);
 * its socket is still non-blocking, and its pull_timeout function waits (poll) as GnuTLS asks,
 * as a blocking application's would. The subject's first gnutls_handshake sends its
 * ClientHello and waits for the answer inside the call, so the peer never gets a turn to
 * answer: the call retransmits until its handshake timeout. */
#include <time.h>

int main(void) {
  open_dtls_pair(SUBJECT_FLAGS, 0);

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
             "answer inside the call)\n", rc_name(a), ms, subject.pushes, subject_waited_ms);
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
