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

/* ---- What the server's transport did last (its push and pull go through the kit's) ---- */
static int last_op = -1; /* OP_PUSH or OP_PULL */
static ssize_t last_result;
static ssize_t noting_push(gnutls_transport_ptr_t p, const void *data, size_t size) {
  last_op = OP_PUSH;
  return last_result = end_push(p, data, size);
}
static ssize_t noting_pull(gnutls_transport_ptr_t p, void *data, size_t size) {
  last_op = OP_PULL;
  return last_result = end_pull(p, data, size);
}

int main(void) {
  first_connection();
  open_pair(SUBJECT_FLAGS | GNUTLS_ENABLE_EARLY_DATA, GNUTLS_ENABLE_EARLY_DATA);
  enable_server_early_data(subject.s);
  CHECK(gnutls_session_set_data(peer.s, saved_session.data, saved_session.size));
  gnutls_transport_set_push_function(subject.s, noting_push);
  gnutls_transport_set_pull_function(subject.s, noting_pull);

  /* The server's handshake and the client's (which queued 4 KiB of early data first), in turn.
   * The contract: E_AGAIN means the call could not go on because the transport blocked. */
  static unsigned char data[4096], got[8192];
  fill_stream(data, sizeof data, 0);
  int a = GNUTLS_E_AGAIN, b = GNUTLS_E_AGAIN, spurious = 0;
  for (int turn = 0; turn < 50 && (a != 0 || b != 0); turn++) {
    if (a != 0) {
      clear_blocked(&subject);
      last_op = -1;
      a = gnutls_handshake(subject.s);
      bool again = a == GNUTLS_E_AGAIN || a == GNUTLS_E_INTERRUPTED;
      bool after_pull = last_op == OP_PULL && last_result > 0;
      printf("subject: gnutls_handshake -> %s", rc_name(a));
      if (again) printf(", direction %d, %s", gnutls_record_get_direction(subject.s),
                        subject.blocked ? "a push or pull blocked" : "nothing blocked");
      if (again && !subject.blocked && after_pull)
        printf(" (its last operation, a pull, read %zd bytes)", last_result), spurious++;
      printf("\n");
      if (a < 0 && !again) break;
    }
    if (turn == 0)
      printf("peer:    gnutls_record_send_early_data(4096) -> %s\n",
             rc_name(gnutls_record_send_early_data(peer.s, data, sizeof data)));
    else if (b != 0 && (b = gnutls_handshake(peer.s)) < 0 && gnutls_error_is_fatal(b)) break;
  }
  printf("peer:    gnutls_handshake -> %s\n", rc_name(b));
  if (a != 0 || b != 0) setup_failed("the handshake did not complete", a < 0 ? a : b);
  ssize_t n = gnutls_record_recv_early_data(subject.s, got, sizeof got);
  printf("subject: gnutls_record_recv_early_data -> %s%s\n", rc_name(n),
         n == (ssize_t)sizeof data && !memcmp(got, data, sizeof data) ? " (the client's 4096 bytes)" : "");
  if (spurious == 0) {
    printf("no deviation: every E_AGAIN of the server's handshake came from a blocked push or pull\n");
    return 0;
  }
  printf("DEVIATION: D2:after-successful-pull: gnutls_handshake returned E_AGAIN %d time(s) right after "
         "a pull that read the client's records, although no push or pull blocked\n", spurious);
  return 1;
}
