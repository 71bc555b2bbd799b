
/* ---- The reproducer: the subject requests a KeyUpdate while the peer's send is pending ----
 *
 * TLS 1.3. The peer (GnuTLS) streams TOTAL_BYTES to the subject in 16 KiB gnutls_record_send
 * calls, retrying a send that returned GNUTLS_E_AGAIN with the same data, and calls
 * gnutls_record_recv each round. After reading KU_AFTER bytes the subject calls
 * gnutls_session_key_update(GNUTLS_KU_PEER), which asks the peer to update its keys too.
 * The peer's recv takes the request in while its own send is pending; its retried send must
 * still finish that one send. The manual says that after GNUTLS_E_AGAIN the application repeats
 * the call with the same data and that this completes the interrupted send. */
#ifndef KU_AFTER
#define KU_AFTER 0
#endif
#ifndef TOTAL_BYTES
#define TOTAL_BYTES (256 * 1024)
#endif

static const size_t ku_after = KU_AFTER;
static bool key_update_sent;
static int quiet_after = 3; /* print only the first sends after the key update */
static int recv_dir = -1;         /* the direction the subject's last E_AGAIN reported */
static ssize_t fatal;             /* a fatal error of either side */

static bool subject_read(void) {
  ssize_t rc = subject_take(TOTAL_BYTES, &recv_dir);
  if (rc <= 0 && rc != GNUTLS_E_AGAIN) fatal = rc, printf("subject: gnutls_record_recv -> %s\n", rc_name(rc));
  return rc > 0;
}

static bool subject_round(void) {
  if (!key_update_sent && stream_received >= ku_after) {
    int rc = gnutls_session_key_update(subject.s, GNUTLS_KU_PEER);
    printf("subject: gnutls_session_key_update(GNUTLS_KU_PEER) after reading %zu bytes -> %s\n",
           stream_received, rc_name(rc));
    if (rc < 0 && rc != GNUTLS_E_AGAIN) fatal = rc;
    key_update_sent = rc == 0;
    return rc == 0;
  }
  return stream_received < TOTAL_BYTES && may_call(recv_dir) && subject_read();
}

static bool peer_round(void) {
  bool progress = false;
  if (peer_sent < TOTAL_BYTES) {
    ssize_t rc = peer_send_next(TOTAL_BYTES, key_update_sent ? &quiet_after : NULL);
    if (rc > 0) progress = true;
    else if (rc != GNUTLS_E_AGAIN) fatal = rc;
  }
  unsigned char sink[RECV_BUFFER];
  clear_blocked(&peer);
  ssize_t rc = gnutls_record_recv(peer.s, sink, sizeof sink);
  if (peer.moved && key_update_sent)
    printf("peer: gnutls_record_recv took in the KeyUpdate request (its send at offset %zu %s pending) -> %s\n",
           peer_sent, peer_pending ? "is" : "is not", rc_name(rc));
  return progress || peer.moved;
}

int main(void) {
  CHECK(gnutls_global_init());
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();
  printf("case %s: the peer sends %d bytes, the subject requests a KeyUpdate after reading %d\n", CASE_ID,
         TOTAL_BYTES, KU_AFTER);
  return run_peer_stream(TOTAL_BYTES, subject_round, peer_round, &fatal,
                         "the peer's pending record went out with its"
                         " answer to the KeyUpdate and its retried send sent the same data a second time",
                         "every byte arrived once and in order");
}
