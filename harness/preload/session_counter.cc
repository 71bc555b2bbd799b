#include "harness/preload/session_counter.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "harness/preload/config.h"

namespace dirprobe::preload {

long next_session_number() {
  std::string path = config().log_dir + "/sessions";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return 0;
  long number = 0;
  if (flock(fd, LOCK_EX) == 0) {
    char buf[32] = {};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    number = (n > 0 ? std::strtol(buf, nullptr, 10) : 0) + 1;
    std::string text = std::to_string(number) + "\n";
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text.data(), text.size(), 0) < 0) number = 0;
    flock(fd, LOCK_UN);
  }
  close(fd);
  return number;
}

}  // namespace dirprobe::preload
