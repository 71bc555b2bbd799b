#include "harness/runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <string>

#include "harness/credentials.h"
#include "harness/results.h"
#include "harness/unique_fd.h"

namespace dirprobe {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

json default_run_one(const CaseSpec& spec, const KnownDeviations& known) {
  return case_to_json(run_and_judge(spec, known));
}

bool write_all(int fd, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// A worker reads case indexes (one per line) and answers each with its record on one line.
[[noreturn]] void worker_main(const std::vector<CaseSpec>& specs, const RunnerOptions& options,
                              int in, int out) {
  std::string line;
  char c;
  for (;;) {
    ssize_t n = ::read(in, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0);
    if (c != '\n') {
      line += c;
      continue;
    }
    std::size_t i = std::stoul(line);
    line.clear();
    json record = options.run_one ? options.run_one(specs[i], options.known)
                                  : default_run_one(specs[i], options.known);
    if (!write_all(out, record.dump() + "\n")) _exit(3);
  }
}

std::string death_text(int status) {
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

// One worker process, seen from the parent.
struct Worker {
  pid_t pid = -1;
  UniqueFd to, from;
  std::string buf;                  // bytes of a record not yet complete
  std::optional<std::size_t> case_; // the case it is running
  Clock::time_point deadline;
};

class Pool {
 public:
  Pool(const std::vector<CaseSpec>& specs, const RunnerOptions& options,
       std::vector<json>& records)
      : specs_(specs), options_(options), records_(records) {}

  void run() {
    int jobs = std::max(1, std::min<int>(options_.jobs, static_cast<int>(specs_.size())));
    workers_.resize(static_cast<std::size_t>(jobs));
    for (auto& w : workers_) spawn(w);
    for (auto& w : workers_) assign(w);
    while (delivered_ < specs_.size()) wait_once();
    for (auto& w : workers_) stop(w);
  }

 private:
  void spawn(Worker& w) {
    int down[2], up[2];
    if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0)
      throw std::runtime_error("pipe2 failed");
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::close(down[1]);
      ::close(up[0]);
      for (auto& other : workers_) other.to.reset(), other.from.reset();
      worker_main(specs_, options_, down[0], up[1]);
    }
    ::close(down[0]);
    ::close(up[1]);
    w.pid = pid;
    w.to = UniqueFd(down[1]);
    w.from = UniqueFd(up[0]);
    w.buf.clear();
    w.case_.reset();
  }

  void assign(Worker& w) {
    if (next_ >= specs_.size()) return;
    std::size_t i = next_++;
    w.case_ = i;
    int limit = specs_[i].timeout_ms > 0 ? specs_[i].timeout_ms : options_.case_timeout_ms;
    w.deadline = Clock::now() + std::chrono::milliseconds(limit);
    if (!write_all(w.to.get(), std::to_string(i) + "\n")) lose(w, false);
  }

  void stop(Worker& w) {
    w.to.reset();  // end of input: the worker exits
    int status = 0;
    if (w.pid > 0) waitpid(w.pid, &status, 0);
    w.pid = -1;
  }

  // Waits for the next record or the first deadline, and handles what happened.
  void wait_once() {
    std::vector<pollfd> fds;
    auto now = Clock::now();
    auto first = Clock::time_point::max();
    for (auto& w : workers_) {
      fds.push_back({w.from.get(), POLLIN, 0});
      if (w.case_) first = std::min(first, w.deadline);
    }
    int timeout = first == Clock::time_point::max()
                      ? -1
                      : static_cast<int>(std::max<long long>(
                            0, std::chrono::duration_cast<std::chrono::milliseconds>(first - now)
                                       .count() + 1));
    int n = ::poll(fds.data(), fds.size(), timeout);
    if (n < 0 && errno != EINTR) throw std::runtime_error("poll failed");
    for (std::size_t k = 0; k < workers_.size(); ++k) {
      Worker& w = workers_[k];
      if (fds[k].revents != 0) read_from(w);
      if (w.case_ && Clock::now() >= w.deadline) lose(w, true);
    }
  }

  void read_from(Worker& w) {
    char chunk[65536];
    ssize_t n = ::read(w.from.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) return;
    if (n <= 0) {
      lose(w, false);
      return;
    }
    w.buf.append(chunk, static_cast<std::size_t>(n));
    for (auto nl = w.buf.find('\n'); nl != std::string::npos; nl = w.buf.find('\n')) {
      json j = json::parse(w.buf.substr(0, nl));
      w.buf.erase(0, nl + 1);
      if (!w.case_) throw std::runtime_error("a worker sent a record it was not asked for");
      store(*w.case_, std::move(j));
      w.case_.reset();
      assign(w);
    }
  }

  // The worker died or hung: its case is recorded as a crash or a stall, and a new worker
  // takes its place.
  void lose(Worker& w, bool timed_out) {
    if (timed_out) kill(w.pid, SIGKILL);
    int status = 0;
    waitpid(w.pid, &status, 0);
    w.pid = -1;
    if (w.case_) {
      std::size_t i = *w.case_;
      int limit = specs_[i].timeout_ms > 0 ? specs_[i].timeout_ms : options_.case_timeout_ms;
      std::string why = timed_out ? "no result within " + std::to_string(limit) +
                                        " ms: a call never returned (worker killed)"
                                  : "the worker process died: " + death_text(status);
      Outcome outcome = timed_out ? Outcome::kStalled : Outcome::kCrash;
      json j = case_to_json(judge_lost(specs_[i], outcome, why, options_.known));
      j["end"] = timed_out ? "hang" : "crash";
      store(i, std::move(j));
    } else if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      throw std::runtime_error("worker failed between cases: " + death_text(status));
    }
    spawn(w);
    assign(w);
  }

  // Keeps a record and delivers every record that is now next in case order.
  void store(std::size_t i, json j) {
    records_[i] = std::move(j);
    done_.emplace(i, true);
    while (done_.contains(delivered_)) {
      done_.erase(delivered_);
      if (options_.on_case) options_.on_case(delivered_, records_[delivered_]);
      ++delivered_;
    }
  }

  const std::vector<CaseSpec>& specs_;
  const RunnerOptions& options_;
  std::vector<json>& records_;
  std::vector<Worker> workers_;
  std::map<std::size_t, bool> done_;
  std::size_t next_ = 0, delivered_ = 0;
};

}  // namespace

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
}

std::vector<json> run_cases(const std::vector<CaseSpec>& specs, const RunnerOptions& options) {
  std::vector<json> records(specs.size());
  if (specs.empty()) return records;
  if (!options.isolate) {
    for (std::size_t i = 0; i < specs.size(); ++i) {
      records[i] = options.run_one ? options.run_one(specs[i], options.known)
                                   : default_run_one(specs[i], options.known);
      if (options.on_case) options.on_case(i, records[i]);
    }
  } else {
    test_credentials();  // generated once here, inherited by every worker
    signal(SIGPIPE, SIG_IGN);
    Pool(specs, options, records).run();
  }
  judge_premise_groups(specs, records, options.known, options.group_sizes);
  return records;
}

}  // namespace dirprobe
