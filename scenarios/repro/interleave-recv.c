/* ---- The program: another call made while a gnutls_record_recv is pending ----
 *
 * The peer (the client) sends 32 KiB in two 16 KiB records, then reads until the end of the
 * stream and closes with gnutls_bye(GNUTLS_SHUT_WR). The subject (the server) reads the 32 KiB;
 * the first time its gnutls_record_recv returns E_AGAIN holding part of a record, its
 * application makes one other call (OTHER_NAME). Then it goes on as the manual says: each
 * call that returned E_AGAIN is retried when the direction it reported is ready (the other
 * call first; gnutls_handshake that returned GNUTLS_E_GOT_APPLICATION_DATA is called again
 * after a read), then gnutls_bye(GNUTLS_SHUT_WR) and a last read for the end of the stream.
 * Both ends take one step in turn (bounded); when neither can call anything, the program is
 * stuck: nothing either end waits for will ever come. */
#define TOTAL 32768

enum { NONE, DUE, PENDING, MADE };            /* the other call */
struct wait { int dir; };                     /* -1: call at once; else the direction to wait for */

/* Is the direction a call reported ready for this end? (Clears the wait when it is.) */
static bool ready(struct end *e, struct wait *w) {
  if (w->dir < 0) return true;
  if (!socket_ready(e, w->dir)) return false;
  w->dir = -1;
  return true;
}

static unsigned char subject_buf[RECV_BUFFER], peer_data[TOTAL];
static size_t received;          /* stream bytes the subject's application got, in order */
static bool bad_bytes, lost_tail;

/* One gnutls_record_recv of the subject; false when the stream ended or failed. */
static bool subject_recv(struct wait *w) {
  clear_blocked(&subject);
  ssize_t rc = gnutls_record_recv(subject.s, subject_buf, sizeof subject_buf);
  if (rc == GNUTLS_E_AGAIN) {
    w->dir = gnutls_record_get_direction(subject.s);
    return true;
  }
  printf("subject: gnutls_record_recv -> %s (%zu bytes received before)\n", rc_name(rc), received);
  for (ssize_t i = 0; i < rc; i++) bad_bytes |= subject_buf[i] != stream_byte(received + i);
  if (rc > 0) received += rc;
  lost_tail |= rc == 0 && received < TOTAL;
  return rc > 0;
}

