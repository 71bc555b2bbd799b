#include "harness/runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>

#include "harness/credentials.h"
#include "harness/judge.h"
#include "harness/results.h"
#include "harness/unique_fd.h"

namespace dirprobe {
namespace {

using nlohmann::json;

void write_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(3);
    off += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void worker(const std::vector<CaseSpec>& specs, std::size_t first, int out) {
  for (std::size_t i = first; i < specs.size(); ++i) {
    write_all(out, json{{"start", i}}.dump() + "\n");
    write_all(out, case_to_json(run_and_judge(specs[i])).dump() + "\n");
  }
  _exit(0);
}

// A record for a case whose worker died or hung before reporting it.
json lost_case(const CaseSpec& spec, const std::string& outcome, const std::string& why) {
  CaseResult r{spec, {}, {}, outcome == "crash" ? Outcome::kCrash : Outcome::kStalled, why};
  r.run.end = RunEnd::kFatal;
  r.run.end_reason = why;
  r.invariants = evaluate_invariants(spec, r.run);
  json j = case_to_json(r);
  j["end"] = outcome == "crash" ? "crash" : "hang";
  return j;
}

class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  // Returns false on EOF or when `timeout_ms` passes without a complete line.
  bool next(std::string& line, int timeout_ms, bool& timed_out) {
    timed_out = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return true;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) == 0) {
        timed_out = true;
        return false;
      }
      char chunk[65536];
      ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buf_;
};

std::string death_text(int status) {
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

std::vector<json> run_cases(const std::vector<CaseSpec>& specs, const RunnerOptions& options) {
  std::vector<json> records(specs.size());
  auto deliver = [&](std::size_t i, json j) {
    records[i] = std::move(j);
    if (options.on_case) options.on_case(i, records[i]);
  };
  if (!options.isolate) {
    for (std::size_t i = 0; i < specs.size(); ++i)
      deliver(i, case_to_json(run_and_judge(specs[i])));
    return records;
  }
  test_credentials();  // generated once here, inherited by every worker
  std::size_t next = 0;
  while (next < specs.size()) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    UniqueFd rd(fds[0]), wr(fds[1]);
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      rd.reset();
      worker(specs, next, wr.get());
    }
    wr.reset();
    LineReader reader(rd.get());
    std::string line;
    bool timed_out = false;
    constexpr std::size_t kIdle = static_cast<std::size_t>(-1);  // no case started
    std::size_t current = kIdle;
    int limit_ms = options.case_timeout_ms;
    while (reader.next(line, limit_ms, timed_out)) {
      json j = json::parse(line);
      if (j.contains("start")) {
        current = j["start"].get<std::size_t>();
        limit_ms =
            specs[current].timeout_ms > 0 ? specs[current].timeout_ms : options.case_timeout_ms;
      } else if (current != kIdle) {
        deliver(current, std::move(j));
        next = current + 1;
        current = kIdle;
      }
    }
    if (timed_out) kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (current != kIdle) {
      std::string why = timed_out ? "no result within " + std::to_string(limit_ms) +
                                        " ms: a call never returned (worker killed)"
                                  : "the worker process died: " + death_text(status);
      std::size_t lost = current;
      deliver(lost, lost_case(specs[lost], timed_out ? "stalled" : "crash", why));
      next = lost + 1;
    } else if (next < specs.size() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      throw std::runtime_error("worker failed between cases: " + death_text(status));
    }
  }
  return records;
}

}  // namespace dirprobe
