/* ---- The peer is OpenSSL (nothing of the deviation happens here) ----
 *
 * The subject stays the kit's GnuTLS session; the peer is an OpenSSL session on the peer's
 * end of the socketpair (the kit's GnuTLS `peer` session is created by open_pair() but unused).
 *   static SSL *ossl;                 the peer's OpenSSL session
 *   open_openssl_peer()               call after open_pair(): a TLS 1.3 (PROTOCOL_TLS13) or
 *                                     TLS 1.2 peer in the role opposite the subject's, with its
 *                                     own fresh Ed25519 key and self-signed certificate; neither
 *                                     side checks certificates. Call it again after a second
 *                                     open_pair(): the SSL_CTX (ticket keys) is kept, so a
 *                                     GnuTLS client can resume with the first connection's ticket.
 *   openssl_handshake()               one step of the peer's handshake: SSL_ERROR_NONE (0) once
 *                                     it is complete, else SSL_get_error()'s code
 *   handshake_with_openssl()          both handshakes in turn until both are done (exit 2 if not)
 *   ssl_error_name(code)              "SSL_ERROR_WANT_READ", ...
 *   ossl_result(rc)                   SSL_get_error() of the peer's last call, as a name
 * The peer's reads and writes go through the kit's end_io (no faults: peer.pushes/pulls count).
 * Optional defines (before this kit, e.g. from a [[variant]]):
 *   PEER_TICKETS n        a server sends n TLS 1.3 session tickets after the handshake
 *                         (default: OpenSSL's own, two)
 *   PEER_EARLY_DATA 1     a server accepts 0-RTT data (16384 bytes, no anti-replay) and reads it
 *                         into ossl_early[] before its handshake proper
 *   PEER_POST_HANDSHAKE_AUTH 1   the peer takes part in TLS 1.3 post-handshake authentication */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#ifndef PEER_EARLY_DATA
#define PEER_EARLY_DATA 0
#endif
#ifndef PEER_POST_HANDSHAKE_AUTH
#define PEER_POST_HANDSHAKE_AUTH 0
#endif

static SSL_CTX *ossl_ctx;
static SSL *ossl;
static unsigned char ossl_early[65536]; /* the early data a PEER_EARLY_DATA server read */
static size_t ossl_early_len;
static bool ossl_reading_early;

static inline const char *ssl_error_name(int code) {
  static const char *names[] = {"SSL_ERROR_NONE", "SSL_ERROR_SSL", "SSL_ERROR_WANT_READ",
                                "SSL_ERROR_WANT_WRITE", "SSL_ERROR_WANT_X509_LOOKUP",
                                "SSL_ERROR_SYSCALL", "SSL_ERROR_ZERO_RETURN"};
  return code >= 0 && code < 7 ? names[code] : "SSL_ERROR_(other)";
}
static inline const char *ossl_result(int rc) { return ssl_error_name(SSL_get_error(ossl, rc)); }

/* The peer's transport: the kit's end_io on the peer's end (a would-block is a retry). */
static int peer_bio_io(BIO *bio, int op, char *data, int size) {
  BIO_clear_retry_flags(bio);
  errno = 0;
  ssize_t n = end_io(&peer, op, data, (size_t)size);
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    op == OP_PUSH ? BIO_set_retry_write(bio) : BIO_set_retry_read(bio);
  return (int)n;
}
static int peer_bio_write(BIO *b, const char *d, int n) { return peer_bio_io(b, OP_PUSH, (char *)d, n); }
static int peer_bio_read(BIO *b, char *d, int n) { return peer_bio_io(b, OP_PULL, d, n); }
static long peer_bio_ctrl(BIO *b, int cmd, long l, void *p) {
  (void)b, (void)l, (void)p;
  return cmd == BIO_CTRL_FLUSH;
}
static int peer_bio_create(BIO *b) {
  BIO_set_init(b, 1);
  return 1;
}

static void ossl_check(int ok, const char *what) {
  if (ok > 0) return;
  char text[256] = "no error queued";
  unsigned long err = ERR_get_error();
  if (err) ERR_error_string_n(err, text, sizeof text);
  fprintf(stderr, "setup failed: %s: %s\n", what, text);
  exit(2);
}

/* A fresh Ed25519 key and a self-signed certificate for the peer (nothing from disk). */
static void use_fresh_certificate(SSL_CTX *ctx) {
  EVP_PKEY *key = NULL;
  EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
  ossl_check(kctx && EVP_PKEY_keygen_init(kctx) > 0 && EVP_PKEY_keygen(kctx, &key) > 0, "Ed25519 key");
  X509 *crt = X509_new();
  X509_set_version(crt, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(crt), 1);
  X509_gmtime_adj(X509_getm_notBefore(crt), -3600);
  X509_gmtime_adj(X509_getm_notAfter(crt), 3600L * 24 * 365);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(crt), "CN", MBSTRING_ASC,
                             (const unsigned char *)"repro.test", -1, -1, 0);
  X509_set_issuer_name(crt, X509_get_subject_name(crt));
  X509_set_pubkey(crt, key);
  ossl_check(X509_sign(crt, key, NULL) > 0, "X509_sign");
  ossl_check(SSL_CTX_use_certificate(ctx, crt), "SSL_CTX_use_certificate");
  ossl_check(SSL_CTX_use_PrivateKey(ctx, key), "SSL_CTX_use_PrivateKey");
  X509_free(crt), EVP_PKEY_free(key), EVP_PKEY_CTX_free(kctx);
}

static int accept_any_certificate(int ok, X509_STORE_CTX *store) {
  (void)ok, (void)store;
  return 1;
}

/* True when PRIORITY pins the record cipher to `name` (as the -ccm and -chacha20 cases do);
   the default priority lists every AEAD cipher and pins none. */
