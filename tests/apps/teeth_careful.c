/* teeth_careful: the same exchange as teeth_naive (send --send N pattern bytes while receiving
 * --recv M, gnutls_bye(GNUTLS_SHUT_WR), read until close_notify), written to handle every case
 * the GnuTLS manual documents:
 *   - a call that returned GNUTLS_E_AGAIN or GNUTLS_E_INTERRUPTED is retried with the same
 *     arguments; a blocked send is finished before anything else writes a record;
 *   - it always waits for POLLIN (it keeps reading while a send is pending), plus POLLOUT when
 *     a send or bye is pending or the last direction was 1; gnutls_record_check_pending() is
 *     asked before every wait;
 *   - GNUTLS_E_REHANDSHAKE (TLS 1.2): gnutls_handshake() to completion (ignored after its own
 *     close_notify, when the session can no longer write); GNUTLS_E_REAUTH_REQUEST
 *     (TLS 1.3, the session sets GNUTLS_POST_HANDSHAKE_AUTH; --cert/--key give the certificate):
 *     gnutls_reauth() to completion; both read the application data that arrives meanwhile
 *     (GNUTLS_E_GOT_APPLICATION_DATA); warning alerts are reported and ignored;
 *   - every wait is bounded: 5 s without progress exits 2 with "stuck".
 *
 * Usage: teeth_careful --port P --ca FILE --send N --recv M [--seed S] [--out FILE]
 *                      [--cert FILE --key FILE] */
#include <poll.h>
#include <time.h>

#include "stream_client.h"

#define BUF_SIZE 16384
#define STUCK_MS 5000

struct client {
  gnutls_session_t s;
  int fd;
  struct dp_args a;
  struct dp_sink sink;
  uint8_t out[BUF_SIZE], in[BUF_SIZE];
  size_t out_len;      /* bytes offered to the pending send (0: none pending) */
  uint64_t sent;
  int bye_pending, bye_done, eof;
  int want_handshake, want_reauth;
  int last_direction;  /* gnutls_record_get_direction() after the last E_AGAIN */
  long long progress_ms;
};

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void progressed(struct client* c) { c->progress_ms = now_ms(); }

static void stuck(const struct client* c, const char* where) {
  fprintf(stderr, "stuck: no progress for %d ms %s (sent %llu received %llu)\n", STUCK_MS, where,
          (unsigned long long)c->sent, (unsigned long long)c->sink.received);
  dp_exit(2);
}

/* Waits until the socket can take what the session needs: always readable, writable too when
 * something is pending to write. Returns at once when GnuTLS holds received data. */
static void wait_socket(struct client* c, int want_write, const char* where) {
  if (gnutls_record_check_pending(c->s) > 0) return;
  long long left = c->progress_ms + STUCK_MS - now_ms();
  if (left <= 0) stuck(c, where);
  struct pollfd p = {.fd = c->fd, .events = POLLIN, .revents = 0};
  if (want_write || c->last_direction == 1) p.events |= POLLOUT;
  int n = poll(&p, 1, (int)left);
  if (n < 0 && errno != EINTR) dp_fail_errno("poll");
  if (n == 0) stuck(c, where);
}

static void note_alert(gnutls_session_t s) {
  const char* name = gnutls_alert_get_name(gnutls_alert_get(s));
  fprintf(stderr, "warning alert received: %s\n", name ? name : "?");
}

/* One gnutls_record_recv. Returns 1 when it moved the session on, 0 on E_AGAIN. */
static int recv_once(struct client* c) {
  ssize_t rc = gnutls_record_recv(c->s, c->in, sizeof c->in);
  if (rc > 0) {
    dp_sink_consume(&c->sink, c->in, (size_t)rc);
  } else if (rc == 0) {
    c->eof = 1;
  } else if (rc == GNUTLS_E_AGAIN) {
    c->last_direction = gnutls_record_get_direction(c->s);
    return 0;
  } else if (rc == GNUTLS_E_INTERRUPTED) {
    return 1;
  } else if (rc == GNUTLS_E_REHANDSHAKE) {
    /* After its own close_notify a session cannot write a handshake (GnuTLS then fails with
     * GNUTLS_E_INVALID_SESSION): a client may ignore a HelloRequest (RFC 5246, 7.4.1.1). */
    c->want_handshake = !c->bye_done && !c->bye_pending;
  } else if (rc == GNUTLS_E_REAUTH_REQUEST) {
    c->want_reauth = !c->bye_done && !c->bye_pending;
  } else if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED) {
    note_alert(c->s);
  } else if (gnutls_error_is_fatal((int)rc)) {
    dp_fail("gnutls_record_recv", (int)rc);
  }
  progressed(c);
  return 1;
}

