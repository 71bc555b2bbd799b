
/* ---- What the application does ----
 * After the handshake the subject sends 4 KiB with gnutls_record_send_file from a non-blocking
 * pipe (offset NULL: a pipe cannot seek) that has no data yet. The pipe's producer writes the
 * 4 KiB and closes it right after that first call. Then the application's loop goes on:
 * LOOP_WAITS 0 calls send_file again at once; LOOP_WAITS 1 first waits for the socket to be
 * ready in the direction GnuTLS reported (gnutls_record_get_direction), as the manual says.
 * The contract: GNUTLS_E_AGAIN means that the transport would have blocked, and the direction
 * says which way to wait; the empty pipe is not the transport. */
#include <dlfcn.h>

typedef ssize_t (*send_file_fn)(gnutls_session_t, int, off_t *, size_t);

int main(void) {
  send_file_fn send_file = (send_file_fn)dlsym(RTLD_DEFAULT, "gnutls_record_send_file");
  if (!send_file) {
    printf("this GnuTLS (%s) has no gnutls_record_send_file (added in 3.7.2)\n",
           gnutls_check_version(NULL));
    return 77;
  }
  gnutls_global_init();
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();
  int pipefd[2];
  if (pipe(pipefd) < 0) setup_failed("pipe", 0);
  fcntl(pipefd[0], F_SETFL, fcntl(pipefd[0], F_GETFL) | O_NONBLOCK);
  enum { SIZE = 4096 };

  unsigned pushes = subject.pushes, pulls = subject.pulls;
  ssize_t rc = send_file(subject.s, pipefd[0], NULL, SIZE);
  int dir = gnutls_record_get_direction(subject.s);
  unsigned ops = subject.pushes - pushes + subject.pulls - pulls;
  printf("subject: gnutls_record_send_file(empty pipe, %d) -> %s, direction %d, %u transport "
         "operations\n", SIZE, rc_name(rc), dir, ops);
  bool deviation = rc == GNUTLS_E_AGAIN && ops == 0;
  int first_dir = dir;

  unsigned char data[SIZE], got[SIZE];
  fill_stream(data, SIZE, 0);
  if (write(pipefd[1], data, SIZE) != SIZE) setup_failed("write to the pipe", 0);
  close(pipefd[1]);
  printf("the producer wrote %d bytes into the pipe and closed it\n", SIZE);

  /* The loop; the peer reads whatever arrives. Bounded: about one second in all. */
  ssize_t received = 0;
  bool stuck = false;
  for (int turn = 0; turn < 100 && (rc == GNUTLS_E_AGAIN || received < SIZE); turn++) {
    if (rc == GNUTLS_E_AGAIN && LOOP_WAITS) {
      struct pollfd p = {.fd = subject.fd, .events = dir ? POLLOUT : POLLIN};
      if (poll(&p, 1, 10) == 0) { stuck = true; continue; }   /* still waiting */
      stuck = false;
    }
    if (rc == GNUTLS_E_AGAIN) {
      rc = send_file(subject.s, pipefd[0], NULL, SIZE);
      dir = gnutls_record_get_direction(subject.s);
      printf("subject: gnutls_record_send_file again -> %s, direction %d\n", rc_name(rc), dir);
    }
    ssize_t n = gnutls_record_recv(peer.s, got + received, (size_t)(SIZE - received));
    if (n > 0) received += n;
  }
  printf("the peer received %zd of %d bytes%s\n", received, SIZE,
         received == SIZE && memcmp(got, data, SIZE) == 0 ? ", all correct" : "");
  if (stuck)
    printf("the loop is stuck: it waits for the socket to become %s, which nothing will make it, "
           "while the data sits in the pipe\n", dir ? "writable" : "readable");
  if (deviation) {
    printf("DEVIATION: gnutls_record_send_file returned GNUTLS_E_AGAIN, direction %d, without any "
           "push or pull: the pipe was empty, not the socket%s\n", first_dir,
           stuck ? "; a loop waiting for that direction hangs" : "");
    return 1;
  }
  printf("no deviation: send_file returned %s with %u transport operations\n",
         rc_name(rc), ops);
  return 0;
}
