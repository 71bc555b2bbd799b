
/* ---- The reproducer: a client renegotiates while the OpenSSL server is writing ----
 *
 * TLS 1.2. The peer (an OpenSSL server) streams TOTAL_BYTES to the subject (the GnuTLS client)
 * in 16 KiB SSL_write_ex calls and calls SSL_read_ex after each; a write that wants to write
 * again is retried with the same data. The subject first sends and reads 16 KiB, then starts a
 * renegotiation with gnutls_handshake while the server's next write is still on its way; when
 * gnutls_handshake returns GNUTLS_E_GOT_APPLICATION_DATA it reads the data with
 * gnutls_record_recv and calls gnutls_handshake again, as the manual says ('TLS 1.2
 * re-authentication', gnutls_handshake(3)). Each side makes its calls in turn, one round at a
 * time. A hook counts the ClientHello messages the subject sends and every push of the subject
 * during the renegotiation is shown, so the wire shows what OpenSSL is given. */
#define CHUNK 16384
#define TOTAL_BYTES (5 * CHUNK)
#define MAX_ROUNDS 500
#define IDLE_ROUNDS 16 /* rounds without progress before the run counts as stuck */

static unsigned char out[CHUNK], in[RECV_BUFFER], sink[RECV_BUFFER];
static size_t written, received, mismatch = (size_t)-1; /* by the peer, by the subject */
static size_t subject_sent, peer_read;                 /* the subject's 16 KiB before it */
static int hellos, subject_dir = -1;   /* subject_dir: the direction of its last E_AGAIN */
static bool renegotiating, subject_done, write_pending; /* write_pending: SSL_write_ex unfinished */
static bool pending_at_failure;
static int fatal_side;                 /* 1 the subject failed, 2 the peer */
static char fatal_text[512], reason[200];

static int count_hello(gnutls_session_t s, unsigned type, unsigned when, unsigned incoming,
                       const gnutls_datum_t *msg) {
  (void)s, (void)type, (void)when, (void)incoming, (void)msg;
  printf("subject: ClientHello #%d handed to the record layer\n", ++hellos);
  return 0;
}
static void show_push(struct end *e, int op, size_t asked, ssize_t got) {
  if (e == &subject && op == OP_PUSH && renegotiating)
    printf("subject: push of %zu bytes -> %zd%s\n", asked, got,
           write_pending ? " (the server's SSL_write_ex is unfinished)" : "");
}

/* A loop that waits (LOOP_WAITS) calls only when the socket is ready for the direction
 * gnutls_record_get_direction reported; with timeout 0 nothing is waited out. */
static bool ready(void) {
  if (!LOOP_WAITS || subject_dir < 0) return true;
  struct pollfd p = {.fd = subject.fd, .events = subject_dir ? POLLOUT : POLLIN};
  return poll(&p, 1, 0) > 0;
}

static void subject_failed(const char *call, ssize_t rc) {
  snprintf(fatal_text, sizeof fatal_text, "the subject's %s failed with %s", call, rc_name(rc));
  printf("subject: %s -> %s\n", call, rc_name(rc));
  fatal_side = 1;
}

static void subject_recv(void) {
  ssize_t n = gnutls_record_recv(subject.s, in, sizeof in);
  if (n == GNUTLS_E_AGAIN) subject_dir = gnutls_record_get_direction(subject.s);
  for (ssize_t i = 0; i < n && mismatch == (size_t)-1; i++)
    if (in[i] != stream_byte(received + (size_t)i)) mismatch = received + (size_t)i;
  if (n > 0) received += (size_t)n;
  else if (n != GNUTLS_E_AGAIN) subject_failed("gnutls_record_recv", n);
}

/* One round of the subject: 16 KiB each way, then the renegotiation. */
static void subject_round(void) {
  if (!ready()) return;
  subject_dir = -1;
  if (subject_sent < CHUNK || received < CHUNK) {
    if (subject_sent < CHUNK) {
      fill_stream(out, CHUNK, 0); /* a retry offers the same data */
      ssize_t n = gnutls_record_send(subject.s, out, CHUNK);
      if (n > 0) subject_sent += (size_t)n;
      else if (n == GNUTLS_E_AGAIN) subject_dir = gnutls_record_get_direction(subject.s);
      else {
        subject_failed("gnutls_record_send", n);
        return;
      }
    }
    if (received < CHUNK) subject_recv();
    return;
  }
  if (!renegotiating) printf("subject: sent %zu and read %zu bytes; it calls gnutls_handshake"
                             " to renegotiate\n", subject_sent, received);
  renegotiating = true;
  int rc = gnutls_handshake(subject.s);
  printf("subject: gnutls_handshake -> %s\n", rc_name(rc));
  if (rc == 0) subject_done = true;
  else if (rc == GNUTLS_E_AGAIN) subject_dir = gnutls_record_get_direction(subject.s);
  else if (rc == GNUTLS_E_GOT_APPLICATION_DATA) subject_recv(); /* then the handshake again */
  else subject_failed("gnutls_handshake", rc);
}

