// A connected pair of non-blocking sockets whose kernel buffers are throttled so that the
// kernel itself produces EAGAIN ("natural" blocking): stream sockets for TLS, a datagram
// socketpair for DTLS (message boundaries kept, no loss unless a fault plan drops).
#pragma once

#include <string>
#include <string_view>

#include "harness/unique_fd.h"

namespace dirprobe {

enum class TransportKind { kUnix, kTcp, kDgram };

std::string_view transport_name(TransportKind kind);
// Throws std::invalid_argument naming the accepted values.
TransportKind parse_transport(std::string_view text);

struct BufferSizes {
  int sndbuf = 0;  // bytes asked of SO_SNDBUF; 0 keeps the kernel default
  int rcvbuf = 0;  // bytes asked of SO_RCVBUF; 0 keeps the kernel default
};

struct SocketPair {
  UniqueFd a;               // the subject's end
  UniqueFd b;               // the peer's end
  BufferSizes effective_a;  // what the kernel granted, read back with getsockopt
  BufferSizes effective_b;
};

// AF_UNIX stream socketpair, a TCP connection over 127.0.0.1 (TCP_NODELAY) or an AF_UNIX
// datagram socketpair, both ends O_NONBLOCK,
// both ends' buffers set to `sizes`. Throws std::system_error when the kernel refuses.
SocketPair make_socket_pair(TransportKind kind, BufferSizes sizes);

// Readiness right now (poll with a zero timeout): POLLIN for direction 0, POLLOUT for 1.
bool fd_ready(int fd, int direction);

}  // namespace dirprobe
