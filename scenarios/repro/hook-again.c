
/* ---- The application: a handshake hook that asks to be called again ----
 *
 * The subject (the server) installs a handshake hook with gnutls_handshake_set_hook_function
 * that runs after the ClientHello was received. The first time it runs it returns
 * GNUTLS_E_AGAIN (the application is not ready yet, e.g. it looks something up), afterwards
 * 0. Both sides then call gnutls_handshake in turn. The manual says only that an error from
 * the hook terminates the handshake; the contract of a non-blocking call is that it either
 * fails or makes progress when called again. */
static int hook_calls;

static int hook(gnutls_session_t s, unsigned type, unsigned when, unsigned incoming,
                const gnutls_datum_t *msg) {
  (void)s, (void)type, (void)when, (void)incoming, (void)msg;
  return hook_calls++ == 0 ? GNUTLS_E_AGAIN : 0;
}

int main(void) {
  open_pair(SUBJECT_FLAGS, 0);
  gnutls_handshake_set_hook_function(subject.s, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_POST,
                                     hook);
  int a = GNUTLS_E_AGAIN, b = GNUTLS_E_AGAIN, turn;
  for (turn = 0; turn < 50 && (a != 0 || b != 0); turn++) {
    if (a != 0) a = gnutls_handshake(subject.s);
    if (b != 0) b = gnutls_handshake(peer.s);
    if (turn < 4 || a != GNUTLS_E_AGAIN)
      printf("turn %d: subject gnutls_handshake -> %s (direction %d), hook called %d times; "
             "peer gnutls_handshake -> %s\n", turn, rc_name(a),
             gnutls_record_get_direction(subject.s), hook_calls, rc_name(b));
    if (a < 0 && gnutls_error_is_fatal(a)) break;
  }
  if (a == 0 && b == 0) {
    printf("no deviation: the handshake held for the hook and completed after %d turns\n", turn);
    return 0;
  }
  if (a < 0 && a != GNUTLS_E_AGAIN) {
    printf("no deviation: the hook's GNUTLS_E_AGAIN ended the handshake with %s\n", rc_name(a));
    return 0;
  }
  /* Both wait to read, and nothing is in flight either way: no call can make progress. */
  struct pollfd p[2] = {{subject.fd, POLLIN, 0}, {peer.fd, POLLIN, 0}};
  int readable = poll(p, 2, 0);
  printf("DEVIATION: the hook returned GNUTLS_E_AGAIN once (called %d times in all), and "
         "after %d turns of gnutls_handshake on both sides the subject still returns %s with "
         "direction %d, the peer %s, and %s (the ClientHello was consumed, the handshake "
         "never resumes)\n", hook_calls, turn, rc_name(a), gnutls_record_get_direction(subject.s),
         rc_name(b), readable == 0 ? "neither socket has anything to read" : "data is pending");
  return 1;
}
