// The interposer's own transport, installed on every session at gnutls_init with GnuTLS's real
// setters (vec_push, pull, pull_timeout), so the program's transport pointers stay as they are.
// Each callback counts the request as a point or a continuation, applies the fault plan and the
// poll gate, then does what the program's callback or GnuTLS's default would have done (sendmsg
// with MSG_NOSIGNAL under GNUTLS_NO_SIGNAL, GnuTLS's writev emulation over a plain push, recv,
// poll for the pull timeout, TCP Fast Open's first write), and logs one "io" line.
#pragma once

#include "harness/preload/session.h"

namespace dirprobe::preload {

// Makes GnuTLS call the interposer's transport functions for `s`.
void install_transport(Session& s);

// The real gnutls_transport_set_errno, for faults the interposer injects itself.
void set_session_errno(gnutls_session_t session, int err);

}  // namespace dirprobe::preload
