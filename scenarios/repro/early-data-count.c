/* ---- Resumption with 0-RTT: a first, clean connection gives the client a ticket ---- */
#define CLIENT (SUBJECT_IS_CLIENT ? &subject : &peer)
#define SERVER (SUBJECT_IS_CLIENT ? &peer : &subject)
static gnutls_datum_t ticket_key, saved_session;
static gnutls_anti_replay_t anti_replay;
static gnutls_cipher_algorithm_t suite_cipher; /* the suite the ticket carries */
static gnutls_digest_algorithm_t suite_hash;

/* The anti-replay store: one resumption only, so there is nothing to refuse. */
static int store_nothing(void *p, time_t t, const gnutls_datum_t *k, const gnutls_datum_t *v) {
  (void)p, (void)t, (void)k, (void)v;
  return 0;
}

static void enable_server_early_data(gnutls_session_t s) {
  CHECK(gnutls_session_ticket_enable_server(s, &ticket_key));
  gnutls_anti_replay_enable(s, anti_replay);
  CHECK(gnutls_record_set_max_early_data_size(s, 16384));
}

static void first_connection(void) {
  CHECK(gnutls_session_ticket_key_generate(&ticket_key));
  CHECK(gnutls_anti_replay_init(&anti_replay));
  gnutls_anti_replay_set_add_function(anti_replay, store_nothing);
  subject.faulty = false; /* no faults here */
  open_pair(GNUTLS_ENABLE_EARLY_DATA, GNUTLS_ENABLE_EARLY_DATA);
  enable_server_early_data(SERVER->s);
  handshake_both();
  /* The client reads one byte from the server, and the session ticket that precedes it. */
  unsigned char byte;
  CHECK(gnutls_record_send(SERVER->s, "!", 1));
  ssize_t n = GNUTLS_E_AGAIN;
  for (int i = 0; i < 100 && n == GNUTLS_E_AGAIN; i++) n = gnutls_record_recv(CLIENT->s, &byte, 1);
  if (n != 1) setup_failed("first connection: gnutls_record_recv", (int)n);
  CHECK(gnutls_session_get_data2(CLIENT->s, &saved_session));
  suite_cipher = gnutls_cipher_get(CLIENT->s);
  suite_hash = gnutls_prf_hash_get(CLIENT->s);
  gnutls_deinit(subject.s), gnutls_deinit(peer.s), close(subject.fd), close(peer.fd);
  subject.pushes = subject.pulls = peer.pushes = peer.pulls = 0;
  subject.faulty = true, clear_blocked(&subject);
}

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
