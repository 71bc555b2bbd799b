
/* ---- Resumption with 0-RTT: a first, clean connection gives the client a ticket ----
 *   CLIENT, SERVER                  the kit's ends in those roles
 *   enable_server_early_data(s)     a GnuTLS server session takes tickets and 16 KiB of early
 *                                   data (no replay to refuse: one resumption only)
 *   first_connection()              a connection without faults; the client reads one byte from
 *                                   the server and the session ticket that precedes it. Then
 *                                   saved_session holds the client's session, suite_cipher and
 *                                   suite_hash the suite the ticket carries; both sessions are
 *                                   closed and the counts start again. With PEER_OPENSSL (and
 *                                   the OpenSSL kit before this one) the server is OpenSSL. */
#ifndef PEER_OPENSSL
#define PEER_OPENSSL 0
#endif
#define CLIENT (SUBJECT_IS_CLIENT ? &subject : &peer)
#define SERVER (SUBJECT_IS_CLIENT ? &peer : &subject)
static gnutls_datum_t ticket_key, saved_session;
static gnutls_anti_replay_t anti_replay;
static gnutls_cipher_algorithm_t suite_cipher;
static gnutls_digest_algorithm_t suite_hash;

static int store_nothing(void *p, time_t t, const gnutls_datum_t *k, const gnutls_datum_t *v) {
  (void)p, (void)t, (void)k, (void)v;
  return 0;
}

static inline void enable_server_early_data(gnutls_session_t s) {
  if (!ticket_key.data) {
    CHECK(gnutls_session_ticket_key_generate(&ticket_key));
    CHECK(gnutls_anti_replay_init(&anti_replay));
    gnutls_anti_replay_set_add_function(anti_replay, store_nothing);
  }
  CHECK(gnutls_session_ticket_enable_server(s, &ticket_key));
  gnutls_anti_replay_enable(s, anti_replay);
  CHECK(gnutls_record_set_max_early_data_size(s, 16384));
}

static inline void first_connection(void) {
  subject.faulty = false; /* no faults here */
  open_pair(GNUTLS_ENABLE_EARLY_DATA, GNUTLS_ENABLE_EARLY_DATA);
#if PEER_OPENSSL
  size_t written;
  open_openssl_peer(); /* one SSL_CTX: it takes its tickets back */
  handshake_with_openssl();
  if (SSL_write_ex(ossl, "!", 1, &written) != 1) setup_failed("SSL_write_ex", 0);
#else
  enable_server_early_data(SERVER->s);
  handshake_both();
  CHECK(gnutls_record_send(SERVER->s, "!", 1));
#endif
  unsigned char byte;
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
