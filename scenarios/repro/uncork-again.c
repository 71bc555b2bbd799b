
/* ---- The application: cork, uncork that returns E_AGAIN, then more sends ----
 *
 * The subject corks the session (gnutls_record_cork) and sends 32 KiB, then calls
 * gnutls_record_uncork(session, 0). The socket buffers are small and the peer has not read
 * yet, so the uncork returns GNUTLS_E_AGAIN. The application goes on with 224 KiB of
 * gnutls_record_send before calling gnutls_record_uncork again until it completes. The peer
 * starts reading once the subject has blocked, and checks every byte.
 * The contract: gnutls_record_uncork ends the corked mode, and a send that cannot proceed
 * returns GNUTLS_E_AGAIN, so what GnuTLS holds for the subject stays bounded (64 KiB here). */
#define CORKED_BYTES 32768
#define TOTAL (CORKED_BYTES + 229376)
#define HELD_BOUND 65536

/* A loop that waits (LOOP_WAITS) calls again after E_AGAIN only once the direction it reported
 * is ready; an oblivious loop calls at once. */
static bool subject_may_call(bool after_again) {
  return !LOOP_WAITS || !after_again || socket_ready(&subject, gnutls_record_get_direction(subject.s));
}

int main(void) {
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();
  static unsigned char stream[TOTAL], received[TOTAL + 16384];
  fill_stream(stream, TOTAL, 0);

  gnutls_record_cork(subject.s);
  printf("subject: gnutls_record_cork\n");
  size_t sent = 0, got = 0, most_corked = 0;
  unsigned uncorks = 0, quiet_sends = 0; /* sends after the first uncork that pushed nothing */
  bool done = false, after_again = false, peer_reads = false;
  for (int turn = 0; turn < 1000 && got < TOTAL; turn++) {
    if (!done && subject_may_call(after_again)) {
      unsigned pushes = subject.pushes;
      ssize_t rc;
      clear_blocked(&subject);
      if (sent < (uncorks ? TOTAL : CORKED_BYTES)) {
        size_t n = (uncorks ? TOTAL : CORKED_BYTES) - sent;
        if (n > SEND_CHUNK) n = SEND_CHUNK;
        rc = gnutls_record_send(subject.s, stream + sent, n);
        if (rc > 0) sent += (size_t)rc;
        if (uncorks && rc > 0 && subject.pushes == pushes) quiet_sends++;
        printf("subject: gnutls_record_send(%zu) -> %s, %u pushes, %zu bytes corked\n", n,
               rc_name(rc), subject.pushes - pushes, gnutls_record_check_corked(subject.s));
      } else {
        rc = gnutls_record_uncork(subject.s, 0);
        if (++uncorks == 1 || rc >= 0)
          printf("subject: gnutls_record_uncork(0) -> %s (call %u), %zu bytes corked\n",
                 rc_name(rc), uncorks, gnutls_record_check_corked(subject.s));
        done = rc >= 0 && sent == TOTAL;
      }
      size_t corked = gnutls_record_check_corked(subject.s);
      if (corked > most_corked) most_corked = corked;
      if (rc < 0 && rc != GNUTLS_E_AGAIN) {
        printf("subject: failed with %s\n", rc_name(rc));
        break;
      }
      after_again = rc == GNUTLS_E_AGAIN;
      peer_reads = peer_reads || after_again || subject.blocked; /* the peer holds until then */
    }
    if (!peer_reads) continue;
    ssize_t n = gnutls_record_recv(peer.s, received + got, RECV_BUFFER);
    if (n > 0) got += (size_t)n;
    if (n <= 0 && n != GNUTLS_E_AGAIN) {
      printf("peer: gnutls_record_recv -> %s\n", rc_name(n));
      break;
    }
  }

  size_t bad = 0;
  while (bad < got && received[bad] == stream[bad]) bad++;
  printf("peer: received %zu of %d bytes, %s\n", got, TOTAL,
         bad < got ? "with a mismatch" : "all in order");
  if (most_corked > HELD_BOUND) {
    printf("DEVIATION: after gnutls_record_uncork returned GNUTLS_E_AGAIN the session stayed "
           "corked: %u gnutls_record_send calls returned their full size without a single push "
           "(no E_AGAIN), and gnutls_record_check_corked reached %zu bytes (bound %d)\n",
           quiet_sends, most_corked, HELD_BOUND);
    return 1;
  }
  printf("no deviation: GnuTLS held at most %zu corked bytes; the sends after the uncork "
         "pushed or returned E_AGAIN\n", most_corked);
  return 0;
}
