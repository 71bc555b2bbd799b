// Self-tests of the LD_PRELOAD interposer (harness/preload/): the subject
// (tests/apps/preload_subject.c, a non-blocking GnuTLS client) runs as a child process, with and
// without the interposer, against a blocking GnuTLS server on a loopback TCP port in a thread of
// this test. Every wait is bounded: the server's socket times out, the child is killed after a
// deadline.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "harness/credentials.h"
#include "harness/handles.h"

namespace dirprobe {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kSend = 40000, kRecv = 30000;  // bytes the subject sends and receives

unsigned char subject_pattern(std::size_t i) {
  return static_cast<unsigned char>((i * 7 + 3) & 255);
}

// The line the subject prints when it received `n` pattern bytes.
std::string expected_output(std::size_t sent, std::size_t n) {
  unsigned checksum = 2166136261u;
  for (std::size_t i = 0; i < n; ++i) checksum = (checksum ^ subject_pattern(i)) * 16777619u;
  char line[96];
  std::snprintf(line, sizeof line, "sent %zu received %zu checksum %08x\n", sent, n, checksum);
  return line;
}

// A fresh directory under the system's temp dir, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "dirprobe-preload-XXXXXX").string();
    path = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

// What the test's server saw of its one connection.
struct ServerResult {
  bool handshake = false;
  std::size_t received = 0;  // bytes received
  bool pattern_ok = true;    // every byte received was the subject's pattern
  std::size_t sent = 0;
};

// One blocking GnuTLS server connection, in a thread: handshake, read kSend bytes, send kRecv
// bytes, then read until the subject closes. Socket timeouts bound every step.
class TestServer {
 public:
  TestServer() {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(listener_, 4) != 0)
      throw std::runtime_error("cannot listen on loopback");
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~TestServer() {
    if (thread_.joinable()) thread_.join();
    close(listener_);
  }
  int port() const { return port_; }
  ServerResult result() {
    if (thread_.joinable()) thread_.join();
    return result_;
  }

 private:
  void serve() {
    pollfd pfd{listener_, POLLIN, 0};
    if (poll(&pfd, 1, 20000) != 1) return;
    int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    timeval tv{20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    gnutls_session_t raw = nullptr;
    gnutls_init(&raw, GNUTLS_SERVER);
    GnutlsPtr<gnutls_session_t> session(raw);
    gnutls_set_default_priority(raw);
    gnutls_credentials_set(raw, GNUTLS_CRD_CERTIFICATE,
                           gnutls_test_credentials(KeyType::kEd25519, true));
    gnutls_transport_set_int(raw, fd);
    exchange(raw);
    session.reset();
    close(fd);
  }

  void exchange(gnutls_session_t s) {
    if (gnutls_handshake(s) < 0) return;
    result_.handshake = true;
    unsigned char buf[4096];
    while (result_.received < kSend) {
      ssize_t r = gnutls_record_recv(s, buf, sizeof buf);
      if (r <= 0) return;
      for (ssize_t i = 0; i < r; ++i)
        result_.pattern_ok = result_.pattern_ok && buf[i] == subject_pattern(result_.received + i);
      result_.received += r;
    }
    while (result_.sent < kRecv) {
      std::size_t n = std::min(sizeof buf, kRecv - result_.sent);
      for (std::size_t i = 0; i < n; ++i) buf[i] = subject_pattern(result_.sent + i);
      ssize_t w = gnutls_record_send(s, buf, n);
      if (w <= 0) return;
      result_.sent += w;
    }
    while (gnutls_record_recv(s, buf, sizeof buf) > 0) {
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  ServerResult result_;
};

struct ChildResult {
  bool killed = false;  // still running at the deadline
  int status = -1;      // exit status when it exited
  std::string out;
};

// Runs the subject with `env` added to (and DIRPROBE_* removed from) this process's environment.
ChildResult run_subject(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env,
                        std::chrono::milliseconds deadline) {
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string s = *e;
    std::string key = s.substr(0, s.find('='));
    if (!key.starts_with("DIRPROBE_APP_") && key != "LD_PRELOAD" && !env.contains(key))
      envs.push_back(s);
  }
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  for (auto& e : envs) envp.push_back(e.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  ChildResult r;
  auto end = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    pollfd pfd{out[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&pfd, 1, static_cast<int>(left.count())) == 0) {
      r.killed = true;
      kill(pid, SIGKILL);
      break;
    }
    char buf[512];
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    r.out.append(buf, n);
  }
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!r.killed && WIFEXITED(status)) r.status = WEXITSTATUS(status);
  return r;
}

// Every line of every process's log in `dir`.
std::vector<json> read_log(const fs::path& dir) {
  std::vector<json> lines;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".jsonl") continue;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  }
  return lines;
}