/* False (and the failure noted) unless the call succeeded or only wants to be called again. */
static bool peer_ok(int rc, const char *call) {
  int code = SSL_get_error(ossl, rc);
  if (rc > 0 || code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) return true;
  unsigned long err = ERR_peek_error();
  const char *why = err ? ERR_reason_error_string(err) : NULL;
  snprintf(reason, sizeof reason, "%s", why ? why : "no reason queued");
  char text[200] = "no error queued";
  if (err) ERR_error_string_n(err, text, sizeof text);
  snprintf(fatal_text, sizeof fatal_text, "the OpenSSL server's %s failed with %s (%s)", call,
           ssl_error_name(code), text);
  pending_at_failure = write_pending;
  fatal_side = 2;
  return false;
}

/* One round of the server: its write (or the retry of the unfinished one), then a read. */
static void peer_round(void) {
  size_t n = 0;
  ERR_clear_error();
  if (written < TOTAL_BYTES) {
    fill_stream(out, CHUNK, written); /* a retry offers the same data */
    int rc = SSL_write_ex(ossl, out, CHUNK, &n);
    bool ok = peer_ok(rc, "SSL_write_ex");
    if (renegotiating) printf("peer: SSL_write_ex(%d) -> %s\n", CHUNK, ok ? ossl_result(rc) : fatal_text);
    if (!ok) return;
    written += n, write_pending = rc <= 0;
  }
  ERR_clear_error();
  int rc = SSL_read_ex(ossl, sink, sizeof sink, &n);
  bool ok = peer_ok(rc, "SSL_read_ex");
  if (renegotiating)
    printf("peer: SSL_read_ex -> %s%s%s\n", ossl_result(rc), ok ? "" : ", OpenSSL's reason: ",
           ok ? "" : reason);
  if (ok) peer_read += n;
}

int main(void) {
  CHECK(gnutls_global_init());
  open_pair(SUBJECT_FLAGS, 0);
  open_openssl_peer();
  handshake_with_openssl();
  gnutls_handshake_set_hook_function(subject.s, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_POST,
                                     count_hello);
  watch_io = show_push;
  printf("case %s: the OpenSSL server streams %d bytes; the subject sends and reads %d, then"
         " renegotiates\n", CASE_ID, TOTAL_BYTES, CHUNK);
  int idle = 0;
  for (int round = 0; round < MAX_ROUNDS && idle < IDLE_ROUNDS && fatal_side == 0 && !subject_done;
       round++) {
    size_t before = written + received + peer_read + subject_sent + (size_t)hellos;
    clear_blocked(&subject), clear_blocked(&peer);
    subject_round();
    if (fatal_side == 0) peer_round();
    bool moved = subject.moved || peer.moved;
    idle = moved || written + received + peer_read + subject_sent + (size_t)hellos != before ? 0 : idle + 1;
  }
  printf("the subject sent %d ClientHello; it read %zu bytes%s\n", hellos, received,
         mismatch == (size_t)-1 ? ", all as sent" : ", some of them wrong");
  if (fatal_side == 2 && hellos == 1 && pending_at_failure) {
    printf("DEVIATION: outcome fail (SSL_ERROR_SSL, OpenSSL's reason: %s): the subject sent one"
           " ordinary ClientHello to renegotiate; the OpenSSL server, its SSL_write_ex still"
           " unfinished, read it and failed: %s\n", reason, fatal_text);
    return 1;
  }
  if (fatal_side != 0) {
    printf("DEVIATION: outcome fail: %s (%d ClientHello sent%s)\n", fatal_text, hellos,
           fatal_side == 2 && !pending_at_failure ? ", the server's write was complete" : "");
    return 1;
  }
  if (!subject_done) {
    printf("no deviation of this kind: the renegotiation did not finish, but nothing failed\n");
    return 0;
  }
  printf("no deviation: the renegotiation completed with %d ClientHello\n", hellos);
  return 0;
}
