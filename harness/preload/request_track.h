// Tells a new request of GnuTLS from the continuation of the last one: GnuTLS asking again for
// the rest of a push or pull after a short or EAGAIN/EINTR result. Pushes are matched by buffer
// position (GnuTLS keeps its send queue in place and resumes at the first unsent byte); pulls
// by length (GnuTLS reads into a fresh buffer on each call but asks for exactly the remainder).
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>

namespace dirprobe::preload {

class PushTrack {
 public:
  bool is_continuation(const iovec* iov, int count) const;
  // Records the result of a push of `iov`; `incomplete` = GnuTLS will ask for the rest.
  void done(const iovec* iov, int count, ssize_t moved, bool incomplete);

 private:
  bool pending_ = false;
  const void* resume_at_ = nullptr;  // the first byte not yet moved
};

class PullTrack {
 public:
  bool is_continuation(std::size_t len) const { return pending_ && len == remainder_; }
  void done(std::size_t len, ssize_t moved, bool incomplete);

 private:
  bool pending_ = false;
  std::size_t remainder_ = 0;
};

}  // namespace dirprobe::preload
