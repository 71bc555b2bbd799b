/* ---- The reproducer: a 0-RTT client whose push of the early data blocks ----
 * A first, clean connection gives the client (the subject) a ticket that allows early data.
 * On the second, the client queues EARLY_FIRST bytes with gnutls_record_send_early_data and
 * runs its handshake; the fault plan makes the push of the early-data record block, so
 * gnutls_handshake returns and is called again, as the manual says (with EARLY_MORE > 0 the
 * client first queues EARLY_MORE bytes more). The server is a GnuTLS session or, with
 * PEER_OPENSSL, an OpenSSL one. TLS 1.3 seals every record with its own sequence number, so
 * its own nonce: the program opens what the client pushed with the early traffic key (from the
 * key log) at sequence number 0 to see how many records were sealed with that one nonce. */
#include <gnutls/crypto.h> /* gnutls_hkdf_expand, gnutls_aead_cipher_decrypt: to read the wire */

/* ---- The server: its setup, and one step of its handshake (0 done, 1 not yet, -1 failed) ---- */
static const char *server_said = "";  /* what its last handshake step returned */
#if PEER_OPENSSL
static void start_server(void) { open_openssl_peer(); } /* one SSL_CTX: it takes its tickets back */
static int server_step(void) {
  int rc = openssl_handshake(); /* reads the early data first (SSL_read_early_data) */
  server_said = ssl_error_name(rc);
  return rc == SSL_ERROR_NONE ? 0 : rc == SSL_ERROR_WANT_READ || rc == SSL_ERROR_WANT_WRITE ? 1 : -1;
}
#else
static void start_server(void) { enable_server_early_data(peer.s); }
static int server_step(void) {
  int rc = gnutls_handshake(peer.s);
  server_said = rc == 0 ? "0" : rc_name(rc);
  return rc == 0 ? 0 : gnutls_error_is_fatal(rc) ? -1 : 1;
}
#endif

/* ---- The evidence: every byte the client pushed, and its early traffic secret ---- */
static unsigned char wire[65536], early_secret[64];
static size_t wire_len, early_secret_len;
static ssize_t recording_push(gnutls_transport_ptr_t p, const void *data, size_t size) {
  ssize_t n = end_push(p, data, size);
  printf("  subject's push of %zu bytes -> %s\n", size, n < 0 ? "blocked" : "sent");
  if (n > 0 && wire_len + (size_t)n <= sizeof wire) memcpy(wire + wire_len, data, n), wire_len += n;
  return n;
}
static int keylog(gnutls_session_t s, const char *label, const gnutls_datum_t *secret) {
  (void)s;
  if (!strcmp(label, "CLIENT_EARLY_TRAFFIC_SECRET") && secret->size <= sizeof early_secret)
    memcpy(early_secret, secret->data, secret->size), early_secret_len = secret->size;
  return 0;
}

/* HKDF-Expand-Label(early secret, label, "", length), RFC 8446 section 7.1. */
static void expand_label(const char *label, unsigned char *out, size_t length) {
  unsigned char info[32];
  size_t n = strlen(label);
  info[0] = 0, info[1] = (unsigned char)length, info[2] = (unsigned char)(6 + n);
  memcpy(info + 3, "tls13 ", 6), memcpy(info + 9, label, n), info[9 + n] = 0;
  gnutls_datum_t secret = {early_secret, (unsigned)early_secret_len}, in = {info, (unsigned)(10 + n)};
  CHECK(gnutls_hkdf_expand((gnutls_mac_algorithm_t)suite_hash, &secret, &in, out, length));
}

/* TLS 1.3 seals record number n with the nonce iv XOR n (RFC 8446 section 5.3): a record that
 * opens with the early key and the bare iv was sealed with sequence number 0. Prints each one
 * and keeps the first two plaintexts (content, then the inner content type). */
static size_t open_at_sequence_zero(unsigned char *plain[2], size_t plain_len[2]) {
  unsigned char key[32], iv[12], nonce_hex[25];
  size_t count = 0, key_size = gnutls_cipher_get_key_size(suite_cipher);
  expand_label("key", key, key_size);
  expand_label("iv", iv, sizeof iv);
  for (int i = 0; i < 12; i++) sprintf((char *)nonce_hex + 2 * i, "%02x", iv[i]);
  gnutls_aead_cipher_hd_t aead;
  gnutls_datum_t key_datum = {key, (unsigned)key_size};
  CHECK(gnutls_aead_cipher_init(&aead, suite_cipher, &key_datum));
  for (size_t at = 0, k = 0; at + 5 <= wire_len; at += 5 + ((size_t)wire[at + 3] << 8 | wire[at + 4]), k++) {
    size_t len = (size_t)wire[at + 3] << 8 | wire[at + 4], out_len = len;
    unsigned char *out = malloc(len);
    if (at + 5 + len > wire_len || wire[at] != 23 /* application_data */ ||
        gnutls_aead_cipher_decrypt(aead, iv, sizeof iv, wire + at, 5, gnutls_cipher_get_tag_size(suite_cipher),
                                   wire + at + 5, len, out, &out_len) < 0) {
      free(out);
      continue;
    }
    while (out_len > 1 && out[out_len - 1] == 0) out_len--; /* padding */
    printf("the client's record %zu (%zu bytes) opens with the early key and nonce %s (sequence "
           "number 0): %zu bytes of content type %d\n", k, len + 5, nonce_hex, out_len - 1, out[out_len - 1]);
    if (count < 2) plain[count] = out, plain_len[count] = out_len;
    count++;
  }
  return count;
}

