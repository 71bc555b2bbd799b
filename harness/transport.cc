#include "harness/transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace dirprobe {
namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void check(int rc, const char* what) {
  if (rc < 0) throw_errno(what);
}

void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  check(flags, "fcntl(F_GETFL)");
  check(fcntl(fd, F_SETFL, flags | O_NONBLOCK), "fcntl(F_SETFL)");
}

void set_buffers(int fd, BufferSizes sizes) {
  if (sizes.sndbuf > 0)
    check(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sizes.sndbuf, sizeof sizes.sndbuf), "SO_SNDBUF");
  if (sizes.rcvbuf > 0)
    check(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sizes.rcvbuf, sizeof sizes.rcvbuf), "SO_RCVBUF");
}

BufferSizes read_buffers(int fd) {
  BufferSizes out;
  socklen_t len = sizeof out.sndbuf;
  check(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &out.sndbuf, &len), "getsockopt(SO_SNDBUF)");
  len = sizeof out.rcvbuf;
  check(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &out.rcvbuf, &len), "getsockopt(SO_RCVBUF)");
  return out;
}

void set_nodelay(int fd) {
  int one = 1;
  check(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), "TCP_NODELAY");
}

// Buffers are set before connect so that the TCP window is negotiated with them.
std::pair<UniqueFd, UniqueFd> tcp_pair(BufferSizes sizes) {
  UniqueFd listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener) throw_errno("socket");
  set_buffers(listener.get(), sizes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  check(bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), "bind");
  check(listen(listener.get(), 1), "listen");
  socklen_t len = sizeof addr;
  check(getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len), "getsockname");
  UniqueFd client(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!client) throw_errno("socket");
  set_buffers(client.get(), sizes);
  check(connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), "connect");
  UniqueFd server(accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!server) throw_errno("accept");
  set_nodelay(client.get());
  set_nodelay(server.get());
  return {std::move(client), std::move(server)};
}

std::pair<UniqueFd, UniqueFd> unix_pair(int type, BufferSizes sizes) {
  int fds[2];
  check(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds), "socketpair");
  UniqueFd a(fds[0]), b(fds[1]);
  set_buffers(a.get(), sizes);
  set_buffers(b.get(), sizes);
  return {std::move(a), std::move(b)};
}

}  // namespace

std::string_view transport_name(TransportKind kind) {
  static constexpr std::string_view kNames[] = {"unix", "tcp", "dgram"};
  return kNames[static_cast<int>(kind)];
}

TransportKind parse_transport(std::string_view text) {
  if (text == "unix") return TransportKind::kUnix;
  if (text == "tcp") return TransportKind::kTcp;
  if (text == "dgram") return TransportKind::kDgram;
  throw std::invalid_argument("unknown transport '" + std::string(text) +
                              "' (expected unix, tcp or dgram)");
}

SocketPair make_socket_pair(TransportKind kind, BufferSizes sizes) {
  auto [a, b] = kind == TransportKind::kTcp     ? tcp_pair(sizes)
                : kind == TransportKind::kDgram ? unix_pair(SOCK_DGRAM, sizes)
                                                : unix_pair(SOCK_STREAM, sizes);
  set_nonblocking(a.get());
  set_nonblocking(b.get());
  SocketPair pair{std::move(a), std::move(b), {}, {}};
  pair.effective_a = read_buffers(pair.a.get());
  pair.effective_b = read_buffers(pair.b.get());
  return pair;
}

bool fd_ready(int fd, int direction) {
  pollfd p{fd, static_cast<short>(direction == 0 ? POLLIN : POLLOUT), 0};
  int rc = poll(&p, 1, 0);
  return rc > 0 && (p.revents & (p.events | POLLERR | POLLHUP)) != 0;
}

}  // namespace dirprobe
