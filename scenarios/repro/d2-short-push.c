
/* ---- What the application does ----
 * After the handshake the peer does not read for a while. The subject sends SEND_CHUNK bytes
 * per gnutls_record_send until a call returns GNUTLS_E_AGAIN (the socket is full). For that
 * call we note every push GnuTLS made: the socket took only part of the record, and no push
 * failed with EAGAIN. Then the peer reads and the subject retries the send with the same data.
 * The contract: GNUTLS_E_AGAIN means that a transport operation would have blocked (EAGAIN),
 * and the direction says which; a push that took part of its bytes did not block.
 * Variants: where the case makes one more call while the send is pending (OTHER_CALL, e.g. a
 * second send of new data), the subject makes it after the E_AGAIN, as the case does; the
 * deviation has been seen by then (data the peer then gets twice, counted as wrong, is another
 * deviation, not this one). */
#ifndef HEARTBEAT
#define HEARTBEAT 0 /* 1: both ends allow heartbeats (the other call is gnutls_heartbeat_ping) */
#endif
#ifdef SEND_FILE /* the other call is gnutls_record_send_file, looked up at run time (>= 3.7.2) */
#include <dlfcn.h>
typedef ssize_t (*send_file_fn)(gnutls_session_t, int, off_t *, size_t);
static send_file_fn send_file;
static int file_fd; /* a temporary file holding the other call's data */
#endif
#ifndef OTHER_BYTES
#define OTHER_BYTES 0
#endif
#ifdef OTHER_CALL
static unsigned char other_data[OTHER_BYTES]; /* the other call's new data */
#endif

static ssize_t other_call(void) {
#ifdef OTHER_CALL
  return OTHER_CALL;
#else
  return 0;
#endif
}

int main(void) {
  gnutls_global_init();
#ifdef SEND_FILE
  send_file = (send_file_fn)dlsym(RTLD_DEFAULT, "gnutls_record_send_file");
  if (!send_file) {
    printf("GnuTLS %s has no gnutls_record_send_file (added in 3.7.2)\n", gnutls_check_version(NULL));
    return 77;
  }
  FILE *file = tmpfile();
  file_fd = file ? fileno(file) : -1;
#endif
  open_pair(SUBJECT_FLAGS, 0);
  if (HEARTBEAT) {
    gnutls_heartbeat_enable(subject.s, GNUTLS_HB_PEER_ALLOWED_TO_SEND);
    gnutls_heartbeat_enable(peer.s, GNUTLS_HB_PEER_ALLOWED_TO_SEND);
  }
  handshake_both();
  if (HEARTBEAT && !gnutls_heartbeat_allowed(subject.s, GNUTLS_HB_LOCAL_ALLOWED_TO_SEND)) {
    printf("heartbeat was not negotiated: GnuTLS %s is built without it\n", gnutls_check_version(NULL));
    return 77;
  }

  static unsigned char chunk[SEND_CHUNK], got[SEND_CHUNK];
  uint64_t offset = 0;
  ssize_t rc = 0;
  for (int i = 0; i < 64; i++, offset += SEND_CHUNK) {   /* the peer is not reading yet */
    fill_stream(chunk, SEND_CHUNK, offset);
    clear_blocked(&subject); /* also counts the call's pushes (subject.ios) afresh */
    rc = gnutls_record_send(subject.s, chunk, SEND_CHUNK);
    printf("subject: gnutls_record_send(%d) -> %s, direction %d", SEND_CHUNK, rc_name(rc),
           gnutls_record_get_direction(subject.s));
    if (subject.ios > 0) printf(" (%u push(es), the last asked %zu bytes, took %zd)", subject.ios,
                                subject.last.asked, subject.last.got);
    printf("\n");
    if (rc != SEND_CHUNK) break;
  }
  if (rc != GNUTLS_E_AGAIN) {
    printf("no deviation: the sends never returned GNUTLS_E_AGAIN (last: %s)\n", rc_name(rc));
    return 0;
  }
  bool short_push = !subject.blocked && subject.ios > 0 && subject.last.op == OP_PUSH &&
                    subject.last.got > 0 && (size_t)subject.last.got < subject.last.asked;
  bool had_blocked = subject.blocked;
  int dir = gnutls_record_get_direction(subject.s);
  size_t asked = subject.last.asked;
  ssize_t took = subject.last.got;
  ssize_t other = 0; /* the case's other call, once, while the send is pending */
#ifdef OTHER_CALL
  fill_stream(other_data, sizeof other_data, offset + SEND_CHUNK); /* its data follows the chunk's */
#ifdef SEND_FILE
  if (file_fd < 0 || write(file_fd, other_data, OTHER_BYTES) != OTHER_BYTES || lseek(file_fd, 0, SEEK_SET) != 0)
    setup_failed("temporary file", 0);
#endif
  other = other_call();
  printf("subject: %s -> %s\n", OTHER_NAME, rc_name(other));
#endif

  /* The peer reads; the subject retries each pending call (the send with the same data). */
  uint64_t received = 0, wrong = 0;
  for (int turn = 0; turn < 1000; turn++) {
    ssize_t n = gnutls_record_recv(peer.s, got, sizeof got);
    for (ssize_t j = 0; j < n; j++) wrong += got[j] != stream_byte(received + (uint64_t)j);
    if (n > 0) received += (uint64_t)n;
    if (other == GNUTLS_E_AGAIN) other = other_call(); /* the other call first, while pending */
    else if (rc == GNUTLS_E_AGAIN) rc = gnutls_record_send(subject.s, chunk, SEND_CHUNK);
    else if (n == GNUTLS_E_AGAIN) break; /* all sent, and the peer has read it all */
  }
  printf("subject: the retried send -> %s", rc_name(rc));
#ifdef OTHER_CALL
  printf(", the other call in the end -> %s", rc_name(other));
#endif
  printf("; the peer received %llu of %llu bytes, %llu wrong\n", (unsigned long long)received,
         (unsigned long long)(offset + SEND_CHUNK + (other > 0 ? (uint64_t)OTHER_BYTES : 0)),
         (unsigned long long)wrong);
  if (short_push) {
    printf("DEVIATION: gnutls_record_send returned GNUTLS_E_AGAIN, direction %d, although no push "
           "blocked: its last push took %zd of %zu bytes and GnuTLS returned without pushing the "
           "rest\n", dir, took, asked);
    return 1;
  }
  printf("no deviation: the E_AGAIN came %s\n",
         had_blocked ? "with a push that failed with EAGAIN" : "without a short push");
  return 0;
}
