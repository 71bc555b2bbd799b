/* A tiny non-blocking GnuTLS TLS client, the subject of probes/selftest_preload.cc.
 *
 *   preload_subject PORT CAFILE NSEND NRECV [--wrong-direction] [--callbacks] [--epoll]
 *
 * Connects to 127.0.0.1:PORT, verifies the server as server.dirprobe.test against CAFILE,
 * sends NSEND bytes (byte i = (i*7+3)&255), reads NRECV bytes, closes with gnutls_bye, and
 * prints "sent N received M checksum X" (FNV-1a of the received bytes). After each
 * GNUTLS_E_AGAIN it polls the direction gnutls_record_get_direction() reports; with
 * --wrong-direction it polls the other one on purpose. With --callbacks the session uses the
 * program's own push and pull functions (send/recv on a descriptor behind a pointer) instead of
 * GnuTLS's socket I/O. With --epoll it waits with epoll_wait (the event's user data is a
 * cookie, not the descriptor) instead of poll. Exit: 0 done, 1 TLS error, 2 usage or
 * socket error, 3 a wait timed out (20 s). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static int wrong_direction;
static int use_epoll;

/* The program's own transport: plain send/recv on the descriptor the pointer leads to. */
static ssize_t own_push(gnutls_transport_ptr_t ptr, const void* data, size_t len) {
  return send(*(int*)ptr, data, len, MSG_NOSIGNAL);
}

static ssize_t own_pull(gnutls_transport_ptr_t ptr, void* data, size_t len) {
  return recv(*(int*)ptr, data, len, 0);
}

static unsigned char pattern(size_t i) { return (unsigned char)((i * 7 + 3) & 255); }

/* Waits with epoll_wait for `events` on fd (registered once, then modified). */
static int epoll_ready(int fd, unsigned events) {
  static int epfd = -1;
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = events;
  ev.data.u64 = 0xc0ffee;
  if (epfd < 0) {
    epfd = epoll_create1(EPOLL_CLOEXEC);
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
  } else {
    epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
  }
  return epoll_wait(epfd, &ev, 1, 20000);
}

/* Waits until the socket is ready for what the session needs (or, on purpose, the other). */
static void wait_ready(gnutls_session_t session, int fd) {
  int dir = gnutls_record_get_direction(session);
  if (wrong_direction) dir = !dir;
  int ready;
  if (use_epoll) {
    ready = epoll_ready(fd, dir ? EPOLLOUT : EPOLLIN);
  } else {
    struct pollfd pfd = {fd, dir ? POLLOUT : POLLIN, 0};
    ready = poll(&pfd, 1, 20000);
  }
  if (ready == 0) {
    fprintf(stderr, "preload_subject: wait timed out\n");
    exit(3);
  }
}

/* True (after waiting) when a call must be made again: it returned E_AGAIN or E_INTERRUPTED. */
static int blocked(ssize_t rc, gnutls_session_t session, int fd) {
  if (rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED) return 0;
  wait_ready(session, fd);
  return 1;
}

static void fail(const char* what, int rc) {
  fprintf(stderr, "preload_subject: %s: %s\n", what, gnutls_strerror_name(rc));
  exit(1);
}

static int connect_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
    perror("preload_subject: connect");
    exit(2);
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr,
            "usage: preload_subject PORT CAFILE NSEND NRECV [--wrong-direction] [--callbacks] "
            "[--epoll]\n");
    return 2;
  }
  size_t nsend = strtoul(argv[3], NULL, 10), nrecv = strtoul(argv[4], NULL, 10);
  int callbacks = 0;
  for (int i = 5; i < argc; ++i) {
    wrong_direction |= strcmp(argv[i], "--wrong-direction") == 0;
    callbacks |= strcmp(argv[i], "--callbacks") == 0;
    use_epoll |= strcmp(argv[i], "--epoll") == 0;
  }

  /* Credentials: trust only the given CA. */
  gnutls_certificate_credentials_t cred;
  gnutls_certificate_allocate_credentials(&cred);
  if (gnutls_certificate_set_x509_trust_file(cred, argv[2], GNUTLS_X509_FMT_PEM) <= 0) {
    fprintf(stderr, "preload_subject: no CA in %s\n", argv[2]);
    return 2;
  }

  /* A non-blocking client session on a non-blocking socket, with GnuTLS's socket I/O or the
   * program's own functions. */
  int fd = connect_loopback(atoi(argv[1]));
  gnutls_session_t session;
  gnutls_init(&session, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
  gnutls_set_default_priority(session);
  gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, cred);
  gnutls_server_name_set(session, GNUTLS_NAME_DNS, "server.dirprobe.test", 20);
  gnutls_session_set_verify_cert(session, "server.dirprobe.test", 0);
  if (callbacks) {
    gnutls_transport_set_ptr(session, &fd);
    gnutls_transport_set_push_function(session, own_push);
    gnutls_transport_set_pull_function(session, own_pull);
  } else {
    gnutls_transport_set_int(session, fd);
  }

  int rc;
  do rc = gnutls_handshake(session);
  while (blocked(rc, session, fd));
  if (rc < 0) fail("handshake", rc);

  /* Send the pattern; after E_AGAIN the same data is offered again, as documented. */
  unsigned char buf[4096];
  for (size_t sent = 0; sent < nsend;) {
    size_t n = nsend - sent < sizeof buf ? nsend - sent : sizeof buf;
    for (size_t i = 0; i < n; ++i) buf[i] = pattern(sent + i);
    ssize_t w;
    do w = gnutls_record_send(session, buf, n);
    while (blocked(w, session, fd));
    if (w < 0) fail("record_send", (int)w);
    sent += (size_t)w;
  }

  /* Read what the server sends back and sum it up. */
  unsigned int checksum = 2166136261u;
  size_t received = 0;
  while (received < nrecv) {
    ssize_t r;
    do r = gnutls_record_recv(session, buf, sizeof buf);
    while (blocked(r, session, fd));
    if (r < 0) fail("record_recv", (int)r);
    if (r == 0) break;
    for (ssize_t i = 0; i < r; ++i) checksum = (checksum ^ buf[i]) * 16777619u;
    received += (size_t)r;
  }

  do rc = gnutls_bye(session, GNUTLS_SHUT_WR);
  while (blocked(rc, session, fd));
  if (rc < 0) fail("bye", rc);
  printf("sent %zu received %zu checksum %08x\n", nsend, received, checksum);
  gnutls_deinit(session);
  gnutls_certificate_free_credentials(cred);
  close(fd);
  return 0;
}
