
/* ---- The application: heartbeat pings of the case's sizes, each answered with a pong ----
 *
 * Both sessions enable heartbeat (GNUTLS_HB_PEER_ALLOWED_TO_SEND). After the handshake the
 * subject calls gnutls_heartbeat_ping(session, size, 0, 0) for each size of PINGS; the peer's
 * gnutls_record_recv returns GNUTLS_E_HEARTBEAT_PING_RECEIVED and the peer answers with
 * gnutls_heartbeat_pong, as the manual asks; the subject's gnutls_record_recv then returns
 * GNUTLS_E_HEARTBEAT_PONG_RECEIVED. Finally the subject sends 1 byte that the peer reads.
 * The whole exchange runs in a child process, so that an abort inside GnuTLS is reported. */
#include <signal.h>
#include <sys/wait.h>

static const unsigned ping_sizes[] = PINGS;

/* Calls `call` until it stops returning GNUTLS_E_AGAIN (bounded). */
#define UNTIL_DONE(rc, call)                                                   \
  do {                                                                         \
    for (int try_ = 0; try_ < 100 && ((rc) = (call)) == GNUTLS_E_AGAIN; try_++) \
      ;                                                                        \
  } while (0)

static int fail(const char *what) {
  printf("\nDEVIATION: %s\n", what);
  return 1;
}

static int exchange(void) {
  open_pair(SUBJECT_FLAGS, 0);
  gnutls_heartbeat_enable(subject.s, GNUTLS_HB_PEER_ALLOWED_TO_SEND);
  gnutls_heartbeat_enable(peer.s, GNUTLS_HB_PEER_ALLOWED_TO_SEND);
  handshake_both();
  if (!gnutls_heartbeat_allowed(subject.s, GNUTLS_HB_LOCAL_ALLOWED_TO_SEND)) {
    printf("heartbeat was not negotiated (GnuTLS built without it?): nothing to test\n");
    return 77;
  }
  char what[200];
  int rc;
  for (size_t i = 0; i < sizeof ping_sizes / sizeof ping_sizes[0]; i++) {
    unsigned size = ping_sizes[i];
    printf("subject: gnutls_heartbeat_ping(data_size %u) -> ", size); /* unbuffered: an abort */
    UNTIL_DONE(rc, gnutls_heartbeat_ping(subject.s, size, 0, 0));    /* shows where it was */
    printf("%s\n", rc_name(rc));
    if (rc < 0) {
      struct pollfd p = {peer.fd, POLLIN, 0};
      snprintf(what, sizeof what, "gnutls_heartbeat_ping(data_size %u) failed with %s, which "
               "gnutls_error_is_fatal calls %s; %s reached the peer", size, rc_name(rc),
               gnutls_error_is_fatal(rc) ? "fatal" : "not fatal",
               poll(&p, 1, 0) > 0 ? "bytes" : "nothing");
      return fail(what);
    }
    unsigned char buf[RECV_BUFFER];
    printf("peer: gnutls_record_recv -> ");
    UNTIL_DONE(rc, gnutls_record_recv(peer.s, buf, sizeof buf));
    printf("%s\n", rc_name(rc));
    if (rc != GNUTLS_E_HEARTBEAT_PING_RECEIVED) {
      snprintf(what, sizeof what, "gnutls_heartbeat_ping(data_size %u) returned 0, but the peer's "
               "gnutls_record_recv returned %s instead of the ping", size, rc_name(rc));
      return fail(what);
    }
    printf("peer: gnutls_heartbeat_pong -> ");
    UNTIL_DONE(rc, gnutls_heartbeat_pong(peer.s, 0));
    printf("%s\n", rc_name(rc));
    if (rc < 0) {
      snprintf(what, sizeof what, "the peer received the ping of data_size %u but "
               "gnutls_heartbeat_pong failed with %s: no pong", size, rc_name(rc));
      return fail(what);
    }
    printf("subject: gnutls_record_recv -> ");
    UNTIL_DONE(rc, gnutls_record_recv(subject.s, buf, sizeof buf));
    printf("%s\n", rc_name(rc));
    if (rc != GNUTLS_E_HEARTBEAT_PONG_RECEIVED) {
      snprintf(what, sizeof what, "no pong for the ping of data_size %u: the subject's "
               "gnutls_record_recv returned %s", size, rc_name(rc));
      return fail(what);
    }
  }
  unsigned char byte = stream_byte(0), got = 0;
  UNTIL_DONE(rc, gnutls_record_send(subject.s, &byte, 1));
  printf("subject: gnutls_record_send(1) -> %s\n", rc_name(rc));
  UNTIL_DONE(rc, gnutls_record_recv(peer.s, &got, 1));
  printf("peer: gnutls_record_recv -> %s\n", rc_name(rc));
  if (rc != 1 || got != byte) return fail("the byte sent after the pings did not arrive");
  printf("no deviation: every ping was answered with a pong and the data followed\n");
  return 0;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  pid_t child = fork();
  if (child < 0) setup_failed("fork", 0);
  if (child == 0) exit(exchange());
  int status;
  if (waitpid(child, &status, 0) < 0) setup_failed("waitpid", 0);
  if (WIFSIGNALED(status)) {
    printf("\nDEVIATION: the process was killed by signal %d (%s) inside the call above\n",
           WTERMSIG(status), strsignal(WTERMSIG(status)));
    return 1;
  }
  return WEXITSTATUS(status);
}
