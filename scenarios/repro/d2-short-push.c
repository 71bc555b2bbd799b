
/* ---- What the application does ----
 * After the handshake the peer does not read for a while. The subject sends SEND_CHUNK bytes
 * per gnutls_record_send until a call returns GNUTLS_E_AGAIN (the socket is full). For that
 * call we note every push GnuTLS made: the socket took only part of the record, and no push
 * failed with EAGAIN. Then the peer reads and the subject retries the send with the same data.
 * The contract: GNUTLS_E_AGAIN means that a transport operation would have blocked (EAGAIN),
 * and the direction says which; a push that took part of its bytes did not block. */

static struct { size_t asked; ssize_t got; unsigned count; } last; /* last push of a call */

static ssize_t watch_push(gnutls_transport_ptr_t p, const void *data, size_t size) {
  ssize_t n = end_push(p, data, size);
  last.asked = size, last.got = n, last.count++;
  return n;
}
/* GnuTLS hands a whole flight to one vectored push, as writev(2) would take it. */
static ssize_t watch_vec_push(gnutls_transport_ptr_t p, const giovec_t *iov, int count) {
  static unsigned char flat[1 << 17];
  size_t size = 0;
  for (int i = 0; i < count && size + iov[i].iov_len <= sizeof flat; i++)
    memcpy(flat + size, iov[i].iov_base, iov[i].iov_len), size += iov[i].iov_len;
  return watch_push(p, flat, size);
}

int main(void) {
  gnutls_global_init();
  open_pair(SUBJECT_FLAGS, 0);
  /* As in the case, the server does not ask for a client certificate. */
  gnutls_certificate_server_set_request(SUBJECT_IS_CLIENT ? peer.s : subject.s, GNUTLS_CERT_IGNORE);
  gnutls_transport_set_push_function(subject.s, watch_push);
  gnutls_transport_set_vec_push_function(subject.s, watch_vec_push);
  handshake_both();

  static unsigned char chunk[SEND_CHUNK], got[SEND_CHUNK];
  uint64_t offset = 0;
  ssize_t rc = 0;
  for (int i = 0; i < 64; i++, offset += SEND_CHUNK) {   /* the peer is not reading yet */
    fill_stream(chunk, SEND_CHUNK, offset);
    clear_blocked(&subject);
    last.count = 0;
    rc = gnutls_record_send(subject.s, chunk, SEND_CHUNK);
    printf("subject: gnutls_record_send(%d) -> %s, direction %d", SEND_CHUNK, rc_name(rc),
           gnutls_record_get_direction(subject.s));
    if (last.count > 0) printf(" (%u push(es), the last asked %zu bytes, took %zd)", last.count,
                               last.asked, last.got);
    printf("\n");
    if (rc != SEND_CHUNK) break;
  }
  if (rc != GNUTLS_E_AGAIN) {
    printf("no deviation: the sends never returned GNUTLS_E_AGAIN (last: %s)\n", rc_name(rc));
    return 0;
  }
  bool short_push = !subject.blocked && last.count > 0 && last.got > 0 &&
                    (size_t)last.got < last.asked;
  bool had_blocked = subject.blocked;
  int dir = gnutls_record_get_direction(subject.s);
  size_t asked = last.asked;
  ssize_t took = last.got;

  /* The peer reads; the subject retries with the same data until the chunk is sent. */
  uint64_t received = 0, wrong = 0;
  for (int turn = 0; turn < 1000 && (rc == GNUTLS_E_AGAIN || received < offset + SEND_CHUNK); turn++) {
    ssize_t n = gnutls_record_recv(peer.s, got, sizeof got);
    for (ssize_t j = 0; j < n; j++) wrong += got[j] != stream_byte(received + (uint64_t)j);
    if (n > 0) received += (uint64_t)n;
    if (rc == GNUTLS_E_AGAIN) rc = gnutls_record_send(subject.s, chunk, SEND_CHUNK);
  }
  printf("subject: the retried send -> %s; the peer received %llu of %llu bytes, %llu wrong\n",
         rc_name(rc), (unsigned long long)received, (unsigned long long)(offset + SEND_CHUNK),
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
