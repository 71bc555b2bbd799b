
/* ---- The application: gnutls_record_uncork(GNUTLS_RECORD_WAIT) on a non-blocking socket ----
 *
 * The subject corks the session, sends CORKED_BYTES (more than the small socket buffers
 * hold), and calls gnutls_record_uncork(session, GNUTLS_RECORD_WAIT). The peer is driven by
 * this same thread, so it can read only once the uncork returns. The manual says the flag
 * makes the call retry E_AGAIN itself; on a non-blocking transport an application expects
 * control back (E_AGAIN, or the bytes sent). A timer bounds the call: if it has not returned
 * after WAIT_SECONDS, the program reports how often the call pushed meanwhile. */
#include <signal.h>

#define CORKED_BYTES 65536
#define WAIT_SECONDS 2

static unsigned pushes_before; /* the subject's pushes before the uncork */

static void timed_out(int sig) {
  (void)sig;
  char line[300];
  int n = snprintf(line, sizeof line, "\nDEVIATION: gnutls_record_uncork(GNUTLS_RECORD_WAIT) had "
                   "not returned after %d s: it called the subject's push function %u times "
                   "(%s EAGAIN) while the peer, driven by the same thread, could not read\n",
                   WAIT_SECONDS, subject.pushes - pushes_before, subject.blocked ? "getting" : "never getting");
  if (write(STDOUT_FILENO, line, (size_t)n) < 0) _exit(2);
  _exit(1);
}

int main(void) {
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();
  static unsigned char stream[CORKED_BYTES];
  fill_stream(stream, CORKED_BYTES, 0);

  gnutls_record_cork(subject.s);
  for (size_t sent = 0; sent < CORKED_BYTES; sent += SEND_CHUNK) {
    ssize_t rc = gnutls_record_send(subject.s, stream + sent, SEND_CHUNK);
    if (rc != SEND_CHUNK) setup_failed("corked gnutls_record_send", (int)rc);
  }
  printf("subject: corked %d bytes (gnutls_record_check_corked: %zu)\n", CORKED_BYTES,
         gnutls_record_check_corked(subject.s));
  printf("subject: gnutls_record_uncork(GNUTLS_RECORD_WAIT) -> ");
  fflush(stdout);
  signal(SIGALRM, timed_out);
  alarm(WAIT_SECONDS);
  clear_blocked(&subject);
  pushes_before = subject.pushes;
  int rc = gnutls_record_uncork(subject.s, GNUTLS_RECORD_WAIT);
  alarm(0);
  printf("%s after %u pushes\n", rc_name(rc), subject.pushes - pushes_before);
  printf("no deviation: the call returned control to the application\n");
  return 0;
}
