
/* ---- The application: the peer updates its keys KEY_UPDATES times in a row ----
 *
 * TLS 1.3. After the handshake the peer calls gnutls_session_key_update(session, 0)
 * KEY_UPDATES times, one after the other (well within a second), then sends 1 KiB. The
 * subject calls gnutls_record_recv throughout, which takes in each KeyUpdate, until the
 * 1 KiB has arrived. The contract: a KeyUpdate is an ordinary post-handshake message; the
 * receiver installs the new keys and the data that follows arrives. */
#define DATA_BYTES 1024

/* A loop that waits (LOOP_WAITS) calls again after E_AGAIN only once the direction it reported
 * is ready; an oblivious loop calls at once. */
static bool subject_may_call(bool after_again) {
  return !LOOP_WAITS || !after_again || socket_ready(&subject, gnutls_record_get_direction(subject.s));
}

int main(void) {
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();
  unsigned char stream[DATA_BYTES], received[RECV_BUFFER + DATA_BYTES];
  fill_stream(stream, DATA_BYTES, 0);

  int updates = 0; /* KeyUpdates the peer's calls reported sent */
  size_t sent = 0, got = 0;
  bool after_again = false;
  for (int turn = 0; turn < 200 && got < DATA_BYTES; turn++) {
    if (subject_may_call(after_again)) {
      ssize_t n = gnutls_record_recv(subject.s, received + got, RECV_BUFFER);
      if (n > 0) got += (size_t)n;
      after_again = n == GNUTLS_E_AGAIN;
      if (n <= 0 && n != GNUTLS_E_AGAIN) {
        printf("subject: gnutls_record_recv -> %s (%s)\n", rc_name(n), gnutls_strerror((int)n));
        printf("DEVIATION: the subject's gnutls_record_recv failed with %s after the peer's "
               "%d KeyUpdates in a row (the session ends); %zu of %d bytes had arrived\n",
               rc_name(n), updates, got, DATA_BYTES);
        return 1;
      }
    }
    int rc = 0;
    if (updates < KEY_UPDATES) {
      rc = gnutls_session_key_update(peer.s, 0);
      printf("peer: gnutls_session_key_update(0) -> %s (KeyUpdate %d)\n", rc_name(rc),
             updates + 1);
      if (rc == 0) updates++;
    } else if (sent < DATA_BYTES) {
      ssize_t n = gnutls_record_send(peer.s, stream + sent, DATA_BYTES - sent);
      printf("peer: gnutls_record_send(%zu) -> %s\n", DATA_BYTES - sent, rc_name(n));
      if (n > 0) sent += (size_t)n;
      rc = n < 0 ? (int)n : 0;
    }
    if (rc < 0 && rc != GNUTLS_E_AGAIN) {
      printf("setup failed: the peer's call failed with %s\n", rc_name(rc));
      return 2;
    }
  }
  printf("subject: received %zu of %d bytes\n", got, DATA_BYTES);
  if (got < DATA_BYTES || memcmp(received, stream, DATA_BYTES) != 0) {
    printf("DEVIATION: after %d KeyUpdates the data did not arrive intact\n", updates);
    return 1;
  }
  printf("no deviation: the subject took in %d KeyUpdates and received the data\n", updates);
  return 0;
}