std::vector<json> events(const std::vector<json>& log, const std::string& ev) {
  std::vector<json> out;
  for (const auto& l : log)
    if (l["ev"] == ev) out.push_back(l);
  return out;
}

class PreloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_ = dir_.path / "ca.pem";
    std::ofstream(ca_) << test_credentials().ca_cert_pem;
    log_ = dir_.path / "log";
    fs::create_directory(log_);
  }

  std::vector<std::string> args(int port, bool wrong_direction = false) const {
    std::vector<std::string> a = {DIRPROBE_PRELOAD_SUBJECT, std::to_string(port), ca_.string(),
                                  std::to_string(kSend), std::to_string(kRecv)};
    if (wrong_direction) a.push_back("--wrong-direction");
    if (callbacks_) a.push_back("--callbacks");
    if (epoll_) a.push_back("--epoll");
    return a;
  }

  std::map<std::string, std::string> preload_env(const std::string& plan, bool gate = false) const {
    std::map<std::string, std::string> env = {{"LD_PRELOAD", DIRPROBE_PRELOAD_LIB},
                                              {"DIRPROBE_APP_LOG", log_.string()},
                                              {"DIRPROBE_APP_PLAN", plan}};
    if (gate) env["DIRPROBE_APP_GATE"] = "1";
    return env;
  }

  // Runs the subject against a fresh server; checks that both sides moved every byte.
  void expect_complete_run(const std::map<std::string, std::string>& env) {
    TestServer server;
    ChildResult child = run_subject(args(server.port()), env, std::chrono::seconds(30));
    ServerResult seen = server.result();
    EXPECT_FALSE(child.killed);
    EXPECT_EQ(child.status, 0);
    EXPECT_EQ(child.out, expected_output(kSend, kRecv));
    EXPECT_TRUE(seen.handshake);
    EXPECT_EQ(seen.received, kSend);
    EXPECT_TRUE(seen.pattern_ok);
    EXPECT_EQ(seen.sent, kRecv);
  }

  TempDir dir_;
  fs::path ca_, log_;
  bool callbacks_ = false;  // the subject uses its own push and pull functions
  bool epoll_ = false;      // the subject waits with epoll_wait
};

// The same bytes move with and without the interposer (plan none), and the log names the
// installed GnuTLS as the session's runtime.
TEST_F(PreloadTest, PassThroughMovesTheSameBytesAndLogsTheRuntime) {
  expect_complete_run({});
  EXPECT_TRUE(fs::is_empty(log_));
  expect_complete_run(preload_env("none"));
  auto log = read_log(log_);
  auto process = events(log, "process");
  auto session = events(log, "session");
  ASSERT_EQ(process.size(), 1u);
  ASSERT_EQ(session.size(), 1u);
  EXPECT_EQ(session[0]["gnutls"], gnutls_check_version(nullptr));
  EXPECT_EQ(session[0]["role"], "client");
  EXPECT_EQ(session[0]["planned"], true);
  EXPECT_EQ(events(log, "transport")[0]["how"], "int2");
  auto io = events(log, "io");
  ASSERT_FALSE(io.empty());
  EXPECT_EQ(io[0]["nonblock"], true);
  for (const auto& l : io) EXPECT_TRUE(l["fault"].is_null()) << l;
  ASSERT_EQ(events(log, "end").size(), 1u);
  EXPECT_EQ(events(log, "end")[0]["injected"], 0);
}

// Injected EAGAINs at the first push and the second pull show in the log, the calls they hit
// return GNUTLS_E_AGAIN, and the transfer still completes.
TEST_F(PreloadTest, InjectedFaultsAreLoggedAndTheTransferCompletes) {
  expect_complete_run(preload_env("push@1=eagain+pull@2=eagain"));
  auto log = read_log(log_);
  int faults = 0;
  for (const auto& l : events(log, "io")) {
    if (l["fault"].is_null()) continue;
    ++faults;
    EXPECT_EQ(l["fault"], "eagain");
    EXPECT_EQ(l["errno"], "EAGAIN");
    EXPECT_TRUE((l["op"] == "push" && l["n"] == 1) || (l["op"] == "pull" && l["n"] == 2)) << l;
  }
  EXPECT_EQ(faults, 2);
  int again = 0;
  for (const auto& l : events(log, "call"))
    if (l["name"] == "GNUTLS_E_AGAIN") ++again;
  EXPECT_GE(again, 2);
  EXPECT_EQ(events(log, "end")[0]["injected"], 2);
}

