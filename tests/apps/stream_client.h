/* Plumbing shared by the two "stream" test subjects (teeth_naive.c, teeth_careful.c), so each
 * of them shows only its own I/O loop: the command line, a connected non-blocking socket, a
 * client session trusting --ca, and the receiving end (check against the pattern, or write to
 * --out) with the final "sent N received M ok|mismatch" line.
 *
 * Command line: --port P --ca FILE --send N --recv M [--seed S] [--out FILE]
 *               [--cert FILE --key FILE]   (client certificate, for post-handshake auth)
 * Exit codes: 0 ok, 1 mismatch or error (the GnuTLS error name on stderr), 2 stuck. */
#ifndef DIRPROBE_APPS_STREAM_CLIENT_H
#define DIRPROBE_APPS_STREAM_CLIENT_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pattern.h"

struct dp_args {
  int port;
  const char* ca;
  const char* cert;
  const char* key;
  const char* out;
  uint64_t send;
  uint64_t recv;
  uint64_t seed;
};

/* The receiving end: counts the bytes and checks each against the pattern, or writes them. */
struct dp_sink {
  uint64_t seed;
  FILE* out;           /* NULL: check against the pattern */
  uint64_t received;
  int64_t first_bad;   /* stream offset of the first byte that differs, -1 if none */
};

static void dp_usage(const char* prog) {
  fprintf(stderr,
          "usage: %s --port P --ca FILE --send N --recv M [--seed S] [--out FILE]"
          " [--cert FILE --key FILE]\n",
          prog);
  exit(1);
}

static void dp_parse_args(int argc, char** argv, struct dp_args* a) {
  memset(a, 0, sizeof *a);
  for (int i = 1; i < argc; ++i) {
    const char* opt = argv[i];
    if (i + 1 >= argc) dp_usage(argv[0]);
    const char* val = argv[++i];
    if (!strcmp(opt, "--port")) a->port = atoi(val);
    else if (!strcmp(opt, "--ca")) a->ca = val;
    else if (!strcmp(opt, "--cert")) a->cert = val;
    else if (!strcmp(opt, "--key")) a->key = val;
    else if (!strcmp(opt, "--out")) a->out = val;
    else if (!strcmp(opt, "--send")) a->send = strtoull(val, NULL, 10);
    else if (!strcmp(opt, "--recv")) a->recv = strtoull(val, NULL, 10);
    else if (!strcmp(opt, "--seed")) a->seed = strtoull(val, NULL, 10);
    else dp_usage(argv[0]);
  }
  if (a->port <= 0 || a->port > 65535 || !a->ca || (!a->cert != !a->key)) dp_usage(argv[0]);
}

/* The program's one session, ended by dp_fail too, so that a log of the run sees its end. */
static gnutls_session_t dp_session;

static void dp_exit(int code) {
  if (dp_session) gnutls_deinit(dp_session);
  exit(code);
}

/* Reports a GnuTLS error by name and exits 1. */
static void dp_fail(const char* call, int rc) {
  const char* name = gnutls_strerror_name(rc);
  fprintf(stderr, "error: %s: %s (%s)\n", call, name ? name : "?", gnutls_strerror(rc));
  dp_exit(1);
}

static void dp_fail_errno(const char* call) {
  fprintf(stderr, "error: %s: %s\n", call, strerror(errno));
  dp_exit(1);
}

/* A TCP connection to 127.0.0.1:port, switched to non-blocking once connected. A write to a
 * socket the server closed fails with EPIPE (an error by name) instead of killing the process. */
static int dp_connect_nonblocking(int port) {
  signal(SIGPIPE, SIG_IGN);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) dp_fail_errno("socket");
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr*)&sa, sizeof sa) < 0) dp_fail_errno("connect");
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) dp_fail_errno("fcntl");
  return fd;
}

/* A client session on fd that verifies the server as "localhost" against --ca and offers the
 * client certificate when one was given. */
static gnutls_session_t dp_session_new(const struct dp_args* a, unsigned flags, int fd) {
  gnutls_certificate_credentials_t cred;
  int rc = gnutls_certificate_allocate_credentials(&cred);
  if (rc < 0) dp_fail("gnutls_certificate_allocate_credentials", rc);
  rc = gnutls_certificate_set_x509_trust_file(cred, a->ca, GNUTLS_X509_FMT_PEM);
  if (rc <= 0) dp_fail("gnutls_certificate_set_x509_trust_file", rc < 0 ? rc : GNUTLS_E_FILE_ERROR);
  if (a->cert) {
    rc = gnutls_certificate_set_x509_key_file(cred, a->cert, a->key, GNUTLS_X509_FMT_PEM);
    if (rc < 0) dp_fail("gnutls_certificate_set_x509_key_file", rc);
  }
  gnutls_session_t s;
  rc = gnutls_init(&s, GNUTLS_CLIENT | flags);
  if (rc < 0) dp_fail("gnutls_init", rc);
  if ((rc = gnutls_set_default_priority(s)) < 0) dp_fail("gnutls_set_default_priority", rc);
  if ((rc = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred)) < 0)
    dp_fail("gnutls_credentials_set", rc);
  if ((rc = gnutls_server_name_set(s, GNUTLS_NAME_DNS, "localhost", 9)) < 0)
    dp_fail("gnutls_server_name_set", rc);
  gnutls_session_set_verify_cert(s, "localhost", 0);
  gnutls_transport_set_int(s, fd);
  dp_session = s;
  return s;
}

static void dp_sink_open(struct dp_sink* k, const struct dp_args* a) {
  memset(k, 0, sizeof *k);
  k->seed = a->seed;
  k->first_bad = -1;
  if (a->out && !(k->out = fopen(a->out, "wb"))) dp_fail_errno("fopen --out");
}

static void dp_sink_consume(struct dp_sink* k, const uint8_t* data, size_t size) {
  if (k->out) {
    if (fwrite(data, 1, size, k->out) != size) dp_fail_errno("fwrite --out");
  } else {
    for (size_t i = 0; i < size && k->first_bad < 0; ++i)
      if (data[i] != dp_pattern_byte(k->seed, k->received + i))
        k->first_bad = (int64_t)(k->received + i);
  }
  k->received += size;
}

/* Prints the result line and returns the exit code: ok when every byte was sent and exactly
 * --recv bytes arrived (and matched the pattern, when checked). */
static int dp_finish(struct dp_sink* k, const struct dp_args* a, uint64_t sent) {
  if (k->out && fclose(k->out) != 0) dp_fail_errno("fclose --out");
  int ok = sent == a->send && k->received == a->recv && k->first_bad < 0;
  printf("sent %" PRIu64 " received %" PRIu64 " %s\n", sent, k->received, ok ? "ok" : "mismatch");
  if (k->first_bad >= 0) fprintf(stderr, "first differing byte at offset %" PRId64 "\n", k->first_bad);
  return ok ? 0 : 1;
}

#endif
