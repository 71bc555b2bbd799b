#include "harness/app_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace dirprobe {
namespace {

ProcessExit exit_of(int status) {
  ProcessExit e;
  if (WIFEXITED(status)) e.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
  return e;
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::vector<std::string> environment_with(const std::vector<std::string>& add,
                                          const std::vector<std::string>& drop) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    bool dropped = false;
    for (const auto& d : drop) dropped |= kv.rfind(d, 0) == 0;
    for (const auto& a : add) dropped |= kv.substr(0, kv.find('=') + 1) == a.substr(0, a.find('=') + 1);
    if (!dropped) out.push_back(kv);
  }
  out.insert(out.end(), add.begin(), add.end());
  return out;
}

ChildProcess::ChildProcess(const ProcessSpec& spec) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  std::string in = spec.stdin_file.empty() ? "/dev/null" : spec.stdin_file.string();
  posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, spec.stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, spec.stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str());
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t deflt;
  sigemptyset(&deflt);
  sigaddset(&deflt, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &deflt);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  auto argv = c_strings(spec.argv);
  auto envp = c_strings(spec.env);
  int rc = posix_spawn(&pid_, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error(spec.argv[0] + ": cannot be started: " + std::strerror(rc));
}

ChildProcess::~ChildProcess() {
  if (!exit_) kill_group();
}

std::optional<ProcessExit> ChildProcess::poll() {
  if (exit_) return exit_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) exit_ = exit_of(status);
  return exit_;
}

ProcessExit ChildProcess::kill_group() {
  if (exit_) {
    ::kill(-pid_, SIGKILL);  // what the leader left behind
    return *exit_;
  }
  ::kill(-pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_ = exit_of(status);
  return *exit_;
}

ProcessExit ChildProcess::terminate(int grace_ms) {
  if (poll()) return kill_group();
  ::kill(-pid_, SIGTERM);
  for (int waited = 0; waited < grace_ms; waited += 5) {
    if (poll()) return kill_group();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return kill_group();
}

}  // namespace dirprobe
