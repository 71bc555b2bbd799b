// Self-tests of the bounded trace: a call whose I/O went past the trace limit is not judged by
// the checkers that read it, the results say the trace was truncated, the --trace text has a
// fixed number of call lines, and `dirprobe run --trace` ends a spinning case as the plain run
// does, within the case's time limit and in bounded memory.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "harness/catalog.h"
#include "harness/planner.h"
#include "harness/results.h"
#include "harness/trace_log.h"

namespace dirprobe {
namespace {

using nlohmann::json;

// The spec the forged runs below are judged against (they never run).
CaseSpec forged_spec() {
  CaseSpec c;
  c.scenario = "selftest";
  c.variant = "tls13-client-gnutls";
  c.asserted = {Invariant::D1, Invariant::D2, Invariant::S1, Invariant::Q1};
  return c;
}

// A subject send that returned E_AGAIN with direction 1, its I/O in `io`.
CallRecord again_send(TraceSpan io) {
  CallRecord call{};
  call.side = Side::kSubject;
  call.api = Api::kSend;
  call.size = 100;
  call.out = {Status::kAgain, -28, 0, 1};
  call.io = io;
  return call;
}

// Such a send made after the trace filled up: its I/O was counted, not kept.
CallRecord send_past_the_limit(CaseRun& run, std::size_t events) {
  run.subject_trace_dropped += events;
  return again_send({run.subject_trace.size(), run.subject_trace.size()});
}

// A call whose I/O the trace did not keep is n/a for D1, D2 and Q1 (which read the I/O), never
// held, and so is B1 (bytes left unpushed come from the trace); S1 (the direction alone) is
// still judged; the record says the trace was truncated.
TEST(TraceBound, TruncatedCallIsNotJudged) {
  CaseSpec c = forged_spec();
  c.buffer_bound = 65536;
  CaseRun run;
  run.calls.push_back(send_past_the_limit(run, 5));
  CaseResult r = judge(c, std::move(run));
  for (Invariant inv : {Invariant::D1, Invariant::D2, Invariant::Q1}) {
    const InvariantResult& res = result_of(r.invariants, inv);
    EXPECT_EQ(res.verdict, Verdict::kNa) << invariant_name(inv);
    EXPECT_NE(res.note.find("1 calls not judged"), std::string::npos) << res.note;
  }
  EXPECT_EQ(result_of(r.invariants, Invariant::B1).verdict, Verdict::kNa);
  EXPECT_EQ(result_of(r.invariants, Invariant::S1).verdict, Verdict::kHeld);
  json j = case_to_json(r);
  EXPECT_EQ(j["trace_truncated"], (json{{"subject", 5}, {"peer", 0}}));
  std::string line = call_line(r.run, r.run.calls.size() - 1);
  EXPECT_NE(line.find("the trace was full"), std::string::npos) << line;
}

// A violation in a call whose I/O was kept is still a violation, whatever else was truncated.
TEST(TraceBound, ViolationElsewhereStillCounts) {
  CaseSpec c = forged_spec();
  CaseRun run;
  // A send whose last blocked operation was a pull, yet it reports direction 1 (write); then
  // a send whose first push is the last event the trace kept.
  run.subject_trace.push_back({IoOp::kPull, 100, -1, EAGAIN, true});
  run.subject_trace.push_back({IoOp::kPush, 100, -1, EAGAIN, false});
  run.calls.push_back(again_send({0, 1}));
  run.calls.push_back(again_send({1, 2}));
  run.subject_trace_dropped = 3;
  CaseResult r = judge(c, std::move(run));
  EXPECT_EQ(result_of(r.invariants, Invariant::D1).verdict, Verdict::kViolated);
  EXPECT_EQ(result_of(r.invariants, Invariant::D1).counterexample->call_index, 0u);
}

// --trace prints at most kTraceCalls call lines and kTraceCallEvents I/O events a call, and
// one line that counts what it left out, events the full trace never kept included.
TEST(TraceBound, TraceLogHasFixedLength) {
  CaseSpec c = forged_spec();
  CaseRun run;
  run.end = RunEnd::kBudget;
  for (int i = 0; i < 100; ++i) run.subject_trace.push_back({IoOp::kPush, 1, -1, EAGAIN, false});
  run.subject_trace_dropped = 7;
  const std::size_t calls = kTraceCalls + 3000;
  run.calls.push_back(again_send({0, 100}));
  run.calls.resize(calls, again_send({100, 100}));
  CaseResult r = judge(c, std::move(run));
  std::vector<std::string> lines = trace_log(r);
  std::size_t call_lines = std::count_if(lines.begin(), lines.end(),
                                         [](const std::string& l) { return l.starts_with("  #"); });
  EXPECT_EQ(call_lines, kTraceCalls);
  std::size_t elided = 100 - kTraceCallEvents;
  EXPECT_NE(std::find(lines.begin(), lines.end(),
                      "  ... truncated: 3000 more calls / " + std::to_string(elided + 7) +
                          " more I/O events"),
            lines.end());
  std::string last = "  #" + std::to_string(calls - 1) + " ";
  EXPECT_NE(std::find_if(lines.begin(), lines.end(),
                         [&](const std::string& l) { return l.starts_with(last); }),
            lines.end());
  EXPECT_NE(lines[2].find("... " + std::to_string(elided) + " more I/O events"), std::string::npos)
      << lines[2];
}

#ifdef DIRPROBE_EXE

// One run of the dirprobe program: how it ended, its standard output, its wall time and the
// peak RSS of it and its worker processes (wait4: the workers are waited for).
struct Exited {
  int status = -1;
  std::string out;
  double seconds = 0;
  long max_rss_kb = 0;
};

// Kills the program if it has not ended after `limit_s` seconds (status then says SIGKILL).
Exited run_dirprobe(std::vector<std::string> args, int limit_s = 120) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  auto started = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    args.insert(args.begin(), DIRPROBE_EXE);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(DIRPROBE_EXE, argv.data());
    _exit(127);
  }
  close(fds[1]);
  Exited e;
  auto deadline = started + std::chrono::seconds(limit_s);
  for (char buf[4096];;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fds[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0) {
      kill(pid, SIGKILL);
      break;
    }
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    e.out.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  rusage usage{};
  wait4(pid, &e.status, 0, &usage);
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  e.max_rss_kb = usage.ru_maxrss;
  return e;
}

std::string last_line(const std::string& text) {
  std::string t = text.ends_with('\n') ? text.substr(0, text.size() - 1) : text;
  return t.substr(t.rfind('\n') + 1);
}

int case_timeout_ms(const std::string& id) {
  for (const auto& sc : load_catalog(default_scenario_dir()).scenarios)
    for (const auto& c : plan_scenario(sc).cases)
      if (c.id() == id) return c.timeout_ms;
  throw std::runtime_error(id + ": not in the catalog");
}

// gnutls_record_uncork(GNUTLS_RECORD_WAIT) spins inside GnuTLS on a full non-blocking socket.
// Under --trace the case must end with the plain run's outcome, within its own time limit
// (plus what loading the catalog costs), and every process must stay below 256 MB.
TEST(TraceCli, SpinningCaseEndsLikeThePlainRun) {
  const std::string id = "cork-uncork-wait/tls13-client-gnutls-unix-oblivious/none/s0";
  int timeout_ms = case_timeout_ms(id);
  ASSERT_GT(timeout_ms, 0) << id << " has no time limit of its own";
  std::string out = testing::TempDir() + "dirprobe-selftest-trace.json";
  Exited plain = run_dirprobe({"run", "--case", id, "-q", "--out", out});
  ASSERT_TRUE(WIFEXITED(plain.status)) << plain.out;
  json record = json::parse(std::ifstream(out))["cases"][0];
  std::string outcome = record["outcome"];
  std::string raw = record.value("raw_outcome", outcome);
  Exited load = run_dirprobe({"list", "--case", id});  // what selecting the case costs
  ASSERT_EQ(load.status, 0) << load.out;

  Exited traced = run_dirprobe({"run", "--case", id, "--trace"});
  ASSERT_TRUE(WIFEXITED(traced.status)) << "ended by signal " << WTERMSIG(traced.status);
  EXPECT_EQ(WEXITSTATUS(traced.status), 0);
  std::string expected = "outcome: " + outcome + (raw == outcome ? "" : " (raw: " + raw + ")");
  EXPECT_TRUE(last_line(traced.out).starts_with(expected))
      << "plain run: " << expected << "\n--trace: " << last_line(traced.out);
  EXPECT_LT(traced.seconds, 2 * load.seconds + timeout_ms / 1000.0 + 3)
      << "selecting the case took " << load.seconds << " s";
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer's shadow memory and quarantine inflate the RSS several times over; the
  // bound is checked in the regular build (the same test runs there).
  RecordProperty("rss_bound", "not checked under AddressSanitizer");
#else
  EXPECT_LT(traced.max_rss_kb, 256 * 1024) << "peak RSS in KB";
#endif
  RecordProperty("trace_seconds", std::to_string(traced.seconds));
  RecordProperty("trace_max_rss_kb", std::to_string(traced.max_rss_kb));
}

#endif  // DIRPROBE_EXE

}  // namespace
}  // namespace dirprobe