int main(void) {
  fill_stream(peer_data, sizeof peer_data, 0);
  open_pair(SUBJECT_FLAGS, 0);
  handshake_both();

  int other = NONE, other_rc = 0, subject_step = 0, peer_step = 0, peer_rc = 0;
  struct wait recv_w = {-1}, other_w = {-1}, bye_w = {-1}, peer_w = {-1};
  size_t sent = 0;
  bool stuck = false, peer_failed = false;
  for (int tick = 0; tick < 500 && !peer_failed && (subject_step < 3 || peer_step < 3); tick++) {
    bool called = false;
    /* The subject: step 0 reads 32 KiB (with the other call), 1 bye(SHUT_WR), 2 reads the end. */
    if (subject_step == 0) {
      bool first = other == DUE; /* the first other call takes the subject's whole turn */
      if (first || (other == PENDING && ready(&subject, &other_w))) {
        other_rc = OTHER_CALL;
        called = true;
        printf("subject: %s%s -> %s\n", OTHER_NAME, first ? "" : " again", rc_name(other_rc));
        other = other_rc == GNUTLS_E_AGAIN || other_rc == GNUTLS_E_GOT_APPLICATION_DATA ? PENDING : MADE;
        other_w.dir = other_rc == GNUTLS_E_AGAIN ? gnutls_record_get_direction(subject.s) : -1;
        if (other_rc == GNUTLS_E_GOT_APPLICATION_DATA && !subject_recv(&recv_w)) subject_step = 3;
      }
      if (!first && subject_step == 0 && received < TOTAL && ready(&subject, &recv_w)) {
        called = true;
        if (!subject_recv(&recv_w)) subject_step = 3;
        else if (other == NONE && recv_w.dir >= 0 && subject.moved) other = DUE;
      }
      if (subject_step == 0 && received == TOTAL && other != PENDING) subject_step = 1;
    } else if (subject_step == 1 && ready(&subject, &bye_w)) {
      called = true;
      int rc = gnutls_bye(subject.s, GNUTLS_SHUT_WR);
      if (rc == GNUTLS_E_AGAIN) bye_w.dir = gnutls_record_get_direction(subject.s);
      else subject_step = 2;
    } else if (subject_step == 2 && ready(&subject, &recv_w)) {
      called = true;
      subject_recv(&recv_w);
      if (recv_w.dir < 0) subject_step = 3;
    }
    /* The peer: step 0 sends 32 KiB (a retry offers the same bytes), 1 reads to the end, 2 bye. */
    if (peer_step < 3 && ready(&peer, &peer_w)) {
      called = true;
      if (peer_step == 0) {
        size_t n = TOTAL - sent < SEND_CHUNK ? TOTAL - sent : SEND_CHUNK;
        peer_rc = (int)gnutls_record_send(peer.s, peer_data + sent, n);
        if (peer_rc > 0 && (sent += peer_rc) == TOTAL) peer_step = 1;
      } else if (peer_step == 1) {
        unsigned char buf[16384];
        peer_rc = (int)gnutls_record_recv(peer.s, buf, sizeof buf);
        if (peer_rc == 0) peer_step = 2;
        if (peer_rc < 0 && peer_rc != GNUTLS_E_AGAIN && peer_rc != GNUTLS_E_WARNING_ALERT_RECEIVED) {
          printf("peer: gnutls_record_recv -> %s\n", rc_name(peer_rc));
          peer_failed = true;
          peer_step = 3;
        }
      } else if ((peer_rc = gnutls_bye(peer.s, GNUTLS_SHUT_WR)) == 0) {
        printf("peer: sent all %d bytes, read to the end, gnutls_bye(GNUTLS_SHUT_WR) -> 0\n", TOTAL);
        peer_step = 3;
      }
      if (peer_rc == GNUTLS_E_AGAIN) peer_w.dir = gnutls_record_get_direction(peer.s);
    }
    if (!called) {
      struct wait *w = other == PENDING ? &other_w : subject_step == 1 ? &bye_w : &recv_w;
      printf("subject: waits for the socket to be %s for %s, which never happens; %s: stuck\n",
             w->dir ? "writable" : "readable",
             other == PENDING ? OTHER_NAME : subject_step == 1 ? "gnutls_bye" : "gnutls_record_recv",
             peer_step == 3 ? "the peer is done" : "the peer waits too");
      stuck = true;
      break;
    }
  }
  size_t buffered = gnutls_record_check_pending(subject.s);
  printf("subject: received %zu of %d bytes%s; %zu more sit in GnuTLS's buffer\n", received, TOTAL,
         bad_bytes ? " (some wrong)" : "", buffered);

  if (LOOK_FOR == 1 && stuck) {
    printf("DEVIATION: %s; the loop that waits for the reported direction never finishes "
           "(%zu of %d bytes received)\n", STUCK_TEXT, received, TOTAL);
    return 1;
  }
  if (LOOK_FOR == 3 && lost_tail) {
    printf("DEVIATION: gnutls_record_recv reported the end of the stream after %zu of %d bytes, "
           "while %zu bytes the peer sent before its close_notify (read by %s) stay in GnuTLS's "
           "buffer, never delivered\n", received, TOTAL, buffered, OTHER_NAME);
    return 1;
  }
  if (LOOK_FOR == 4 && peer_failed) {
    printf("DEVIATION: after the subject's %s, the peer's gnutls_record_recv failed with %s: "
           "a warning alert ended the connection\n", OTHER_NAME, rc_name(peer_rc));
    return 1;
  }
  printf("no deviation: %s\n", stuck ? "stuck, but not in the way this case looks for"
                                     : "the session ran to its end");
  return 0;
}
