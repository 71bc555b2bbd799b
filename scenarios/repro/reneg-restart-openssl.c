
/* ---- The reproducer: an OpenSSL server renegotiates while it writes ----
 *
 * TLS 1.2. The peer (an OpenSSL server) writes 16 KiB to the subject (the GnuTLS client), asks
 * for a renegotiation (SSL_renegotiate, SSL_do_handshake: a HelloRequest), writes 16 KiB more,
 * then reads; a write that wants to write again is retried with the same data. The subject
 * reads with gnutls_record_recv; on GNUTLS_E_REHANDSHAKE it calls gnutls_handshake until that
 * returns 0. Each side makes one call per round. The manual ('TLS 1.2 re-authentication',
 * gnutls_handshake(3)): on GNUTLS_E_GOT_APPLICATION_DATA the application reads the data with
 * gnutls_record_recv and calls gnutls_handshake again to continue the handshake.
 * With GNUTLS_AUTO_REAUTH (SUBJECT_FLAGS) gnutls_record_recv answers the renegotiation itself.
 * A hook counts the ClientHello messages the subject sends. */
#ifndef AUTO_REAUTH
#define AUTO_REAUTH 0 /* 1: the case's SUBJECT_FLAGS has GNUTLS_AUTO_REAUTH */
#endif
#define CHUNK 16384
#define TOTAL_BYTES (2 * CHUNK)
#define MAX_ROUNDS 500

static unsigned char out[CHUNK], in[RECV_BUFFER];
static size_t written, received, mismatch = (size_t)-1; /* by the peer, by the subject */
static int hellos, reneg_step;   /* reneg_step: 0 none yet, 1 asked, 2 HelloRequest sent */
static bool in_handshake, subject_done, got_app_data;
static int fatal_side;            /* 1 the subject failed, 2 the peer */
static char fatal_text[512];

static int count_hello(gnutls_session_t s, unsigned type, unsigned when, unsigned incoming,
                       const gnutls_datum_t *msg) {
  (void)s, (void)type, (void)when, (void)incoming;
  hellos++; /* the body starts with the version (2 bytes), then the 32-byte random */
  printf("subject: ClientHello #%d sent, random %02x%02x%02x%02x...\n", hellos, msg->data[2],
         msg->data[3], msg->data[4], msg->data[5]);
  return 0;
}

static void subject_failed(const char *call, ssize_t rc) {
  snprintf(fatal_text, sizeof fatal_text, "the subject's %s failed with %s", call, rc_name(rc));
  printf("subject: %s -> %s\n", call, rc_name(rc));
  fatal_side = 1;
}

static void subject_recv(void) {
  ssize_t n = gnutls_record_recv(subject.s, in, sizeof in);
  for (ssize_t i = 0; i < n && mismatch == (size_t)-1; i++)
    if (in[i] != stream_byte(received + (size_t)i)) mismatch = received + (size_t)i;
  if (n > 0) received += (size_t)n;
  else if (n == GNUTLS_E_REHANDSHAKE) {
    printf("subject: gnutls_record_recv -> GNUTLS_E_REHANDSHAKE; it calls gnutls_handshake\n");
    in_handshake = true;
  } else if (n == GNUTLS_E_GOT_APPLICATION_DATA) { /* (GNUTLS_AUTO_REAUTH) not a fatal code */
    printf("subject: gnutls_record_recv -> GNUTLS_E_GOT_APPLICATION_DATA (%d ClientHello sent);"
           " the code is not fatal, it calls gnutls_record_recv again\n", hellos);
    ssize_t again = gnutls_record_recv(subject.s, in, sizeof in);
    printf("subject: gnutls_record_recv -> %s\n", rc_name(again));
    snprintf(fatal_text, sizeof fatal_text, "gnutls_record_recv returned"
             " GNUTLS_E_GOT_APPLICATION_DATA, a code documented for gnutls_handshake only, and the"
             " next gnutls_record_recv returned %s", rc_name(again));
    fatal_side = 1;
  } else if (n != GNUTLS_E_AGAIN) subject_failed("gnutls_record_recv", n);
}

