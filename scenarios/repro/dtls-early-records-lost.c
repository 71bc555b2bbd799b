
/* ---- The application: a DTLS 1.2 server speaks first while its final flight is lost ----
 *
 * Both sessions are non-blocking DTLS, set up as described above. The fault plan loses the
 * datagram of the subject's (the client's) second read: the server's final flight
 * (ChangeCipherSpec, Finished). The server's handshake is complete, so it sends 4 KiB
 * at once, in 1000-byte records, and then reads (it waits for a 1-byte answer). The client
 * keeps calling gnutls_handshake; when neither side can move, the program sleeps for the
 * client's gnutls_dtls_get_timeout(), as a loop polling with that timeout would, so the
 * lost flight is retransmitted. Then the client reads the 4 KiB with gnutls_record_recv. */
#define DATA 4096

static bool readable(int fd) {
  struct pollfd pfd = {fd, POLLIN, 0};
  return poll(&pfd, 1, 0) > 0;
}

int main(void) {
  open_dtls_pair(SUBJECT_FLAGS, 0);

  static unsigned char stream[DATA], got[DATA + RECV_BUFFER], answer[RECV_BUFFER];
  fill_stream(stream, DATA, 0);
  int a = GNUTLS_E_AGAIN, b = GNUTLS_E_AGAIN, waits = 0;
  size_t sent = 0, received = 0;
  for (int turn = 0, idle = 0; turn < 200 && received < DATA; turn++) {
    clear_blocked(&subject);
    clear_blocked(&peer);
    if (a != 0) {
      a = gnutls_handshake(subject.s);
      if (a == 0) printf("subject: gnutls_handshake -> 0 (after %d timer waits)\n", waits);
      else if (gnutls_error_is_fatal(a)) setup_failed("the subject's handshake", a);
    } else {
      ssize_t n = gnutls_record_recv(subject.s, got + received, RECV_BUFFER);
      if (n > 0) received += (size_t)n;
      else if (n != GNUTLS_E_AGAIN) setup_failed("the subject's gnutls_record_recv", (int)n);
    }
    if (b != 0) {
      b = gnutls_handshake(peer.s);
      if (b == 0) printf("peer: gnutls_handshake -> 0 (its final flight is lost)\n");
      else if (gnutls_error_is_fatal(b)) setup_failed("the peer's handshake", b);
    } else if (sent < DATA) { /* the server speaks first */
      size_t len = DATA - sent < 1000 ? DATA - sent : 1000;
      ssize_t m = gnutls_record_send(peer.s, stream + sent, len);
      printf("peer: gnutls_record_send(%zu) -> %s\n", len, rc_name(m));
      if (m > 0) sent += (size_t)m;
    } else {
      ssize_t m = gnutls_record_recv(peer.s, answer, sizeof answer); /* waits for the answer */
      if (m < 0 && m != GNUTLS_E_AGAIN) setup_failed("the peer's gnutls_record_recv", (int)m);
    }
    idle = subject.moved || peer.moved ? 0 : idle + 1;
    if (idle >= 4 && a != 0 && waits < 10) { /* nobody can move: the client's timer */
      unsigned ms = gnutls_dtls_get_timeout(subject.s);
      poll(NULL, 0, (int)ms + 1);
      waits++;
      idle = 0;
    }
    if (idle >= 16) break; /* nothing moves and no handshake timer is left to wait for */
  }
  printf("the peer sent %zu bytes; the subject received %zu\n", sent, received);
  if (a == 0 && received < DATA && sent == DATA) {
    bool stuck = !readable(subject.fd) && !readable(peer.fd) &&
                 gnutls_record_check_pending(subject.s) == 0;
    printf("DEVIATION: the subject's handshake completed but the %zu bytes the peer sent while "
           "it was still in its handshake were dropped; %s\n", sent - received,
           stuck ? "nothing is in flight either way and each side waits to read: stalled"
                 : "(the transfer did not finish)");
    return 1;
  }
  if (received == DATA && memcmp(got, stream, DATA) == 0) {
    printf("no deviation: the subject received all %d bytes intact\n", DATA);
    return 0;
  }
  printf("no deviation of this kind: handshake %s, %zu of %d bytes received\n", rc_name(a),
         received, DATA);
  return 0;
}
