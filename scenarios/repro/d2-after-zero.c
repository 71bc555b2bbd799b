
/* ---- What the application does ----
 * Both ends run their handshakes, then each sends SEND_CHUNK bytes and reads as many (a duplex
 * exchange). At the operation the case names, the subject's transport returns 0:
 *  - a push that returns 0: it sent nothing and reports no error (once);
 *  - a pull that returns 0: end of stream, in the middle of a record; from then on its pushes
 *    fail with EPIPE and its pulls return 0, as a closed connection's would.
 * The event loop calls each pending call again only once the socket is ready in the
 * direction that call last reported (gnutls_record_get_direction).
 * The contract: GNUTLS_E_AGAIN means that a transport operation would have blocked (EAGAIN).
 * A push that returned 0 did not block: the call should push again or fail. End of stream is
 * not "would block" either: the call should fail (premature termination). */

#ifndef ZERO_IS_EOF /* 1: the transport's 0 is a pull's end of stream; 0: a push that moved nothing */
#define ZERO_IS_EOF 0
#endif

/* One pending call of one end: what it last returned and which direction it waits for. */
struct call { const char *what; int rc; int dir; size_t done; };
#define IS(c, name) (strcmp((c)->what, name) == 0)

static char deviation[256]; /* the first deviation seen, printed at the end */
static int run(struct end *e, struct call *c, unsigned char *buf, size_t size) {
  if (c->rc != GNUTLS_E_AGAIN && c->rc != GNUTLS_E_INTERRUPTED && c->rc != 1) return 0;
  if (c->rc != 1 && !socket_ready(e, c->dir)) return 0;              /* still waiting */
  clear_blocked(e); /* also counts the call's pushes and pulls (e->ios) afresh */
  ssize_t rc;
  if (IS(c, "handshake")) rc = gnutls_handshake(e->s);
  else if (IS(c, "record_send")) rc = gnutls_record_send(e->s, buf + c->done, size - c->done);
  else rc = gnutls_record_recv(e->s, buf + c->done, size - c->done);
  c->dir = gnutls_record_get_direction(e->s);
  if (rc > 0) c->done += (size_t)rc;
  c->rc = rc < 0 ? (int)rc : (c->done < size && !IS(c, "handshake")) ? 1 : 0;
  if (e != &subject) return 1;
  printf("subject: gnutls_%s -> %s, direction %d", c->what, rc_name(rc), c->dir);
  if (rc == GNUTLS_E_AGAIN && e->ios > 0)
    printf(" (its last %s asked %zu bytes, got %zd)", e->last.op == OP_PULL ? "pull" : "push",
           e->last.asked, e->last.got);
  printf("\n");
  bool after_zero = ZERO_IS_EOF ? e->last.op == OP_PULL : e->last.op == OP_PUSH && e->last.asked > 0;
  if (rc == GNUTLS_E_AGAIN && !e->blocked && e->ios > 0 && e->last.got == 0 && after_zero && !deviation[0]) {
    int n = snprintf(deviation, sizeof deviation, "gnutls_%s returned GNUTLS_E_AGAIN, direction %d,"
                     " although no pull or push blocked: ", c->what, c->dir);
    if (ZERO_IS_EOF)
      snprintf(deviation + n, sizeof deviation - (size_t)n,
               "its last pull returned 0 (end of stream) in the middle of a record");
    else
      snprintf(deviation + n, sizeof deviation - (size_t)n,
               "its last push of %zu bytes returned 0 (sent nothing, no error)", e->last.asked);
  }
  return 1;
}

int main(void) {
  gnutls_global_init();
  open_pair(SUBJECT_FLAGS, 0);

  static unsigned char out[2][SEND_CHUNK], in[2][SEND_CHUNK];
  fill_stream(out[0], SEND_CHUNK, 0), fill_stream(out[1], SEND_CHUNK, 0);
  struct end *ends[2] = {&subject, &peer};
  struct call hs[2] = {{"handshake", 1, 0, 0}, {"handshake", 1, 0, 0}};
  struct call snd[2] = {{"record_send", 1, 1, 0}, {"record_send", 1, 1, 0}};
  struct call rcv[2] = {{"record_recv", 1, 0, 0}, {"record_recv", 1, 0, 0}};
  bool started[2] = {false, false};
  /* Each round, the subject's turn then the peer's: an end whose handshake completed in its
     previous turn starts sending and receiving in this one. */
  for (int round = 0; round < 200; round++) {
    int calls = 0;
    for (int i = 0; i < 2; i++) {
      if (!started[i]) {
        calls += run(ends[i], &hs[i], NULL, 0);
        if (hs[i].rc == 0) started[i] = true;
        else if (hs[i].rc < 0 && hs[i].rc != GNUTLS_E_AGAIN && hs[i].rc != GNUTLS_E_INTERRUPTED) goto end;
        continue;
      }
      calls += run(ends[i], &snd[i], out[i], SEND_CHUNK);
      calls += run(ends[i], &rcv[i], in[i], SEND_CHUNK);
      if ((snd[i].rc < 0 && snd[i].rc != GNUTLS_E_AGAIN) || (rcv[i].rc < 0 && rcv[i].rc != GNUTLS_E_AGAIN))
        goto end;                                       /* an error ends the exchange */
    }
    if (calls == 0) break;                              /* nothing left that can run */
  }
end:
  if (deviation[0]) {
    printf("DEVIATION: %s\n", deviation);
    return 1;
  }
  printf("no deviation: no call returned GNUTLS_E_AGAIN after %s without a blocked operation"
         " (subject send %s, recv %s)\n", ZERO_IS_EOF ? "end of stream" : "a push that returned 0",
         rc_name(snd[0].rc), rc_name(rcv[0].rc));
  return 0;
}
