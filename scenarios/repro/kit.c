/* ---- The setup every reproducer shares (nothing of the deviation happens here) ----
 *
 * Two GnuTLS sessions in this process, over a non-blocking AF_UNIX socketpair whose buffers
 * are set as the case's are. Both transports go through end_vec_push/end_pull: GnuTLS hands
 * a whole flight of records to one vectored push, which writes it with one send, as
 * writev(2) would. For the subject they apply the case's fault plan (by the count of pushes
 * and pulls, 1-based), and for both they note whether any push or pull of the current call
 * blocked (EAGAIN or EINTR, real or injected).
 * Exit status: 1 the deviation occurred, 0 it did not, 2 the setup failed, 77 this GnuTLS
 * lacks a function the case needs. */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { OP_PUSH, OP_PULL, OP_POLL /* a look for readable data (a pull_timeout function) */ };
enum { F_EAGAIN, F_EINTR, F_SHORT, F_ZERO, F_DROP };
struct fault {
  int op;        /* OP_PUSH or OP_PULL of the subject's transport */
  unsigned at;   /* the n-th such operation, 1-based */
  int action;    /* F_EAGAIN, F_EINTR: fail with that errno; F_SHORT: move at most `limit` bytes;
                    F_ZERO: a push returns 0 once; a pull returns 0, end of stream: from
                    then on every pull returns 0 and every push fails with EPIPE, as on a
                    closed connection; F_DROP (datagrams): a push reports success and
                    sends nothing, a pull discards the datagram it would have read */
  size_t limit;
};

@CASE@
#ifndef SOCKET_TYPE
#define SOCKET_TYPE SOCK_STREAM
#endif
#ifndef SUBJECT_NONBLOCK  /* 0: the subject's session is made without GNUTLS_NONBLOCK */
#define SUBJECT_NONBLOCK 1
#endif
#ifndef POST_HANDSHAKE_AUTH  /* 1: both ends enable TLS 1.3 post-handshake authentication */
#define POST_HANDSHAKE_AUTH 0
#endif

struct end {
  const char *name;
  gnutls_session_t s;
  int fd;
  bool faulty;        /* the fault plan applies to this end's transport */
  unsigned pushes, pulls;
  bool blocked;       /* a push or pull returned EAGAIN/EINTR since the last clear_blocked() */
  bool moved;         /* a push or pull moved bytes since the last clear_blocked() */
  unsigned ios;       /* pushes and pulls since the last clear_blocked() */
  struct { int op; size_t asked; ssize_t got; } last; /* the last push or pull (got -1: error) */
  bool closed;        /* a pull reported end of stream */
};
static struct end subject = {.name = "subject", .faulty = true};
static struct end peer = {.name = "peer"};

