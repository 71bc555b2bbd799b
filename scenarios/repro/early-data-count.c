/* ---- The application: queue 4 KiB of early data "until the returned counts add up" ---- */
int main(void) {
  first_connection();
  open_pair(SUBJECT_FLAGS | GNUTLS_ENABLE_EARLY_DATA, GNUTLS_ENABLE_EARLY_DATA);
  enable_server_early_data(peer.s);
  CHECK(gnutls_session_set_data(subject.s, saved_session.data, saved_session.size));
  printf("the resumed session allows %zu bytes of early data\n",
         gnutls_record_get_max_early_data_size(subject.s));

  /* The manual: the same semantics as gnutls_record_send, returning the number of bytes sent. */
  static unsigned char data[4096];
  fill_stream(data, sizeof data, 0);
  size_t queued = 0;
  ssize_t rc = 0;
  int calls = 0;
  while (queued < sizeof data && calls < 8) {
    rc = gnutls_record_send_early_data(subject.s, data + queued, sizeof data - queued);
    printf("subject: gnutls_record_send_early_data(%zu) -> %s\n", sizeof data - queued, rc_name(rc));
    calls++;
    if (rc < 0) break;
    queued += (size_t)rc;
  }
  if (queued == sizeof data) {
    printf("no deviation: the returned counts add up to %zu bytes\n", queued);
    return 0;
  }
  /* What the calls really queued: complete the handshake and let the server read its early data. */
  if (rc < 0) {
    handshake_both();
    static unsigned char got[32768];
    ssize_t n, total = 0;
    while ((n = gnutls_record_recv_early_data(peer.s, got + total, sizeof got - total)) > 0) total += n;
    int copies = 0;
    for (ssize_t i = 0; i + (ssize_t)sizeof data <= total; i += sizeof data) copies += !memcmp(got + i, data, sizeof data);
    printf("the server received %zd bytes of early data: %d copies of the 4096 bytes\n", total, copies);
  }
  printf("DEVIATION: gnutls_record_send_early_data queued the data but returned 0, not the count of "
         "bytes; calling again until the counts add up (%d calls) ended with %s\n", calls, rc_name(rc));
  return 1;
}
