/* teeth_naive: the application of the original question (shared/context), written in good
 * faith from the GnuTLS manual. A TLS client on a non-blocking socket, full duplex: it sends
 * --send N pattern bytes while receiving --recv M, then gnutls_bye(GNUTLS_SHUT_WR), and reads
 * until the server's close_notify.
 *
 * Its one assumption is the question's: after GNUTLS_E_AGAIN, gnutls_record_get_direction()
 * says what to wait for. It waits on ONE pollfd whose events come from the direction after
 * each E_AGAIN (0: POLLIN, 1: POLLOUT), and POLLIN when it is idle, waiting for data. It sends
 * whenever it has data and the last send did not block, receives when poll says readable (or
 * retries a receive that blocked once poll reports what its direction asked for), and retries a
 * blocked send with the same buffer. Waits have no timeout: a hang is the runner's to see.
 *
 * Usage: teeth_naive --port P --ca FILE --send N --recv M [--seed S] [--out FILE] */
#include <poll.h>

#include "stream_client.h"

/* One full TLS record: with a buffer this size gnutls_record_recv never leaves data of a
 * record behind, so this program needs no gnutls_record_check_pending. */
#define BUF_SIZE 16384

static short direction_events(gnutls_session_t s) {
  return gnutls_record_get_direction(s) ? POLLOUT : POLLIN;
}

static void wait_for(int fd, short events, short* revents) {
  struct pollfd p = {.fd = fd, .events = events, .revents = 0};
  int n;
  do n = poll(&p, 1, -1);
  while (n < 0 && errno == EINTR);
  if (n < 0) dp_fail_errno("poll");
  *revents = p.revents;
}

static void handshake(gnutls_session_t s, int fd) {
  short revents;
  for (;;) {
    int rc = gnutls_handshake(s);
    if (rc == 0) return;
    if (gnutls_error_is_fatal(rc)) dp_fail("gnutls_handshake", rc);
    if (rc == GNUTLS_E_AGAIN) wait_for(fd, direction_events(s), &revents);
  }
}

int main(int argc, char** argv) {
  struct dp_args a;
  dp_parse_args(argc, argv, &a);
  struct dp_sink sink;
  dp_sink_open(&sink, &a);
  int fd = dp_connect_nonblocking(a.port);
  gnutls_session_t s = dp_session_new(&a, 0, fd);
  handshake(s, fd);

  static uint8_t out[BUF_SIZE], in[BUF_SIZE];
  size_t out_len = 0;   /* bytes of `out` offered to the send that blocked */
  uint64_t sent = 0;
  int bye_done = 0, eof = 0;
  int send_waits = 0;   /* the last send (or bye) returned E_AGAIN: retry when poll reports */
  int recv_waits = 0;   /* the last receive returned E_AGAIN */
  short events = POLLIN, revents = 0;

  for (;;) {
    if (revents) send_waits = 0;

    /* Receive, as the question's loop does first, when poll said there is something. */
    if (!eof && ((revents & (POLLIN | POLLHUP | POLLERR)) || (recv_waits && revents))) {
      ssize_t rc = gnutls_record_recv(s, in, sizeof in);
      recv_waits = 0;
      if (rc > 0) {
        dp_sink_consume(&sink, in, (size_t)rc);
      } else if (rc == 0) {
        eof = 1;
      } else if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
        recv_waits = 1;
        events = direction_events(s);
      } else if (gnutls_error_is_fatal((int)rc)) {
        dp_fail("gnutls_record_recv", (int)rc);
      }
    }

    /* Send when there is data, unless the last send is waiting for poll. */
    if (!send_waits && sent < a.send) {
      if (out_len == 0) {
        out_len = a.send - sent < BUF_SIZE ? (size_t)(a.send - sent) : BUF_SIZE;
        dp_fill_pattern(a.seed, sent, out, out_len);
      }
      ssize_t rc = gnutls_record_send(s, out, out_len);
      if (rc > 0) {
        sent += (uint64_t)rc;
        out_len = 0;
      } else if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
        send_waits = 1;  /* retried later with the same buffer and length */
        events = direction_events(s);
      } else if (gnutls_error_is_fatal((int)rc)) {
        dp_fail("gnutls_record_send", (int)rc);
      }
    } else if (!send_waits && !bye_done) {
      int rc = gnutls_bye(s, GNUTLS_SHUT_WR);
      if (rc == 0) {
        bye_done = 1;
      } else if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
        send_waits = 1;
        events = direction_events(s);
      } else if (gnutls_error_is_fatal(rc)) {
        dp_fail("gnutls_bye", rc);
      }
    }

    revents = 0;
    if (eof && bye_done) break;
    if (!send_waits && !bye_done) continue; /* keep sending while the socket takes it */
    if (!send_waits && !recv_waits) events = POLLIN; /* idle: wait for data */
    wait_for(fd, events, &revents);
  }

  int code = dp_finish(&sink, &a, sent);
  gnutls_deinit(s);
  dp_session = NULL;
  close(fd);
  return code;
}
