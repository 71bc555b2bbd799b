
/* ---- The application: a non-blocking DTLS 1.2 handshake, reading the direction ----
 *
 * Both sessions are DTLS (GNUTLS_DATAGRAM) with a 100 ms retransmission timeout, a 2 s
 * handshake timeout and a 4000-byte MTU, so that each flight is one datagram. Their
 * pull_timeout function only looks (poll with no wait) whether a datagram is there: a
 * non-blocking application must not wait inside GnuTLS. The two handshakes are called in
 * turn, the subject first. After each E_AGAIN of the subject the program asks
 * gnutls_record_get_direction() and compares it with the transport operation that last
 * found nothing to do in that call: a read (pull EAGAIN, or pull_timeout finding no
 * datagram) means the call waits to read, direction 0; a refused write means 1. */
#include <gnutls/dtls.h>

static int last_wait = -1; /* 0: the last blocked operation read, 1: it wrote, -1: none */

static ssize_t tracked_push(gnutls_transport_ptr_t p, const void *data, size_t size) {
  struct end *e = p;
  bool before = e->blocked;
  e->blocked = false;
  ssize_t n = end_push(p, data, size);
  if (e->blocked && e == &subject) last_wait = 1;
  e->blocked = e->blocked || before;
  return n;
}
static ssize_t tracked_pull(gnutls_transport_ptr_t p, void *data, size_t size) {
  struct end *e = p;
  bool before = e->blocked;
  e->blocked = false;
  ssize_t n = end_pull(p, data, size);
  if (e->blocked && e == &subject) last_wait = 0;
  e->blocked = e->blocked || before;
  return n;
}
/* GnuTLS hands over a whole flight as several records at once: one datagram. */
static ssize_t tracked_vec_push(gnutls_transport_ptr_t p, const giovec_t *iov, int count) {
  static unsigned char datagram[65536];
  size_t size = 0;
  for (int i = 0; i < count && size + iov[i].iov_len <= sizeof datagram; i++) {
    memcpy(datagram + size, iov[i].iov_base, iov[i].iov_len);
    size += iov[i].iov_len;
  }
  return tracked_push(p, datagram, size);
}
/* GnuTLS asks whether a datagram can be read within `ms`; a non-blocking program answers
 * at once. Nothing there is a blocked read. */
static int look_for_datagram(gnutls_transport_ptr_t p, unsigned int ms) {
  struct end *e = p;
  struct pollfd pfd = {e->fd, POLLIN, 0};
  (void)ms;
  int rc = poll(&pfd, 1, 0);
  if (rc == 0 && e == &subject) last_wait = 0;
  if (rc == 0) e->blocked = true;
  return rc;
}

static void make_dtls(struct end *e) {
  gnutls_dtls_set_timeouts(e->s, 100, 2000);
  gnutls_dtls_set_mtu(e->s, 4000);
  gnutls_transport_set_push_function(e->s, tracked_push);
  gnutls_transport_set_vec_push_function(e->s, tracked_vec_push);
  gnutls_transport_set_pull_function(e->s, tracked_pull);
  gnutls_transport_set_pull_timeout_function(e->s, look_for_datagram);
}

int main(void) {
  open_pair(SUBJECT_FLAGS | GNUTLS_DATAGRAM, GNUTLS_DATAGRAM);
  make_dtls(&subject);
  make_dtls(&peer);

  int a = GNUTLS_E_AGAIN, b = GNUTLS_E_AGAIN;
  for (int turn = 0; turn < 50 && (a != 0 || b != 0); turn++) {
    if (a != 0) {
      last_wait = -1;
      clear_blocked(&subject);
      unsigned pushes = subject.pushes, pulls = subject.pulls;
      a = gnutls_handshake(subject.s);
      int dir = gnutls_record_get_direction(subject.s);
      printf("subject: gnutls_handshake -> %s, direction %d (%u pushes, %u pulls; %s)\n",
             rc_name(a), a == GNUTLS_E_AGAIN ? dir : -1, subject.pushes - pushes,
             subject.pulls - pulls,
             last_wait == 0 ? "no datagram to read at its end"
                            : last_wait == 1 ? "a write was refused" : "nothing blocked");
      if (a == GNUTLS_E_AGAIN && last_wait == 0 && dir == 1) {
        printf("DEVIATION: gnutls_handshake returned GNUTLS_E_AGAIN with direction 1 (write), "
               "but what it waits for is a datagram to read (its last look for one found none; "
               "no write was refused): a loop that polls for writable spins until the peer "
               "answers\n");
        return 1;
      }
    }
    if (b != 0) b = gnutls_handshake(peer.s);
    if ((a < 0 && gnutls_error_is_fatal(a)) || (b < 0 && gnutls_error_is_fatal(b))) break;
  }
  if (a != 0 || b != 0) {
    fprintf(stderr, "setup failed: handshake: subject %s, peer %s\n", rc_name(a), rc_name(b));
    return 2;
  }
  printf("no deviation: every E_AGAIN of the subject's handshake named the direction it "
         "waited for\n");
  return 0;
}
