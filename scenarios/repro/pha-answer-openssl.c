
/* ---- The reproducer: a client answers a certificate request while the server writes ----
 *
 * TLS 1.3 with post-handshake authentication. The peer (an OpenSSL server) writes 16 KiB to
 * the subject (the GnuTLS client), requests its certificate (SSL_verify_client_post_handshake,
 * SSL_do_handshake), writes 16 KiB more (retrying a write that wants to write), then reads.
 * The subject reads with gnutls_record_recv; on GNUTLS_E_REAUTH_REQUEST it answers with
 * gnutls_reauth (with GNUTLS_AUTO_REAUTH recv answers by itself). Its loop is the case's:
 * after GNUTLS_E_AGAIN it calls again only once the socket is ready for the direction
 * gnutls_record_get_direction reported, as the manual says. Each side makes one call per
 * round; the sockets' buffers are small (SOCKET_SNDBUF), as the case's. */
#define CHUNK 16384
#define TOTAL_BYTES (2 * CHUNK)
#define MAX_ROUNDS 300
#define IDLE_ROUNDS 16

static unsigned char out[CHUNK], in[RECV_BUFFER];
static size_t written, received;
static int pha_step, subject_dir = -1; /* the direction of the subject's last E_AGAIN */
static bool answering, answered = SUBJECT_FLAGS & GNUTLS_AUTO_REAUTH, failed; /* recv answers */
static const char *last_call = "gnutls_record_recv";

static bool ready(int fd, int dir) {
  struct pollfd p = {.fd = fd, .events = dir ? POLLOUT : POLLIN};
  return poll(&p, 1, 0) > 0;
}

/* One call of the subject, if its loop lets it call; true if it moved anything. */
static bool subject_round(void) {
  if (subject_dir >= 0 && !ready(subject.fd, subject_dir)) return false;
  clear_blocked(&subject);
  int rc;
  if (answering) last_call = "gnutls_reauth", rc = gnutls_reauth(subject.s, 0);
  else if (received < TOTAL_BYTES)
    last_call = "gnutls_record_recv", rc = (int)gnutls_record_recv(subject.s, in, sizeof in);
  else
    return false;
  subject_dir = rc == GNUTLS_E_AGAIN ? gnutls_record_get_direction(subject.s) : -1;
  if (rc > 0 && !answering) received += (size_t)rc;
  else if (rc == GNUTLS_E_REAUTH_REQUEST) answering = true;
  else if (rc == 0 && answering) answering = false, answered = true;
  else if (rc != GNUTLS_E_AGAIN) failed = true;
  if (rc != GNUTLS_E_AGAIN || subject_dir == 1)
    printf("subject: %s -> %s%s\n", last_call, rc_name(rc),
           subject_dir == 1 ? " (direction 1: it waits for writable)" : "");
  return rc != GNUTLS_E_AGAIN || subject.moved;
}

static bool peer_round(void) {
  size_t n = 0;
  int rc;
  ERR_clear_error();
  clear_blocked(&peer);
  if (written >= CHUNK && pha_step < 2) {
    rc = pha_step++ == 0 ? SSL_verify_client_post_handshake(ossl) : SSL_do_handshake(ossl);
    printf("peer: %s -> %d\n",
           pha_step == 1 ? "SSL_verify_client_post_handshake" : "SSL_do_handshake", rc);
    return true;
  }
  if (written < TOTAL_BYTES) {
    fill_stream(out, CHUNK, written); /* a retry offers the same data */
    rc = SSL_write_ex(ossl, out, CHUNK, &n);
    written += n;
  } else {
    unsigned char sink[1024];
    rc = SSL_read_ex(ossl, sink, sizeof sink, &n);
  }
  int code = SSL_get_error(ossl, rc);
  if (rc <= 0 && code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE) failed = true;
  return n > 0 || peer.moved;
}

int main(void) {
  CHECK(gnutls_global_init());
  open_pair(SUBJECT_FLAGS, 0);
  open_openssl_peer();
  handshake_with_openssl();
  printf("case %s: the OpenSSL server writes %d bytes and requests the client's certificate"
         " after the first %d\n", CASE_ID, TOTAL_BYTES, CHUNK);
  peer_round(); /* the server's first write goes out as the handshake ends */
  int idle = 0;
  for (int round = 0; round < MAX_ROUNDS && idle < IDLE_ROUNDS && !failed; round++) {
    bool progress = subject_round();
    progress = peer_round() || progress;
    if (received >= TOTAL_BYTES && answered) break;
    idle = progress ? 0 : idle + 1;
  }
  if (failed) {
    printf("no deviation of this kind: a call failed\n");
    return 0;
  }
  if (received >= TOTAL_BYTES && answered) {
    printf("no deviation: the certificate request was answered and all %d bytes arrived\n", TOTAL_BYTES);
    return 0;
  }
  /* Stuck: what is each side waiting for, and could it come? (poll with timeout 0) */
  bool s_out = ready(subject.fd, 1), s_in = ready(subject.fd, 0), p_out = ready(peer.fd, 1);
  printf("after %d idle rounds: the subject's last call %s waits for %s (ready now: %s); the"
         " server's SSL_write_ex waits for writable (ready now: %s); the subject's socket %s"
         " unread data; certificate request answered: %s; bytes read %zu of %d\n", IDLE_ROUNDS,
         last_call, subject_dir == 1 ? "writable" : subject_dir == 0 ? "readable" : "nothing",
         subject_dir == 1 ? (s_out ? "yes" : "no") : (s_in ? "yes" : "no"), p_out ? "yes" : "no",
         s_in ? "holds" : "holds no", answered ? "yes" : "no", received, TOTAL_BYTES);
  if (subject_dir == 1 && !s_out && !p_out && s_in) {
    printf("DEVIATION: L1, outcome stalled: both sides wait to write and neither reads: the"
           " subject's %s reported direction 1 and its socket becomes writable only when the"
           " server reads, while the server reads only after its own write, which needs the"
           " subject to read\n", last_call);
    return 1;
  }
  printf("no deviation of this kind: the run did not finish, but not by this deadlock\n");
  return 0;
}
