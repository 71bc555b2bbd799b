
/* ---- The application: a non-blocking DTLS 1.2 handshake, reading the direction ----
 *
 * Both sessions are non-blocking DTLS, set up as described above. The two handshakes are
 * called in turn, the subject first. After each E_AGAIN of the subject the program asks
 * gnutls_record_get_direction() and compares it with the transport operation that last
 * found nothing to do in that call: a read (pull EAGAIN, or pull_timeout finding no
 * datagram) means the call waits to read, direction 0; a refused write means 1. */
static int last_wait = -1; /* 0: the last blocked operation read, 1: it wrote, -1: none */

/* Called by the kit after each transport operation: a failed push or pull, or a look for a
 * datagram that found none, would have blocked. */
static void note_wait(struct end *e, int op, size_t asked, ssize_t got) {
  (void)asked;
  if (e == &subject && got < 0) last_wait = op == OP_PUSH ? 1 : 0;
}

int main(void) {
  watch_io = note_wait;
  open_dtls_pair(SUBJECT_FLAGS, 0);

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
