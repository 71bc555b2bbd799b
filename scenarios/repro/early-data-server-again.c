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