/* Reads what is there: until E_AGAIN, EOF or a request that needs the application. */
static void recv_available(struct client* c) {
  while (!c->eof && !c->want_handshake && !c->want_reauth && recv_once(c)) {
  }
}

/* One send or bye step; a pending one is retried with the same buffer and length. */
static void send_step(struct client* c) {
  if (c->sent < c->a.send) {
    if (c->out_len == 0) {
      uint64_t left = c->a.send - c->sent;
      c->out_len = left < BUF_SIZE ? (size_t)left : BUF_SIZE;
      dp_fill_pattern(c->a.seed, c->sent, c->out, c->out_len);
    }
    ssize_t rc = gnutls_record_send(c->s, c->out, c->out_len);
    if (rc > 0) {
      c->sent += (uint64_t)rc;
      c->out_len = 0;
      progressed(c);
    } else if (rc == GNUTLS_E_AGAIN) {
      c->last_direction = gnutls_record_get_direction(c->s);
    } else if (rc != GNUTLS_E_INTERRUPTED && gnutls_error_is_fatal((int)rc)) {
      dp_fail("gnutls_record_send", (int)rc);
    }
  } else if (!c->bye_done) {
    int rc = gnutls_bye(c->s, GNUTLS_SHUT_WR);
    c->bye_pending = rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED;
    if (rc == 0) {
      c->bye_done = 1;
      progressed(c);
    } else if (rc == GNUTLS_E_AGAIN) {
      c->last_direction = gnutls_record_get_direction(c->s);
    } else if (!c->bye_pending && gnutls_error_is_fatal(rc)) {
      dp_fail("gnutls_bye", rc);
    }
  }
}

/* Runs gnutls_handshake or gnutls_reauth (reauth != 0) to completion, reading the application
 * data that arrives meanwhile. */
static void run_to_completion(struct client* c, const char* name, int reauth) {
  for (;;) {
    int rc = reauth ? gnutls_reauth(c->s, 0) : gnutls_handshake(c->s);
    if (rc == 0) break;
    if (rc == GNUTLS_E_AGAIN) {
      c->last_direction = gnutls_record_get_direction(c->s);
      wait_socket(c, c->last_direction == 1, name);
    } else if (rc == GNUTLS_E_GOT_APPLICATION_DATA) {
      int got = 0;
      while (!c->eof && recv_once(c)) got = 1;
      if (!got) wait_socket(c, 0, name);
    } else if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED) {
      note_alert(c->s);
    } else if (rc != GNUTLS_E_INTERRUPTED && gnutls_error_is_fatal(rc)) {
      dp_fail(name, rc);
    } else {
      progressed(c);
    }
  }
  c->last_direction = 0;
  progressed(c);
}

int main(int argc, char** argv) {
  static struct client c;
  dp_parse_args(argc, argv, &c.a);
  dp_sink_open(&c.sink, &c.a);
  c.fd = dp_connect_nonblocking(c.a.port);
  c.s = dp_session_new(&c.a, GNUTLS_NONBLOCK | GNUTLS_POST_HANDSHAKE_AUTH, c.fd);
  progressed(&c);
  run_to_completion(&c, "gnutls_handshake", 0);

  while (!(c.eof && c.bye_done)) {
    recv_available(&c);
    int send_pending = c.out_len > 0 || c.bye_pending;
    /* A handshake or reauth the peer asked for runs as soon as no send is pending (a record
     * written between a send's E_AGAIN and its retry would be followed by that retry: see
     * docs/findings.md), and before any new send. */
    if (!send_pending && c.want_handshake) {
      c.want_handshake = 0;
      run_to_completion(&c, "gnutls_handshake", 0);
      continue;
    }
    if (!send_pending && c.want_reauth) {
      c.want_reauth = 0;
      run_to_completion(&c, "gnutls_reauth", 1);
      continue;
    }
    if (!c.bye_done) send_step(&c);
    if (c.eof && c.bye_done) break;
    send_pending = c.out_len > 0 || c.bye_pending;
    /* More to send and nothing blocked: go round again rather than wait. */
    if (!send_pending && !c.bye_done) continue;
    wait_socket(&c, send_pending, "waiting for the socket");
  }

  int code = dp_finish(&c.sink, &c.a, c.sent);
  gnutls_deinit(c.s);
  dp_session = NULL;
  close(c.fd);
  return code;
}
