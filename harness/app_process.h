// A program started in its own process group, with its standard streams redirected to files,
// that can be polled for its exit and killed with everything it started.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace dirprobe {

struct ProcessSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // the whole environment, "KEY=value"
  std::filesystem::path cwd, stdin_file, stdout_file, stderr_file;  // stdin empty: /dev/null
};

struct ProcessExit {
  int code = -1;    // exit status, or -1 when killed by a signal
  int signal = 0;   // the signal that ended it
};

class ChildProcess {
 public:
  // Throws std::runtime_error when the process cannot be started.
  explicit ChildProcess(const ProcessSpec& spec);
  ~ChildProcess();  // kills the group and reaps it if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // The exit, once the process has ended (non-blocking).
  std::optional<ProcessExit> poll();
  // SIGKILL to the whole process group, then waits for the leader.
  ProcessExit kill_group();
  // SIGTERM to the group, then SIGKILL after `grace_ms`.
  ProcessExit terminate(int grace_ms);

 private:
  pid_t pid_ = -1;
  std::optional<ProcessExit> exit_;
};

// The current environment without the keys in `drop` (prefix "KEY="), plus `add`.
std::vector<std::string> environment_with(const std::vector<std::string>& add,
                                          const std::vector<std::string>& drop);

}  // namespace dirprobe
