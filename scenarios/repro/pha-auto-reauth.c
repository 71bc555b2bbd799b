/* ---- The program: a TLS 1.3 client with GNUTLS_AUTO_REAUTH answers a certificate request ----
 *
 * Both ends allow post-handshake authentication. The peer (server) sends 16 KiB, then asks
 * for the client's certificate with gnutls_reauth. The subject (client), created with
 * GNUTLS_AUTO_REAUTH, answers the request inside gnutls_record_recv. The manual says recv may
 * then return E_AGAIN with direction 1 when it was interrupted while sending; the program checks
 * whether any push of that call actually blocked. */

int main(void) {
  unsigned char data[16384], buf[16384];
  fill_stream(data, sizeof data, 0);
  open_pair(SUBJECT_FLAGS | GNUTLS_POST_HANDSHAKE_AUTH, GNUTLS_POST_HANDSHAKE_AUTH);
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

  int rc = gnutls_reauth(peer.s, 0);
  printf("peer: gnutls_reauth -> %s (CertificateRequest sent)\n", rc_name(rc));

  /* The subject's recv reads the request and writes its Certificate, CertificateVerify and
   * Finished. */
  unsigned pushes = subject.pushes;
  clear_blocked(&subject);
  ssize_t n = gnutls_record_recv(subject.s, buf, sizeof buf);
  int direction = gnutls_record_get_direction(subject.s);
  printf("subject: gnutls_record_recv -> %s, direction %d; pushes during the call: %u, %s\n",
         rc_name(n), direction, subject.pushes - pushes,
         subject.blocked ? "one of them blocked" : "all complete, none blocked");
  rc = gnutls_reauth(peer.s, 0);
  printf("peer: gnutls_reauth again -> %s\n", rc_name(rc));

  if (n == GNUTLS_E_AGAIN && direction == 1 && !subject.blocked) {
    printf("DEVIATION: gnutls_record_recv returned E_AGAIN, direction 1 (write), after answering "
           "the certificate request with every push complete: nothing blocked\n");
    return 1;
  }
  printf("no deviation: recv returned %s, direction %d%s\n", rc_name(n), direction,
         subject.blocked ? " after a push blocked" : "");
  return 0;
}
