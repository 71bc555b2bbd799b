
/* ---- What the application does ----
 * After the handshake the subject waits for data with gnutls_record_recv, while the peer,
 * one step per turn, sends eight KeyUpdate messages (gnutls_session_key_update) and then
 * 1 KiB of data, or (EMPTY_RECORD) sends 8 KiB, then a TLS 1.3 record that holds no data, only
 * 32 bytes of padding (gnutls_record_send2 with 0 bytes), then 8 KiB more. Each recv of the
 * subject notes the pulls GnuTLS made. (A recv cannot return 0 for the empty record: 0 is end
 * of stream.)
 * The contract: GNUTLS_E_AGAIN means that a transport operation would have blocked (EAGAIN),
 * and the direction says which. A recv that read a whole record and then returned E_AGAIN
 * without trying the socket again reports a block that never happened. */
#if EMPTY_RECORD /* the peer's steps: 8 KiB, a record without data, 8 KiB */
#define PEER_STEPS 3
#define PEER_STEP(i) ((i) != 1 ? peer_send(8192) : peer_send_empty(32))
#else /* the peer's steps: eight KeyUpdates, then 1 KiB of data */
#define PEER_STEPS 9
#define PEER_STEP(i) ((i) < 8 ? gnutls_session_key_update(peer.s, 0) : peer_send(1024))
#endif

static uint64_t peer_sent;

static inline int peer_send(size_t size) { /* the next `size` bytes of the stream */
  static unsigned char buf[16384];
  fill_stream(buf, size, peer_sent);
  ssize_t n = gnutls_record_send(peer.s, buf, size);
  if (n > 0) peer_sent += (uint64_t)n;
  return (int)n;
}
static inline int peer_send_empty(size_t pad) { /* a record with no data, `pad` bytes of padding */
  static unsigned char none[1];
  return (int)gnutls_record_send2(peer.s, none, 0, pad, 0);
}

int main(void) {
  gnutls_global_init();
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();

  static unsigned char buf[RECV_BUFFER];
  uint64_t received = 0, wrong = 0;
  int deviations = 0, step = 0;
  size_t asked = 0;
  for (int turn = 0; turn < 100 && (step < PEER_STEPS || received < peer_sent); turn++) {
    clear_blocked(&subject); /* also counts the call's pulls (subject.ios) afresh */
    ssize_t rc = gnutls_record_recv(subject.s, buf, sizeof buf);
    int dir = gnutls_record_get_direction(subject.s);
    for (ssize_t j = 0; j < rc; j++) wrong += buf[j] != stream_byte(received + (uint64_t)j);
    if (rc > 0) received += (uint64_t)rc;
    printf("subject: gnutls_record_recv(%zu) -> %s, direction %d", sizeof buf, rc_name(rc), dir);
    if (subject.ios > 0) printf(" (%u pull(s), the last asked %zu bytes, got %zd)", subject.ios,
                                subject.last.asked, subject.last.got);
    printf("\n");
    if (rc == GNUTLS_E_AGAIN && !subject.blocked && subject.ios > 0 &&
        subject.last.op == OP_PULL && subject.last.got > 0) {
      if (deviations++ == 0) asked = subject.last.asked;
    } else if (rc < 0 && rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED) {
      break;
    }
    if (step < PEER_STEPS) {
      int prc = PEER_STEP(step);
      printf("peer: step %d -> %s\n", step + 1, rc_name(prc));
      step++;
    }
  }
  printf("the subject received %llu of the %llu bytes the peer sent, %llu wrong\n",
         (unsigned long long)received, (unsigned long long)peer_sent, (unsigned long long)wrong);
  if (deviations > 0) {
    printf("DEVIATION: gnutls_record_recv returned GNUTLS_E_AGAIN, direction 0, %d time(s) although "
           "no pull blocked: each time its last pull succeeded (the first read the %zu-byte body "
           "of a record) and it returned without trying the socket again\n", deviations, asked);
    return 1;
  }
  printf("no deviation: every GNUTLS_E_AGAIN of recv came with a pull that failed with EAGAIN\n");
  return 0;
}
