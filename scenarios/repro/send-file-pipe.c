
/* ---- The application: gnutls_record_send_file from a pipe, retried after E_AGAIN ----
 *
 * The subject sends 64 KiB that it reads from a non-blocking pipe with
 * gnutls_record_send_file(session, pipe, NULL, count) (a pipe cannot seek, so the offset is
 * NULL), then the next 1 KiB of the stream with gnutls_record_send. After E_AGAIN it calls the
 * same function again for what the calls have not yet reported sent, as for any send (or, with
 * RETRY_NULL, first flushes with gnutls_record_send(NULL, 0) until that returns). The peer
 * reads everything and checks each byte against the stream. */
#include <dlfcn.h>
#include <sys/types.h>

#define PIPE_BYTES 65536 /* what the pipe holds: bytes 0..65535 of the stream (one pipe's worth) */
#define TAIL_BYTES 1024  /* then bytes 65536..66559 with gnutls_record_send */
#define TOTAL (PIPE_BYTES + TAIL_BYTES)

typedef ssize_t (*send_file_fn)(gnutls_session_t, int, off_t *, size_t);

/* An oblivious loop calls again at once; a loop that waits calls again after E_AGAIN only
 * once the socket is ready in the direction GnuTLS reported. */
static bool subject_may_call(bool after_again) {
  if (!LOOP_WAITS || !after_again) return true;
  struct pollfd p = {subject.fd, gnutls_record_get_direction(subject.s) ? POLLOUT : POLLIN, 0};
  return poll(&p, 1, 0) > 0;
}

int main(void) {
  send_file_fn send_file = (send_file_fn)dlsym(RTLD_DEFAULT, "gnutls_record_send_file");
  if (!send_file) {
    printf("GnuTLS %s has no gnutls_record_send_file (added in 3.7.2): nothing to test\n",
           gnutls_check_version(NULL));
    return 77;
  }
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();

  static unsigned char stream[TOTAL], received[TOTAL + 16384];
  fill_stream(stream, TOTAL, 0);
  int pipefd[2];
  if (pipe(pipefd) < 0) setup_failed("pipe", 0);
  fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
  if (write(pipefd[1], stream, PIPE_BYTES) != PIPE_BYTES) setup_failed("filling the pipe", 0);
  close(pipefd[1]); /* the producer is done: the pipe ends after these 64 KiB */

  enum { SEND_FILE, FLUSH, SEND_TAIL, DONE } step = SEND_FILE;
  size_t reported = 0, got = 0; /* bytes the subject's calls reported sent; the peer received */
  bool after_again = false;
  for (int turn = 0, idle = 0; turn < 300 && idle < 16 && got < TOTAL; turn++) {
    bool progress = false;
    if (step != DONE && subject_may_call(after_again)) {
      ssize_t rc;
      if (step == SEND_FILE) {
        rc = send_file(subject.s, pipefd[0], NULL, PIPE_BYTES - reported);
        printf("subject: gnutls_record_send_file(pipe, NULL, %zu) -> %s\n", PIPE_BYTES - reported,
               rc_name(rc));
        if (rc == 0 || (rc > 0 && reported + (size_t)rc >= PIPE_BYTES)) step = SEND_TAIL;
        if (rc == GNUTLS_E_AGAIN && RETRY_NULL) step = FLUSH;
      } else if (step == FLUSH) {
        rc = gnutls_record_send(subject.s, NULL, 0);
        printf("subject: gnutls_record_send(NULL, 0) -> %s\n", rc_name(rc));
        if (rc >= 0 || rc == GNUTLS_E_INVALID_REQUEST) step = SEND_FILE; /* nothing pending */
      } else {
        rc = gnutls_record_send(subject.s, stream + PIPE_BYTES, TAIL_BYTES);
        printf("subject: gnutls_record_send(%d) -> %s\n", TAIL_BYTES, rc_name(rc));
        if (rc > 0) step = DONE;
      }
      if (rc > 0) reported += (size_t)rc;
      if (rc < 0 && rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INVALID_REQUEST) {
        printf("no deviation: the subject's call failed with %s\n", rc_name(rc));
        return 0;
      }
      after_again = rc == GNUTLS_E_AGAIN;
      progress = rc >= 0;
    }
    ssize_t n = gnutls_record_recv(peer.s, received + got, RECV_BUFFER);
    if (n > 0) {
      printf("peer: gnutls_record_recv -> %zd (bytes %zu..%zu of the stream)\n", n, got,
             got + (size_t)n - 1);
      got += (size_t)n;
      progress = true;
    } else if (n != GNUTLS_E_AGAIN) {
      printf("peer: gnutls_record_recv -> %s\n", rc_name(n));
      break;
    }
    idle = progress ? 0 : idle + 1;
  }

  /* What arrived: every byte once, in order, is the contract. */
  size_t bad = 0;
  while (bad < got && bad < TOTAL && received[bad] == stream[bad]) bad++;
  struct pollfd p = {peer.fd, POLLIN, 0};
  bool peer_starved = got < TOTAL && step == DONE && poll(&p, 1, 0) == 0;
  printf("subject's calls reported %zu bytes sent; the peer received %zu of %d\n", reported, got,
         TOTAL);
  if (bad < got) {
    printf("DEVIATION: the peer received a stream with holes: byte at offset %zu is %u, expected "
           "%u (gnutls_record_send_file dropped pipe data while it flushed a pending record)%s\n",
           bad, received[bad], stream[bad],
           peer_starved ? "; the peer waits for bytes that will never come (stalled)" : "");
    return 1;
  }
  if (got < TOTAL) {
    printf("DEVIATION: the peer received only %zu of %d bytes and %s\n", got, TOTAL,
           peer_starved ? "nothing more is on its way (stalled)" : "the subject did not finish");
    return 1;
  }
  printf("no deviation: the peer received all %d bytes once, in order\n", TOTAL);
  return 0;
}