static void setup_failed(const char *what, int rc) {
  fprintf(stderr, "setup failed: %s: %s\n", what, rc < 0 ? gnutls_strerror(rc) : strerror(errno));
  exit(2);
}
#define CHECK(call)                           \
  do {                                        \
    int check_rc_ = (call);                   \
    if (check_rc_ < 0) setup_failed(#call, check_rc_); \
  } while (0)

static inline const char *rc_name(ssize_t rc) {
  static char text[32];
  if (rc >= 0) {
    snprintf(text, sizeof text, "%zd", rc);
    return text;
  }
  const char *name = gnutls_strerror_name((int)rc);
  return name ? name : "(unknown)";
}

static inline void clear_blocked(struct end *e) {
  e->blocked = e->moved = false;
  e->ios = 0;
}
/* A template may watch every transport operation of both ends by setting watch_io. */
static void (*watch_io)(struct end *e, int op, size_t asked, ssize_t got);
static void noted_io(struct end *e, int op, size_t asked, ssize_t got) {
  e->last.op = op, e->last.asked = asked, e->last.got = got;
  e->ios++;
  if (watch_io) watch_io(e, op, asked, got);
}

/* What the plan decides for this end's next push or pull. */
static const struct fault *next_fault(struct end *e, int op) {
  unsigned n = op == OP_PUSH ? ++e->pushes : ++e->pulls;
  if (!e->faulty) return NULL;
  for (size_t i = 0; i < sizeof fault_plan / sizeof fault_plan[0]; i++)
    if (fault_plan[i].op == op && fault_plan[i].at == n) return &fault_plan[i];
  return NULL;
}

static ssize_t io_error(struct end *e, int err) {
  e->blocked = e->blocked || err == EAGAIN || err == EINTR;
  gnutls_transport_set_errno(e->s, err);
  return -1;
}

static ssize_t faulty_io(struct end *e, int op, void *data, size_t size) {
  const struct fault *f = next_fault(e, op);
  if (e->closed) return op == OP_PULL ? 0 : io_error(e, EPIPE);
  if (f && f->action == F_EAGAIN) return io_error(e, EAGAIN);
  if (f && f->action == F_EINTR) return io_error(e, EINTR);
  if (f && f->action == F_SHORT && size > f->limit) size = f->limit;
  if (f && f->action == F_ZERO && op == OP_PUSH) return 0;
  if (f && f->action == F_ZERO && op == OP_PULL) {
    e->closed = true;
    return 0;
  }
  if (f && f->action == F_DROP && op == OP_PUSH) return (ssize_t)size;
  if (f && f->action == F_DROP && op == OP_PULL) recv(e->fd, data, size, 0);
  ssize_t n = op == OP_PUSH ? send(e->fd, data, size, MSG_NOSIGNAL) : recv(e->fd, data, size, 0);
  if (n < 0) return io_error(e, errno);
  e->moved = e->moved || n > 0;
  return n;
}
static ssize_t end_io(struct end *e, int op, void *data, size_t size) {
  ssize_t n = faulty_io(e, op, data, size);
  noted_io(e, op, size, n);
  return n;
}
/* A template that installs its own push function (GnuTLS then drops the vectored one) calls
 * end_push from it. */
static ssize_t end_push(gnutls_transport_ptr_t p, const void *data, size_t size) {
  return end_io(p, OP_PUSH, (void *)data, size);
}
/* One push for all the records GnuTLS hands over at once: gathered, they are written with
 * one send (one datagram), and a short write of it is returned as is. */
static ssize_t end_vec_push(gnutls_transport_ptr_t p, const giovec_t *iov, int count) {
  static unsigned char gathered[1 << 20];
  size_t size = 0;
  for (int i = 0; i < count; i++) {
    size_t len = iov[i].iov_len < sizeof gathered - size ? iov[i].iov_len : sizeof gathered - size;
    memcpy(gathered + size, iov[i].iov_base, len);
    size += len;
  }
  return end_push(p, gathered, size);
}
static ssize_t end_pull(gnutls_transport_ptr_t p, void *data, size_t size) {
  return end_io(p, OP_PULL, data, size);
}

/* A fresh Ed25519 key and a self-signed certificate, shared by both ends (nothing from disk). */
static gnutls_certificate_credentials_t make_credentials(void) {
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
  gnutls_certificate_credentials_t cred;
  CHECK(gnutls_x509_privkey_init(&key));
  CHECK(gnutls_x509_privkey_generate(key, GNUTLS_PK_EDDSA_ED25519, 256, 0));
  CHECK(gnutls_x509_crt_init(&crt));
  CHECK(gnutls_x509_crt_set_version(crt, 3));
  CHECK(gnutls_x509_crt_set_serial(crt, "\x01", 1));
  CHECK(gnutls_x509_crt_set_dn(crt, "CN=repro.test", NULL));
  CHECK(gnutls_x509_crt_set_activation_time(crt, 1000000000));
  CHECK(gnutls_x509_crt_set_expiration_time(crt, 4000000000));
  CHECK(gnutls_x509_crt_set_key(crt, key));
  CHECK(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA512, 0));
  CHECK(gnutls_certificate_allocate_credentials(&cred));
  CHECK(gnutls_certificate_set_x509_key(cred, &crt, 1, key));
  gnutls_x509_crt_deinit(crt);
  gnutls_x509_privkey_deinit(key);
  return cred;
}