// With the program's own push and pull functions, the interposer forwards to them, learns the
// descriptor they use, and injects the same faults at the same points.
TEST_F(PreloadTest, ProgramCallbacksAreWrappedAndTheirDescriptorLearned) {
  callbacks_ = true;
  expect_complete_run(preload_env("push@1=eagain+pull@2=eagain", true));
  auto log = read_log(log_);
  std::vector<std::string> how;
  for (const auto& l : events(log, "transport")) how.push_back(l["how"]);
  EXPECT_EQ(how, (std::vector<std::string>{"ptr", "push", "pull"}));
  auto io = events(log, "io");
  ASSERT_FALSE(io.empty());
  // The descriptor is known from the first callback on (an injected fault calls none).
  auto learned =
      std::find_if(io.begin(), io.end(), [](const json& l) { return l["fd"].is_number(); });
  ASSERT_NE(learned, io.end());
  EXPECT_EQ((*learned)["nonblock"], true);
  for (auto it = learned; it != io.end(); ++it) EXPECT_TRUE((*it)["fd"].is_number()) << *it;
  int faults = 0;
  for (const auto& l : io) faults += l["fault"].is_null() ? 0 : 1;
  EXPECT_EQ(faults, 2);
  EXPECT_FALSE(events(log, "gate").empty());
}

// Poll-gated mode: a subject that polls the direction GnuTLS reports gets through.
TEST_F(PreloadTest, GatedSubjectPollingTheRightDirectionCompletes) {
  expect_complete_run(preload_env("push@1=eagain+pull@2=eagain", true));
  auto gates = events(read_log(log_), "gate");
  ASSERT_FALSE(gates.empty());
  EXPECT_EQ(gates[0]["dir"], "write");
  EXPECT_EQ(gates[0]["state"], "closed");
}

// Poll-gated mode with epoll: the wait is mapped to the session's descriptor through the event
// data epoll_ctl registered (a cookie here), and it opens the gate.
TEST_F(PreloadTest, GatedSubjectWaitingWithEpollCompletes) {
  epoll_ = true;
  expect_complete_run(preload_env("push@1=eagain+pull@2=eagain", true));
  auto log = read_log(log_);
  auto waits = events(log, "wait");
  ASSERT_FALSE(waits.empty());
  int fd = events(log, "io")[0]["fd"];
  EXPECT_EQ(waits[0]["api"], "epoll_wait");
  EXPECT_EQ(waits[0]["fds"], json::parse("[[" + std::to_string(fd) + ",4,4]]"));
  int opened = 0;
  for (const auto& g : events(log, "gate")) opened += g["state"] == "open" ? 1 : 0;
  EXPECT_GE(opened, 2);
}

// Poll-gated mode: a subject that polls the other direction on purpose stays stuck in its wait;
// the log ends with that wait's wait_begin (POLLIN while the session wants to write).
TEST_F(PreloadTest, GatedSubjectPollingTheWrongDirectionIsStuck) {
  TestServer server;
  ChildResult child = run_subject(args(server.port(), true), preload_env("push@1=eagain", true),
                                  std::chrono::seconds(3));
  EXPECT_TRUE(child.killed);
  server.result();  // the server sees the connection close
  auto log = read_log(log_);
  ASSERT_GE(log.size(), 2u);
  const json& last = log.back();
  EXPECT_EQ(last["ev"], "wait_begin") << last;
  ASSERT_EQ(last["fds"].size(), 1u);
  EXPECT_EQ(last["fds"][0][1], POLLIN);
  auto calls = events(log, "call");
  auto handshake = std::find_if(calls.rbegin(), calls.rend(),
                                [](const json& l) { return l["api"] == "gnutls_handshake"; });
  ASSERT_NE(handshake, calls.rend());
  EXPECT_EQ((*handshake)["name"], "GNUTLS_E_AGAIN");
  EXPECT_EQ((*handshake)["dir"], 1);
}

// Against Debian bullseye's GnuTLS (LD_LIBRARY_PATH), the session line names 3.7.1.
TEST_F(PreloadTest, SessionLineNamesTheRuntimeReallyLoaded) {
  const char* home = std::getenv("HOME");
  fs::path cache = std::getenv("DIRPROBE_CACHE") != nullptr
                       ? fs::path(std::getenv("DIRPROBE_CACHE"))
                       : fs::path(home != nullptr ? home : "/root") / ".cache/dirprobe";
  fs::path root = cache / "runtimes/bullseye/root";
  if (!fs::exists(root / "usr/lib/x86_64-linux-gnu/libgnutls.so.30"))
    GTEST_SKIP() << "no bullseye runtime at " << root << " (scripts fetch it for the matrix)";
  auto env = preload_env("none");
  env["LD_LIBRARY_PATH"] =
      (root / "usr/lib/x86_64-linux-gnu").string() + ":" + (root / "lib/x86_64-linux-gnu").string();
  expect_complete_run(env);
  auto session = events(read_log(log_), "session");
  ASSERT_EQ(session.size(), 1u);
  EXPECT_EQ(session[0]["gnutls"], "3.7.1");
  EXPECT_NE(session[0]["lib"].get<std::string>().find("bullseye"), std::string::npos);
}

}  // namespace
}  // namespace dirprobe