int main(void) {
  first_connection();
  open_pair(SUBJECT_FLAGS | GNUTLS_ENABLE_EARLY_DATA, GNUTLS_ENABLE_EARLY_DATA);
  start_server();
  CHECK(gnutls_session_set_data(subject.s, saved_session.data, saved_session.size));
  gnutls_transport_set_push_function(subject.s, recording_push); /* calls the kit's end_push */
  gnutls_session_set_keylog_function(subject.s, keylog);

  /* The client queues early data, then the handshakes run in turn (the server's first). */
  static unsigned char data[EARLY_FIRST + EARLY_MORE];
  fill_stream(data, sizeof data, 0);
  printf("subject: gnutls_record_send_early_data(%d) -> %s\n", EARLY_FIRST,
         rc_name(gnutls_record_send_early_data(subject.s, data, EARLY_FIRST)));
  int a = GNUTLS_E_AGAIN, b = 1;
  bool queued_more = EARLY_MORE == 0;
  for (int turn = 0; turn < 50 && (a != 0 || b != 0); turn++) {
    if (b != 0) b = server_step();
    if (b < 0) break;
    if (a == 0) continue;
    if (!queued_more && subject.blocked) {
      /* The handshake's push of the early data blocked: the client queues more before its retry. */
      printf("subject: gnutls_record_send_early_data(%d) -> %s\n", EARLY_MORE,
             rc_name(gnutls_record_send_early_data(subject.s, data + EARLY_FIRST, EARLY_MORE)));
      queued_more = true;
      continue;
    }
    clear_blocked(&subject);
    a = gnutls_handshake(subject.s);
    printf("subject: gnutls_handshake -> %s\n", rc_name(a));
    if (a < 0 && gnutls_error_is_fatal(a)) break;
  }
  printf("peer:    %s -> %s\n", PEER_OPENSSL ? "SSL_do_handshake" : "gnutls_handshake", server_said);
  if (early_secret_len == 0) setup_failed("no CLIENT_EARLY_TRAFFIC_SECRET (no early data sent)", 0);

  /* The proof: how many records the early key opens at sequence number 0, and what they hold. */
  unsigned char *plain[2];
  size_t plain_len[2], count = open_at_sequence_zero(plain, plain_len);
  char sealed[256] = "";
  if (count >= 2 && (plain_len[0] != plain_len[1] || memcmp(plain[0], plain[1], plain_len[0])))
    snprintf(sealed, sizeof sealed, "two different records (%zu and %zu bytes of data) were sealed with "
             "the same early traffic key and sequence number 0, so the same AEAD nonce: nonce reuse (N1)",
             plain_len[0] - 1, plain_len[1] - 1);
  else if (count >= 2)
    snprintf(sealed, sizeof sealed, "the %zu-byte early-data record was sent twice, byte for byte "
             "(same key, sequence number 0, same nonce)", plain_len[0] - 1);
  const char *client_failed = a < 0 && gnutls_error_is_fatal(a) ? rc_name(a) : NULL;
#if PEER_OPENSSL
  /* With an OpenSSL server: nonce reuse (a security deviation) whatever the handshake did,
     else whether the server's handshake failed. */
  if (count >= 2) printf("on the wire: %s\n", sealed);
  if (count >= 2 && strstr(sealed, "(N1)")) {
    printf("DEVIATION: %s; the OpenSSL server's handshake: %s\n", sealed, server_said);
    return 1;
  }
  if (b < 0) {
    const char *why = ERR_reason_error_string(ERR_peek_last_error());
    printf("DEVIATION: after the client's early data was sealed %s at sequence number 0, the OpenSSL "
           "server's handshake failed: %s (%s)\n", count >= 2 ? "twice" : "once", server_said, why ? why : "");
    return 1;
  }
  printf("no deviation: the OpenSSL server's handshake did not fail (%s%s)\n",
         client_failed ? "the client's gnutls_handshake failed first with " : "it ended with ",
         client_failed ? client_failed : server_said);
  return 0;
#else
  if (count < 2) {
    printf("no deviation: %zu record(s) sealed with the early key at sequence number 0\n", count);
    return 0;
  }
  printf("DEVIATION: %s; ", sealed);
  if (a == 0 && b == 0) printf("then the handshake completed\n");
  else printf("then %s: gnutls_handshake returned %s\n", client_failed ? "subject" : "peer",
              client_failed ? client_failed : server_said);
  return 1;
#endif
}
