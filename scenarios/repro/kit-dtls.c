
/* ---- DTLS: the setup both DTLS sessions share ----
 * Both sessions are DTLS 1.2 (GNUTLS_DATAGRAM) over the datagram socketpair, with a 100 ms
 * retransmission timeout, a 2 s handshake timeout and a 4000-byte MTU, so that each flight is
 * one datagram. GnuTLS asks their pull_timeout function whether a datagram arrives within
 * `ms`: a non-blocking session is answered at once (a look, no wait: an application on an
 * event loop must not wait inside GnuTLS); a session without GNUTLS_NONBLOCK waits as asked,
 * at most 400 ms per call. Finding nothing is a read that would block. */
#include <gnutls/dtls.h>

static unsigned subject_waited_ms; /* what the subject's pull_timeout waited in total */

static int end_pull_timeout(gnutls_transport_ptr_t p, unsigned int ms) {
  struct end *e = p;
  bool waits = e == &subject && !SUBJECT_NONBLOCK;
  unsigned wait = !waits ? 0 : ms < 400 ? ms : 400;
  struct pollfd pfd = {e->fd, POLLIN, 0};
  int rc = poll(&pfd, 1, (int)wait);
  if (rc == 0) {
    e->blocked = true;
    if (e == &subject) subject_waited_ms += wait;
  }
  noted_io(e, OP_POLL, 0, rc == 0 ? -1 : rc);
  return rc;
}

static void open_dtls_pair(unsigned subject_flags, unsigned peer_flags) {
  open_pair(subject_flags | GNUTLS_DATAGRAM, peer_flags | GNUTLS_DATAGRAM);
  struct end *ends[2] = {&subject, &peer};
  for (int i = 0; i < 2; i++) {
    gnutls_dtls_set_timeouts(ends[i]->s, 100, 2000);
    gnutls_dtls_set_mtu(ends[i]->s, 4000);
    gnutls_transport_set_pull_timeout_function(ends[i]->s, end_pull_timeout);
  }
}
