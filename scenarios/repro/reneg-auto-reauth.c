/* ---- The program: a TLS 1.2 client with GNUTLS_AUTO_REAUTH meets the server's renegotiation ----
 *
 * With GNUTLS_AUTO_REAUTH the client is to answer a server's HelloRequest inside
 * gnutls_record_recv; the manual says recv may then return E_AGAIN/E_INTERRUPTED and that
 * gnutls_record_get_direction tells which way to wait before calling it again.
 * The peer (server) sends 16 KiB, then calls gnutls_rehandshake and gnutls_handshake. The
 * subject (client) reads with gnutls_record_recv and, on E_AGAIN, waits for the direction it
 * reports, as an event loop does. */

static bool readable(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return poll(&p, 1, 0) > 0;
}

int main(void) {
  unsigned char data[16384], buf[16384];
  fill_stream(data, sizeof data, 0);
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();

  /* The peer sends 16 KiB; the subject reads it all (each called in turn, bounded). */
  ssize_t sent = gnutls_record_send(peer.s, data, sizeof data);
  size_t got = 0;
  for (int i = 0; i < 100 && (sent < 0 || got < sizeof data); i++) {
    if (sent == GNUTLS_E_AGAIN) sent = gnutls_record_send(peer.s, NULL, 0); /* documented retry */
    ssize_t n = gnutls_record_recv(subject.s, buf, sizeof buf);
    if (n > 0) got += (size_t)n;
    else if (n != GNUTLS_E_AGAIN) setup_failed("subject receiving 16 KiB", (int)n);
  }
  if (sent != (ssize_t)sizeof data || got != sizeof data) setup_failed("16 KiB transfer", 0);
  printf("subject: received the peer's 16384 bytes\n");

  int rc = gnutls_rehandshake(peer.s);
  printf("peer: gnutls_rehandshake -> %s (HelloRequest sent)\n", rc_name(rc));

  /* The subject's recv takes the HelloRequest in. */
  unsigned pushes = subject.pushes;
  clear_blocked(&subject);
  ssize_t n = gnutls_record_recv(subject.s, buf, sizeof buf);
  int direction = gnutls_record_get_direction(subject.s);
  printf("subject: gnutls_record_recv -> %s, direction %d; pushes during the call: %u%s\n",
         rc_name(n), direction, subject.pushes - pushes, subject.blocked ? "" : "; nothing blocked");
  if (n != GNUTLS_E_AGAIN) {
    printf("no deviation: recv returned %s, not E_AGAIN\n", rc_name(n));
    return 0;
  }

  /* The server goes on with its handshake: it waits for the ClientHello. */
  rc = gnutls_handshake(peer.s);
  int peer_direction = gnutls_record_get_direction(peer.s);
  printf("peer: gnutls_handshake -> %s, direction %d\n", rc_name(rc), peer_direction);

  /* Both wait for what they reported: is anything ever going to wake either? */
  bool subject_wakes = direction ? true : readable(subject.fd);
  bool peer_wakes = rc != GNUTLS_E_AGAIN || (peer_direction ? true : readable(peer.fd));
  printf("subject waits for %s: %s; peer waits for %s: %s\n", direction ? "writable" : "readable",
         subject_wakes ? "ready" : "never comes", peer_direction ? "writable" : "readable",
         peer_wakes ? "ready" : "never comes");
  if (!subject_wakes && !peer_wakes && subject.pushes == pushes) {
    printf("DEVIATION: with GNUTLS_AUTO_REAUTH gnutls_record_recv read the HelloRequest and "
           "returned E_AGAIN, direction 0, without writing a ClientHello; the server waits for "
           "the ClientHello, the client for readable: a loop that waits for the reported "
           "direction hangs, and nothing the client reported shows the request arrived\n");
    return 1;
  }
  printf("no deviation: the renegotiation can go on\n");
  return 0;
}
