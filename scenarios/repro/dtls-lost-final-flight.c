
/* ---- The application: a DTLS 1.2 server whose final handshake flight is lost ----
 *
 * Both sessions are non-blocking DTLS, set up as described above. The fault plan loses the
 * subject's (the server's) second datagram: its final flight (ChangeCipherSpec, Finished).
 * The subject's handshake completes, and it then reads with gnutls_record_recv while the
 * peer (the client) keeps calling gnutls_handshake. When neither side can move, the
 * program sleeps for the peer's gnutls_dtls_get_timeout(), as a loop that polls with that
 * timeout would; the peer then retransmits its flight, which tells the subject to retransmit.
 * The peer finally sends 4 KiB, which the subject must receive intact.
 * After each E_AGAIN of gnutls_record_recv the program checks the contract: a receive that
 * returns E_AGAIN has found nothing to read (a pull blocked), and says direction 0 (read). */
#define DATA 4096

static char ops[256]; /* the subject's transport operations in the current call */
static int last_op;   /* the subject's last transport operation: 0 none, 'w' push, 'r' pull */

/* Called by the kit after each transport operation of either end. */
static void note(struct end *e, int op, size_t asked, ssize_t got) {
  (void)asked;
  if (e != &subject) return;
  last_op = op == OP_PUSH ? 'w' : 'r';
  size_t len = strlen(ops);
  if (len < sizeof ops - 40)
    snprintf(ops + len, sizeof ops - len, "%s%s %s", len ? "; " : "",
             op == OP_PUSH ? "push" : op == OP_PULL ? "pull" : "poll",
             got < 0 ? "EAGAIN" : rc_name(got));
}

int main(void) {
  watch_io = note;
  open_dtls_pair(SUBJECT_FLAGS, 0);

  /* The handshakes, in turn, until the subject's completes (its final flight is lost). */
  int a = GNUTLS_E_AGAIN, b = GNUTLS_E_AGAIN;
  for (int turn = 0; turn < 20 && a != 0; turn++) {
    a = gnutls_handshake(subject.s);
    if (a != 0) b = gnutls_handshake(peer.s);
    if (gnutls_error_is_fatal(a) || (b < 0 && gnutls_error_is_fatal(b))) break;
  }
  if (a != 0) setup_failed("the subject's handshake", a);
  printf("subject: gnutls_handshake -> 0 (its final flight was lost: %u pushes)\n",
         subject.pushes);

  static unsigned char stream[DATA], got[DATA + RECV_BUFFER];
  fill_stream(stream, DATA, 0);
  size_t received = 0, sent = 0;
  int quiet = 0;
  bool recv_wrote = false, dir1 = false, no_io = false, after_push = false, after_pull = false;
  for (int turn = 0, idle = 0, waits = 0; turn < 200 && received < DATA; turn++) {
    ops[0] = 0;
    last_op = 0;
    clear_blocked(&subject);
    clear_blocked(&peer);
    unsigned pushes = subject.pushes;
    ssize_t n = gnutls_record_recv(subject.s, got + received, RECV_BUFFER);
    if (n > 0) received += (size_t)n;
    if (n < 0 && n != GNUTLS_E_AGAIN) setup_failed("the subject's gnutls_record_recv", (int)n);
    bool plain_wait = n == GNUTLS_E_AGAIN && subject.blocked && !subject.moved;
    quiet += plain_wait; /* E_AGAIN after a read that found nothing: as it should be */
    if (!plain_wait) {
      int dir = gnutls_record_get_direction(subject.s);
      printf("subject: gnutls_record_recv(%d) -> %s, direction %d | %s\n", RECV_BUFFER,
             rc_name(n), dir, ops[0] ? ops : "no transport operation");
      recv_wrote = recv_wrote || subject.pushes > pushes;
      if (n == GNUTLS_E_AGAIN) {
        dir1 = dir1 || dir == 1;
        no_io = no_io || (!subject.blocked && last_op == 0);
        after_push = after_push || (!subject.blocked && last_op == 'w');
        after_pull = after_pull || (!subject.blocked && last_op == 'r');
      }
    }
    /* The peer: its handshake, then the 4 KiB in 1000-byte records. */
    if (b != 0) {
      b = gnutls_handshake(peer.s);
      if (b == 0) printf("peer: gnutls_handshake -> 0\n");
      else if (gnutls_error_is_fatal(b)) setup_failed("the peer's handshake", b);
    } else if (sent < DATA) {
      ssize_t m = gnutls_record_send(peer.s, stream + sent, DATA - sent < 1000 ? DATA - sent : 1000);
      if (m > 0) sent += (size_t)m;
    }
    idle = subject.moved || peer.moved ? 0 : idle + 1;
    if (idle >= 4 && b != 0 && waits < 10) { /* nobody can move: wait for the timer */
      unsigned ms = gnutls_dtls_get_timeout(peer.s);
      printf("(%d receives returned E_AGAIN after a read that found nothing)\n", quiet);
      quiet = 0;
      printf("(both wait: sleeping %u ms, the peer's gnutls_dtls_get_timeout())\n", ms);
      poll(NULL, 0, (int)ms + 1);
      waits++;
      idle = 0;
    }
  }
  printf("the peer sent %zu bytes; the subject received %zu\n", sent, received);
  if (received != DATA || memcmp(got, stream, DATA) != 0)
    printf("(the subject did not receive the peer's %d bytes intact)\n", DATA);

  if (recv_wrote)
    printf("DEVIATION: Q2: gnutls_record_recv wrote to the transport (it retransmitted the "
           "lost final flight)\n");
  if (dir1)
    printf("DEVIATION: S2: gnutls_record_recv returned GNUTLS_E_AGAIN with direction 1 (write)\n");
  if (after_push)
    printf("DEVIATION: D2:after-successful-push: gnutls_record_recv returned GNUTLS_E_AGAIN "
           "right after a push that succeeded, nothing blocked\n");
  if (no_io)
    printf("DEVIATION: D2:without-io: gnutls_record_recv returned GNUTLS_E_AGAIN without any "
           "transport operation\n");
  if (after_pull)
    printf("DEVIATION: D2:after-successful-pull: gnutls_record_recv returned GNUTLS_E_AGAIN "
           "after reading a datagram (the peer's retransmitted flight), nothing blocked\n");
  if (recv_wrote || dir1 || after_push || no_io || after_pull) return 1;
  printf("no deviation: every E_AGAIN of gnutls_record_recv came from a read that found "
         "nothing, with direction 0\n");
  return 0;
}
