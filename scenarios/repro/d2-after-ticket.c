#include <dlfcn.h>

/* ---- A GnuTLS TLS 1.3 client reads after the handshake with an OpenSSL server ----
 * OpenSSL's server ends its handshake by sending two NewSessionTicket messages. The subject's
 * next gnutls_record_recv reads one of them. The contract: GNUTLS_E_AGAIN means the transport
 * would block in the direction gnutls_record_get_direction() reports. The program notes
 * whether any pull of the call blocked (the kit's subject.blocked) or moved bytes.
 * What the case does first (defines of the family's [[variant]]s):
 *   SEND_FILE_DURING_HANDSHAKE 1: gnutls_record_send_file of 1 KiB while the handshake is pending
 *   BEFORE_RECV 1: a gnutls_record_send of SEND_CHUNK bytes that returns E_AGAIN (socket full)
 *   BEFORE_RECV 2: 1 KiB sent, then gnutls_bye(GNUTLS_SHUT_WR), which the peer answers */
#ifndef SEND_FILE_DURING_HANDSHAKE
#define SEND_FILE_DURING_HANDSHAKE 0
#endif
#ifndef BEFORE_RECV
#define BEFORE_RECV 0
#endif

typedef ssize_t (*send_file_fn)(gnutls_session_t, int, off_t *, size_t);

static void peer_reads(void) {
  static unsigned char buf[65536];
  size_t got = 0;
  int rc = SSL_read_ex(ossl, buf, sizeof buf, &got);
  printf("peer:    SSL_read_ex -> %s (%zu bytes)\n", rc == 1 ? "1" : ossl_result(rc), got);
}

int main(void) {
  send_file_fn send_file = (send_file_fn)dlsym(RTLD_DEFAULT, "gnutls_record_send_file");
  if (SEND_FILE_DURING_HANDSHAKE && !send_file) {
    printf("this GnuTLS has no gnutls_record_send_file (added in 3.7.2)\n");
    return 77;
  }
  open_pair(SUBJECT_FLAGS, 0);
  open_openssl_peer();
  if (SEND_FILE_DURING_HANDSHAKE) {
    /* The client's first handshake step sends its ClientHello and waits for the server. */
    printf("subject: gnutls_handshake -> %s\n", rc_name(gnutls_handshake(subject.s)));
    openssl_handshake();
    FILE *file = tmpfile(); /* 1 KiB of new data in a file */
    unsigned char data[1024];
    fill_stream(data, sizeof data, 0);
    int fd = file ? fileno(file) : -1;
    if (fd < 0 || write(fd, data, sizeof data) != (ssize_t)sizeof data || lseek(fd, 0, SEEK_SET) != 0)
      setup_failed("temporary file", 0);
    off_t offset = 0;
    printf("subject: gnutls_record_send_file(1024) during the handshake -> %s\n",
           rc_name(send_file(subject.s, fd, &offset, sizeof data)));
  }
  handshake_with_openssl(); /* the server's last step sends its two NewSessionTickets */
  printf("handshake done\n");

  static unsigned char out[SEND_CHUNK > 1024 ? SEND_CHUNK : 1024], in[RECV_BUFFER];
  fill_stream(out, sizeof out, 0);
  if (BEFORE_RECV == 1) {
    printf("subject: gnutls_record_send(%d) -> %s\n", SEND_CHUNK,
           rc_name(gnutls_record_send(subject.s, out, SEND_CHUNK)));
    peer_reads();
  } else if (BEFORE_RECV == 2) {
    printf("subject: gnutls_record_send(1024) -> %s\n", rc_name(gnutls_record_send(subject.s, out, 1024)));
    peer_reads();
    printf("subject: gnutls_bye(GNUTLS_SHUT_WR) -> %s\n", rc_name(gnutls_bye(subject.s, GNUTLS_SHUT_WR)));
    peer_reads();
  }

  /* The call: it finds a NewSessionTicket in the socket. */
  clear_blocked(&subject);
  unsigned pulls = subject.pulls;
  ssize_t n = gnutls_record_recv(subject.s, in, sizeof in);
  int dir = gnutls_record_get_direction(subject.s);
  printf("subject: gnutls_record_recv(%d) -> %s, direction %d; %u pulls, %s blocked\n", RECV_BUFFER,
         rc_name(n), dir, subject.pulls - pulls, subject.blocked ? "one" : "none");
  if ((n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) && dir == 0 && !subject.blocked) {
    printf("DEVIATION: gnutls_record_recv returned %s with direction 0 (read) although no pull "
           "blocked: its pulls succeeded (%s) and consumed the server's NewSessionTicket "
           "(D2 after-successful-pull)\n", rc_name(n), subject.moved ? "they read bytes" : "none read");
    return 1;
  }
  printf("no deviation: the call returned %s%s\n", rc_name(n),
         subject.blocked ? " after a pull really blocked" : "");
  return 0;
}
