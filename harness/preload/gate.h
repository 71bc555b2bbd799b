// Poll-gated mode (DIRPROBE_APP_GATE=1), per descriptor and direction: after a transport
// operation got EAGAIN, the next one in that direction moves bytes only once a readiness wait
// of the program has reported that direction on that descriptor (POLLIN for read, POLLOUT for
// write, POLLERR/POLLHUP for both). Transitions are logged as {"ev":"gate",...}.
#pragma once

namespace dirprobe::preload {

enum class Dir { kRead, kWrite };

bool gate_enabled();
// True when an operation in `dir` on `fd` must return EAGAIN without a system call.
bool gate_closed(int fd, Dir dir);
// An operation in `dir` on `fd` got EAGAIN (injected or real): the gate closes.
void gate_block(int fd, Dir dir);
// A readiness wait of the program reported `revents` (poll bits) on `fd`.
void gate_report(int fd, int revents);
// A new session starts on `fd`: whatever an earlier user of the number left is forgotten.
void gate_forget(int fd);

}  // namespace dirprobe::preload
