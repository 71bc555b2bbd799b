// The global session number: sessions are numbered 1, 2, ... in order of gnutls_init across
// all processes of a run, through the counter file DIR/sessions, locked with flock.
#pragma once

namespace dirprobe::preload {

// The next number; 0 when the counter file cannot be used.
long next_session_number();

}  // namespace dirprobe::preload
