
/* ---- The application: a send, one other call, a send; the peer reads everything ----
 *
 * The subject sends FIRST_BYTES of the stream with gnutls_record_send, then makes the call of
 * this case (BETWEEN_TEXT) when no send is pending, then sends SECOND_BYTES more. Each call
 * that returns GNUTLS_E_AGAIN is called again (a send with the same data, or with NULL, 0
 * under RETRY_NULL). The peer calls gnutls_record_recv throughout; a warning alert it is told
 * of (GNUTLS_E_WARNING_ALERT_RECEIVED) is noted and reading goes on, as the manual says.
 * The contract: every call completes, and the peer receives every byte once, in order. */
#define TOTAL (FIRST_BYTES + SECOND_BYTES)

/* A loop that waits (LOOP_WAITS) calls again after E_AGAIN only once the direction it reported
 * is ready; an oblivious loop calls at once. */
static bool subject_may_call(bool after_again) {
  return !LOOP_WAITS || !after_again || socket_ready(&subject, gnutls_record_get_direction(subject.s));
}

int main(void) {
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();
  static unsigned char stream[TOTAL], received[TOTAL + 16384];
  fill_stream(stream, TOTAL, 0);

  enum { FIRST, BETWEEN, SECOND, DONE } step = FIRST;
  size_t sent = 0, got = 0, chunk = 0; /* chunk: the size of the send in progress */
  bool after_again = false;
  for (int turn = 0, idle = 0; turn < 1000 && idle < 16 && got < TOTAL; turn++) {
    bool progress = false;
    if (step != DONE && subject_may_call(after_again)) {
      ssize_t rc;
      if (step == BETWEEN) {
        rc = BETWEEN_CALL;
        printf("subject: %s -> %s\n", BETWEEN_TEXT, rc_name(rc));
        if (rc >= 0) step = SECOND;
      } else {
        size_t end = step == FIRST ? FIRST_BYTES : TOTAL;
        bool retry = after_again && RETRY_NULL;
        if (!after_again) chunk = end - sent < SEND_CHUNK ? end - sent : SEND_CHUNK;
        rc = gnutls_record_send(subject.s, retry ? NULL : stream + sent, retry ? 0 : chunk);
        printf("subject: gnutls_record_send(%s%zu) -> %s\n", retry ? "NULL, " : "",
               retry ? (size_t)0 : chunk, rc_name(rc));
        if (rc > 0) sent += (size_t)rc;
        if (sent >= end) step = step == FIRST ? BETWEEN : DONE;
      }
      if (rc < 0 && rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED) {
        printf("DEVIATION: %s failed with %s (%s), so the application cannot go on; the peer "
               "had received %zu of %d bytes\n", step == BETWEEN ? BETWEEN_TEXT : "gnutls_record_send",
               rc_name(rc), gnutls_strerror((int)rc), got, TOTAL);
        return 1;
      }
      after_again = rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED;
      progress = rc >= 0;
    }
    ssize_t n = gnutls_record_recv(peer.s, received + got, RECV_BUFFER);
    if (n > 0) {
      got += (size_t)n;
      progress = true;
    } else if (n == GNUTLS_E_WARNING_ALERT_RECEIVED) {
      printf("peer: gnutls_record_recv -> %s (%s), reading on\n", rc_name(n),
             gnutls_alert_get_name(gnutls_alert_get(peer.s)));
      progress = true;
    } else if (n != GNUTLS_E_AGAIN) {
      bool alert = n == GNUTLS_E_FATAL_ALERT_RECEIVED;
      printf("peer: gnutls_record_recv -> %s%s%s%s\n", rc_name(n), alert ? " (alert " : "",
             alert ? gnutls_alert_get_name(gnutls_alert_get(peer.s)) : "", alert ? ")" : "");
      printf("DEVIATION: after the subject's %s the peer's gnutls_record_recv failed with %s and "
             "the session ended; the peer had received %zu of %d bytes\n", BETWEEN_TEXT,
             rc_name(n), got, TOTAL);
      return 1;
    }
    idle = progress ? 0 : idle + 1;
  }

  size_t bad = 0;
  while (bad < got && received[bad] == stream[bad]) bad++;
  printf("peer: received %zu of %d bytes\n", got, TOTAL);
  if (bad < got || got < TOTAL) {
    printf("DEVIATION: the peer's stream is %s at offset %zu\n",
           bad < got ? "wrong" : "incomplete", bad);
    return 1;
  }
  printf("no deviation: %s completed and the peer received every byte once, in order\n",
         BETWEEN_TEXT);
  return 0;
}
