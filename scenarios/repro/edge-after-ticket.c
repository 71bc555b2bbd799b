#include <sys/epoll.h>
#include <sys/ioctl.h>

/* ---- An edge-triggered receive loop against an OpenSSL TLS 1.3 server ----
 * The subject (GnuTLS client) receives PEER_SENDS bytes that the OpenSSL peer writes as fast as
 * the small socket buffers allow. The application waits with epoll in edge-triggered mode
 * (EPOLLET), as the manual allows: a call that returns GNUTLS_E_AGAIN with
 * gnutls_record_get_direction() 0 is retried once the socket becomes readable, and (LOOP_EDGE
 * with the drain) data GnuTLS already holds is taken first (gnutls_record_check_pending).
 * Edge-triggered waiting is only safe when E_AGAIN means the socket was read until it had
 * nothing left: the program notes whether a pull of the call really blocked. */
#ifndef PEER_SENDS
#define PEER_SENDS (1 << 20)
#endif

static size_t socket_bytes(int fd) {
  int n = 0;
  ioctl(fd, FIONREAD, &n);
  return (size_t)n;
}

int main(void) {
  open_pair(SUBJECT_FLAGS, 0);
  open_openssl_peer();
  handshake_with_openssl(); /* the OpenSSL server sends its two NewSessionTickets here */
  printf("handshake done; %zu bytes (the server's session tickets) wait in the client's socket\n",
         socket_bytes(subject.fd));

  int ep = epoll_create1(0);
  struct epoll_event watch = {.events = EPOLLIN | EPOLLET, .data.fd = subject.fd};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, subject.fd, &watch) < 0) setup_failed("epoll", 0);

  static unsigned char out[PEER_SENDS], in[RECV_BUFFER];
  fill_stream(out, sizeof out, 0);
  size_t sent = 0, received = 0;
  bool waiting = false; /* the subject waits for a new readable edge */
  int idle = 0, peer_rc = SSL_ERROR_NONE;
  ssize_t n = 0;
  for (int round = 0; round < 100000 && received < PEER_SENDS && idle < 16; round++) {
    struct epoll_event ev;
    bool edge = epoll_wait(ep, &ev, 1, 0) > 0, progress = false;
    /* The subject: the first call, or after an edge, or (edge loop) while GnuTLS holds data. */
    if (!waiting || edge || gnutls_record_check_pending(subject.s) > 0) {
      clear_blocked(&subject);
      n = gnutls_record_recv(subject.s, in, sizeof in);
      if (n > 0) {
        for (ssize_t i = 0; i < n; i++)
          if (in[i] != stream_byte(received + i)) {
            printf("DEVIATION: byte %zu received wrong\n", received + i);
            return 1;
          }
        received += n, waiting = false, progress = true;
      } else if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
        if (gnutls_record_get_direction(subject.s) != 0) setup_failed("recv wants to write", 0);
        if (subject.moved) progress = true; /* e.g. a post-handshake message was read */
        if (!subject.blocked)
          printf("subject: gnutls_record_recv(%d) -> %s, direction 0, but no pull blocked; "
                 "%zu bytes wait in the socket, check_pending %zu\n", RECV_BUFFER, rc_name(n),
                 socket_bytes(subject.fd), gnutls_record_check_pending(subject.s));
        waiting = true;
      } else {
        printf("no deviation: gnutls_record_recv -> %s after %zu bytes\n", rc_name(n), received);
        return 0;
      }
    }
    /* The peer writes the next chunk, or retries the one that did not fit. */
    if (sent < PEER_SENDS) {
      size_t chunk = PEER_SENDS - sent < SEND_CHUNK ? PEER_SENDS - sent : SEND_CHUNK, wrote = 0;
      int rc = SSL_write_ex(ossl, out + sent, chunk, &wrote);
      peer_rc = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ossl, rc);
      if (rc == 1) sent += wrote, progress = true;
      else if (peer_rc != SSL_ERROR_WANT_WRITE) setup_failed("SSL_write_ex", 0);
    }
    idle = progress ? 0 : idle + 1;
  }
  if (received == PEER_SENDS) {
    printf("no deviation: all %d bytes received\n", PEER_SENDS);
    return 0;
  }
  /* Both sides wait: is anything going to wake them? */
  struct pollfd peer_out = {.fd = peer.fd, .events = POLLOUT};
  struct epoll_event ev;
  bool edge_pending = epoll_wait(ep, &ev, 1, 0) > 0, peer_writable = poll(&peer_out, 1, 0) > 0;
  printf("after %zu of %d bytes: the subject waits for a readable edge (%s pending), %zu bytes "
         "sit unread in its socket, the peer's SSL_write_ex -> %s (socket %s)\n", received,
         PEER_SENDS, edge_pending ? "one" : "none", socket_bytes(subject.fd),
         ssl_error_name(peer_rc), peer_writable ? "writable" : "full");
  if (!edge_pending && !peer_writable && socket_bytes(subject.fd) > 0) {
    printf("DEVIATION: gnutls_record_recv returned GNUTLS_E_AGAIN (direction 0) after reading a "
           "post-handshake message, with %zu bytes already in the socket: no new EPOLLET edge comes "
           "for them and the peer is blocked writing, so the edge-triggered loop hangs (L1; outcome "
           "stalled after %zu of %d bytes)\n", socket_bytes(subject.fd), received, PEER_SENDS);
    return 1;
  }
  printf("no deviation: the loop stopped with something still able to wake it\n");
  return 0;
}