static void open_end(struct end *e, int fd, bool client, unsigned flags,
                     gnutls_certificate_credentials_t cred) {
  e->fd = fd;
  bool nonblock = e != &subject || SUBJECT_NONBLOCK;
  if (POST_HANDSHAKE_AUTH) flags |= GNUTLS_POST_HANDSHAKE_AUTH;
  CHECK(gnutls_init(&e->s, (client ? GNUTLS_CLIENT : GNUTLS_SERVER) |
                               (nonblock ? GNUTLS_NONBLOCK : 0) | flags));
  CHECK(gnutls_priority_set_direct(e->s, PRIORITY, NULL));
  CHECK(gnutls_credentials_set(e->s, GNUTLS_CRD_CERTIFICATE, cred));
  /* The server asks for a client certificate only for post-handshake authentication. */
  if (!client && (flags & GNUTLS_POST_HANDSHAKE_AUTH))
    gnutls_certificate_server_set_request(e->s, GNUTLS_CERT_REQUEST);
  gnutls_transport_set_ptr(e->s, e);
  gnutls_transport_set_vec_push_function(e->s, end_vec_push);
  gnutls_transport_set_pull_function(e->s, end_pull);
}

/* The socketpair and both sessions: the subject is the client when SUBJECT_IS_CLIENT.
 * The session flags are added to GNUTLS_CLIENT or GNUTLS_SERVER and GNUTLS_NONBLOCK. */
static void open_pair(unsigned subject_flags, unsigned peer_flags) {
  int fds[2], sndbuf = SOCKET_SNDBUF, rcvbuf = SOCKET_RCVBUF;
  if (socketpair(AF_UNIX, SOCKET_TYPE, 0, fds) < 0) setup_failed("socketpair", 0);
  for (int i = 0; i < 2; i++) {
    if (sndbuf > 0) setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    if (rcvbuf > 0) setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
  }
  gnutls_certificate_credentials_t cred = make_credentials();
  open_end(&subject, fds[0], SUBJECT_IS_CLIENT, subject_flags, cred);
  open_end(&peer, fds[1], !SUBJECT_IS_CLIENT, peer_flags, cred);
}

/* Both handshakes, each called in turn until both return 0 (bounded). */
static inline void handshake_both(void) {
  int a = GNUTLS_E_AGAIN, b = GNUTLS_E_AGAIN;
  for (int turn = 0; turn < 1000 && (a != 0 || b != 0); turn++) {
    if (a != 0) a = gnutls_handshake(subject.s);
    if (b != 0) b = gnutls_handshake(peer.s);
    if ((a < 0 && gnutls_error_is_fatal(a)) || (b < 0 && gnutls_error_is_fatal(b))) break;
  }
  if (a != 0 || b != 0) {
    fprintf(stderr, "setup failed: handshake: subject %s, peer %s\n", rc_name(a), rc_name(b));
    exit(2);
  }
}

/* An event loop's test: is e's socket ready now for the direction a call reported
 * (gnutls_record_get_direction: 1 write, 0 read)? Polled with timeout 0: nothing is waited out. */
static inline bool socket_ready(const struct end *e, int direction) {
  struct pollfd p = {.fd = e->fd, .events = direction ? POLLOUT : POLLIN};
  return poll(&p, 1, 0) > 0;
}

/* The application data of a stream: byte i is a fixed function of i. */
static inline unsigned char stream_byte(uint64_t i) { return (unsigned char)((i * 131 + (i >> 8) * 7) & 0xff); }
static inline void fill_stream(unsigned char *buf, size_t size, uint64_t offset) {
  for (size_t i = 0; i < size; i++) buf[i] = stream_byte(offset + i);
}