static void subject_round(void) {
  if (!in_handshake) return received < TOTAL_BYTES ? subject_recv() : (void)0;
  int rc = gnutls_handshake(subject.s);
  if (rc == 0) in_handshake = false, subject_done = true, printf("subject: gnutls_handshake -> 0\n");
  else if (rc == GNUTLS_E_GOT_APPLICATION_DATA) {
    printf("subject: gnutls_handshake -> GNUTLS_E_GOT_APPLICATION_DATA (%d ClientHello sent so"
           " far); it reads the data and calls gnutls_handshake again\n", hellos);
    got_app_data = true;
    subject_recv();
  } else if (rc != GNUTLS_E_AGAIN) subject_failed("gnutls_handshake", rc);
}

static bool peer_ok(int rc, const char *call) {
  int code = SSL_get_error(ossl, rc);
  if (rc > 0 || code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) return true;
  char text[200] = "";
  ERR_error_string_n(ERR_peek_error(), text, sizeof text);
  snprintf(fatal_text, sizeof fatal_text, "the OpenSSL server's %s failed with %s (%s)", call,
           ssl_error_name(code), text);
  printf("peer: %s -> %s (%s)\n", call, ssl_error_name(code), text);
  fatal_side = 2;
  return false;
}

/* One step of the server: its first write, the renegotiation request, the second write,
 * then reads. */
static void peer_round(void) {
  ERR_clear_error();
  if (written >= CHUNK && reneg_step < 2) {
    int rc = reneg_step++ == 0 ? SSL_renegotiate(ossl) : SSL_do_handshake(ossl);
    printf("peer: %s -> %d\n", reneg_step == 1 ? "SSL_renegotiate" : "SSL_do_handshake", rc);
    peer_ok(rc, reneg_step == 1 ? "SSL_renegotiate" : "SSL_do_handshake");
    return;
  }
  size_t n = 0;
  if (written < TOTAL_BYTES) {
    fill_stream(out, CHUNK, written); /* a retry offers the same data */
    if (peer_ok(SSL_write_ex(ossl, out, CHUNK, &n), "SSL_write_ex")) written += n;
    return;
  }
  unsigned char sink[RECV_BUFFER];
  peer_ok(SSL_read_ex(ossl, sink, sizeof sink, &n), "SSL_read_ex");
}

int main(void) {
  CHECK(gnutls_global_init());
  open_pair(SUBJECT_FLAGS, 0);
  open_openssl_peer();
  handshake_with_openssl();
  gnutls_handshake_set_hook_function(subject.s, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_POST,
                                     count_hello);
  printf("case %s: the OpenSSL server writes %d bytes and renegotiates after the first %d%s\n",
         CASE_ID, TOTAL_BYTES, CHUNK, AUTO_REAUTH ? "; the subject has GNUTLS_AUTO_REAUTH" : "");
  peer_round(); /* the server's first write goes out as the handshake ends */
  for (int round = 0; round < MAX_ROUNDS && fatal_side == 0 && !subject_done; round++) {
    subject_round();
    if (fatal_side == 0) peer_round();
  }
  printf("the subject sent %d ClientHello; it read %zu bytes%s\n", hellos, received,
         mismatch == (size_t)-1 ? ", all as sent" : ", some of them wrong");
  if (fatal_side != 0 && got_app_data && hellos > 1) {
    printf("DEVIATION: outcome fail%s: after gnutls_handshake returned"
           " GNUTLS_E_GOT_APPLICATION_DATA and the data was read, the next gnutls_handshake started"
           " the renegotiation over and sent a second ClientHello with a new random; %s\n",
           fatal_side == 2 ? " (on the wire M2: OpenSSL read the second ClientHello and rejected it)"
                           : "", fatal_text);
    return 1;
  }
  if (fatal_side != 0) {
    printf("DEVIATION: outcome fail: %s (%d ClientHello sent)\n", fatal_text, hellos);
    return 1;
  }
  if (!subject_done) {
    printf("no deviation of this kind: the renegotiation did not finish, but nothing failed\n");
    return 0;
  }
  printf("no deviation: the renegotiation completed with %d ClientHello\n", hellos);
  return 0;
}
