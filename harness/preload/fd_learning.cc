// Learning the descriptor behind a program's own transport callback: while one runs on this
// thread, the socket calls it makes name the session's descriptor. Everywhere else these hooks
// are a plain call of the real function.
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "harness/preload/export.h"
#include "harness/preload/real.h"
#include "harness/preload/session.h"

extern "C" ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen);
extern "C" ssize_t __recv_chk(int fd, void* buf, size_t len, size_t buflen, int flags);

namespace {

inline void note(int fd) {
  if (dirprobe::preload::in_program_callback()) dirprobe::preload::learn_fd(fd);
}

}  // namespace

DP_EXPORT ssize_t send(int fd, const void* buf, size_t len, int flags) {
  DP_REAL(send, "GLIBC_2.2.5");
  note(fd);
  return real_send(fd, buf, len, flags);
}

DP_EXPORT ssize_t sendto(int fd, const void* buf, size_t len, int flags,
                         const struct sockaddr* addr, socklen_t addrlen) {
  DP_REAL(sendto, "GLIBC_2.2.5");
  note(fd);
  return real_sendto(fd, buf, len, flags, addr, addrlen);
}

DP_EXPORT ssize_t sendmsg(int fd, const struct msghdr* msg, int flags) {
  DP_REAL(sendmsg, "GLIBC_2.2.5");
  note(fd);
  return real_sendmsg(fd, msg, flags);
}

DP_EXPORT ssize_t write(int fd, const void* buf, size_t len) {
  DP_REAL(write, "GLIBC_2.2.5");
  note(fd);
  return real_write(fd, buf, len);
}

DP_EXPORT ssize_t writev(int fd, const struct iovec* iov, int count) {
  DP_REAL(writev, "GLIBC_2.2.5");
  note(fd);
  return real_writev(fd, iov, count);
}

DP_EXPORT ssize_t recv(int fd, void* buf, size_t len, int flags) {
  DP_REAL(recv, "GLIBC_2.2.5");
  note(fd);
  return real_recv(fd, buf, len, flags);
}

DP_EXPORT ssize_t __recv_chk(int fd, void* buf, size_t len, size_t buflen, int flags) {
  DP_REAL(__recv_chk, "GLIBC_2.4");
  note(fd);
  return real___recv_chk(fd, buf, len, buflen, flags);
}

DP_EXPORT ssize_t recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* addr,
                           socklen_t* addrlen) {
  DP_REAL(recvfrom, "GLIBC_2.2.5");
  note(fd);
  return real_recvfrom(fd, buf, len, flags, addr, addrlen);
}

DP_EXPORT ssize_t recvmsg(int fd, struct msghdr* msg, int flags) {
  DP_REAL(recvmsg, "GLIBC_2.2.5");
  note(fd);
  return real_recvmsg(fd, msg, flags);
}

DP_EXPORT ssize_t read(int fd, void* buf, size_t len) {
  DP_REAL(read, "GLIBC_2.2.5");
  note(fd);
  return real_read(fd, buf, len);
}

DP_EXPORT ssize_t __read_chk(int fd, void* buf, size_t nbytes, size_t buflen) {
  DP_REAL(__read_chk, "GLIBC_2.4");
  note(fd);
  return real___read_chk(fd, buf, nbytes, buflen);
}

DP_EXPORT ssize_t readv(int fd, const struct iovec* iov, int count) {
  DP_REAL(readv, "GLIBC_2.2.5");
  note(fd);
  return real_readv(fd, iov, count);
}
