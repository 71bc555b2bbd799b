#include "harness/preload/request_track.h"

namespace dirprobe::preload {

bool PushTrack::is_continuation(const iovec* iov, int count) const {
  return pending_ && count > 0 && iov[0].iov_base == resume_at_;
}

void PushTrack::done(const iovec* iov, int count, ssize_t moved, bool incomplete) {
  pending_ = incomplete;
  if (!incomplete) return;
  std::size_t skip = moved > 0 ? static_cast<std::size_t>(moved) : 0;
  for (int i = 0; i < count; ++i) {
    if (skip < iov[i].iov_len) {
      resume_at_ = static_cast<const char*>(iov[i].iov_base) + skip;
      return;
    }
    skip -= iov[i].iov_len;
  }
  pending_ = false;  // everything moved after all
}

void PullTrack::done(std::size_t len, ssize_t moved, bool incomplete) {
  pending_ = incomplete;
  remainder_ = len - (moved > 0 ? static_cast<std::size_t>(moved) : 0);
}

}  // namespace dirprobe::preload