static bool priority_pins(const char *name) {
  char pinned[64];
  snprintf(pinned, sizeof pinned, "-CIPHER-ALL:+%s", name);
  return strstr(PRIORITY, pinned) != NULL;
}

/* The context, once: the version of the case, the cipher PRIORITY asks for. */
static SSL_CTX *peer_context(void) {
  if (ossl_ctx) return ossl_ctx;
  ossl_ctx = SSL_CTX_new(TLS_method());
  ossl_check(ossl_ctx != NULL, "SSL_CTX_new");
  int version = PROTOCOL_TLS13 ? TLS1_3_VERSION : TLS1_2_VERSION;
  ossl_check(SSL_CTX_set_min_proto_version(ossl_ctx, version), "set_min_proto_version");
  ossl_check(SSL_CTX_set_max_proto_version(ossl_ctx, version), "set_max_proto_version");
  bool ccm = priority_pins("AES-128-CCM"), chacha = priority_pins("CHACHA20-POLY1305");
  if (PROTOCOL_TLS13 && (ccm || chacha))
    ossl_check(SSL_CTX_set_ciphersuites(ossl_ctx, ccm ? "TLS_AES_128_CCM_SHA256" : "TLS_CHACHA20_POLY1305_SHA256"), "ciphersuites");
  if (!PROTOCOL_TLS13)
    ossl_check(SSL_CTX_set_cipher_list(ossl_ctx, ccm ? "ECDHE-ECDSA-AES128-CCM" : chacha ? "ECDHE-ECDSA-CHACHA20-POLY1305"
                                                 : "DEFAULT:!SHA1:!SHA256:!SHA384"), "cipher_list");
  SSL_CTX_set_options(ossl_ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
#ifdef PEER_TICKETS
  ossl_check(SSL_CTX_set_num_tickets(ossl_ctx, PEER_TICKETS), "SSL_CTX_set_num_tickets");
#endif
  if (PEER_EARLY_DATA) {
    SSL_CTX_set_max_early_data(ossl_ctx, 16384);
    SSL_CTX_set_options(ossl_ctx, SSL_OP_NO_ANTI_REPLAY);
  }
  use_fresh_certificate(ossl_ctx);
  return ossl_ctx;
}

static void open_openssl_peer(void) {
  static BIO_METHOD *method;
  if (!method) {
    method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "peer");
    BIO_meth_set_write(method, peer_bio_write);
    BIO_meth_set_read(method, peer_bio_read);
    BIO_meth_set_ctrl(method, peer_bio_ctrl);
    BIO_meth_set_create(method, peer_bio_create);
  }
  if (ossl) SSL_free(ossl);
  ossl = SSL_new(peer_context());
  ossl_check(ossl != NULL, "SSL_new");
  SSL_set_verify(ossl, SSL_VERIFY_PEER | (PEER_POST_HANDSHAKE_AUTH ? SSL_VERIFY_POST_HANDSHAKE : 0),
                 accept_any_certificate);
  if (PEER_POST_HANDSHAKE_AUTH && !SUBJECT_IS_CLIENT) SSL_set_post_handshake_auth(ossl, 1);
  if (SUBJECT_IS_CLIENT) {
    /* A server asks for no client certificate unless for post-handshake authentication. */
    if (!PEER_POST_HANDSHAKE_AUTH) SSL_set_verify(ossl, SSL_VERIFY_NONE, NULL);
    SSL_set_accept_state(ossl);
  } else {
    ossl_check(SSL_set_tlsext_host_name(ossl, "repro.test"), "SNI");
    SSL_set_connect_state(ossl);
  }
  BIO *bio = BIO_new(method);
  ossl_check(bio != NULL, "BIO_new");
  SSL_set_bio(ossl, bio, bio);
  ossl_early_len = 0;
  ossl_reading_early = PEER_EARLY_DATA && SUBJECT_IS_CLIENT;
}

/* One step of the peer's handshake. A server that accepts early data reads it first. */
static inline int openssl_handshake(void) {
  int rc;
  ERR_clear_error();
  if (ossl_reading_early) {
    size_t got = 0;
    rc = SSL_read_early_data(ossl, ossl_early + ossl_early_len, sizeof ossl_early - ossl_early_len, &got);
    ossl_early_len += got;
    if (rc == SSL_READ_EARLY_DATA_SUCCESS) return SSL_ERROR_WANT_READ;
    if (rc == SSL_READ_EARLY_DATA_ERROR) return SSL_get_error(ossl, 0);
    ossl_reading_early = false; /* SSL_READ_EARLY_DATA_FINISH: on to the handshake proper */
  }
  rc = SSL_do_handshake(ossl);
  return rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ossl, rc);
}

/* Both handshakes, the subject's (GnuTLS) and the peer's (OpenSSL), in turn (bounded). */
static inline void handshake_with_openssl(void) {
  int a = GNUTLS_E_AGAIN, b = SSL_ERROR_WANT_READ;
  for (int turn = 0; turn < 1000 && (a != 0 || b != SSL_ERROR_NONE); turn++) {
    if (a != 0) a = gnutls_handshake(subject.s);
    if (b != SSL_ERROR_NONE) b = openssl_handshake();
    if ((a < 0 && gnutls_error_is_fatal(a)) || (b != SSL_ERROR_NONE && b != SSL_ERROR_WANT_READ &&
                                                b != SSL_ERROR_WANT_WRITE)) break;
  }
  if (a != 0 || b != SSL_ERROR_NONE) {
    fprintf(stderr, "setup failed: handshake: subject %s, peer %s\n", rc_name(a), ssl_error_name(b));
    exit(2);
  }
}
