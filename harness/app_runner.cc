#include "harness/app_runner.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "harness/credentials.h"
#include "harness/pattern.h"

namespace dirprobe {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kServeSocketBuffer = 65536;  // SO_SNDBUF and SO_RCVBUF of serve's connections

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::string run_dir_name(const std::string& id) {
  std::string out;
  for (char c : id) out += (c == '/' || c == '%' || c == '=' || c == '@' || c == ':') ? '_' : c;
  return out;
}

void write_pattern_file(const std::filesystem::path& file, std::uint64_t seed, std::uint64_t size) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  std::vector<std::uint8_t> chunk(65536);
  for (std::uint64_t off = 0; off < size; off += chunk.size()) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - off));
    fill_pattern(seed, off, chunk.data(), n);
    out.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(n));
  }
  if (!out) throw std::runtime_error(file.string() + ": cannot be written");
}

// Bytes of `file` and how many of them, from the start, are the pattern.
std::pair<std::uint64_t, std::uint64_t> compare_with_pattern(const std::filesystem::path& file,
                                                             std::uint64_t seed) {
  std::ifstream in(file, std::ios::binary);
  std::vector<char> buf(65536);
  std::uint64_t total = 0, matching = 0;
  bool diverged = false;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::size_t n = static_cast<std::size_t>(in.gcount());
    for (std::size_t i = 0; i < n && !diverged; ++i) {
      if (static_cast<std::uint8_t>(buf[i]) != pattern_byte(seed, total + i)) diverged = true;
      else ++matching;
    }
    total += n;
  }
  return {total, matching};
}

std::string last_lines(const std::filesystem::path& file, std::size_t max_bytes) {
  std::ifstream in(file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The path a client program asks for (without the leading '/'), or that a server program
// serves: the served scenario's request path in the client role, else its name.
std::string served_path(const ServedScenario& served) {
  for (const ServedStep& step : served.script)
    if (step.kind == ServedKind::kRequest && !step.path.empty())
      return step.path[0] == '/' ? step.path.substr(1) : step.path;
  return served.name + ".bin";
}

struct RunFiles {
  std::filesystem::path dir, log, in, out, stdout_file, stderr_file, docroot;
};

std::vector<std::string> fill_command(const std::vector<std::string>& tmpl, const RunFiles& f,
                                      const std::filesystem::path& creds, std::uint16_t port,
                                      const ServedScenario& served) {
  std::vector<std::string> argv;
  std::string path = served_path(served);
  std::map<std::string, std::string> vars = {
      {"{port}", std::to_string(port)},
      {"{ca}", (creds / "ca.pem").string()},
      {"{cert}", (creds / "server-cert.pem").string()},
      {"{key}", (creds / "server-key.pem").string()},
      {"{client_cert}", (creds / "client-cert.pem").string()},
      {"{client_key}", (creds / "client-key.pem").string()},
      {"{out}", f.out.string()},
      {"{in}", f.in.string()},
      {"{dir}", f.docroot.string()},
      {"{path}", path},
      {"{url}", "https://localhost:" + std::to_string(port) + "/" + path},
      {"{upload_size}", std::to_string(served.receives)},
      {"{download_size}", std::to_string(served.sends)},
      {"{run}", f.dir.string()},
  };
  for (std::string arg : tmpl) {
    for (const auto& [k, v] : vars) arg = replace_all(arg, k, v);
    argv.push_back(arg);
  }
  return argv;
}

RunFiles prepare_files(const AppCase& c, const AppSettings& settings, const ServedScenario& served) {
  RunFiles f;
  f.dir = settings.work / "runs" / run_dir_name(c.id());
  std::filesystem::remove_all(f.dir);
  f.log = f.dir / "log";
  f.docroot = f.dir / "docroot";
  std::filesystem::create_directories(f.log);
  std::filesystem::create_directories(f.docroot);
  f.in = f.dir / "in.bin";
  f.out = f.dir / "out.bin";
  f.stdout_file = f.dir / "stdout";
  f.stderr_file = f.dir / "stderr";
  write_pattern_file(f.in, c.seed, served.receives);
  // A server program serves this file to serve's GET (it is what serve receives).
  if (served.role == Role::kClient) write_pattern_file(f.docroot / served_path(served), c.seed, served.receives);
  return f;
}

std::vector<std::string> interposer_env(const AppCase& c, const AppSettings& settings,
                                        const RunFiles& f) {
  std::vector<std::string> env = {
      "LD_PRELOAD=" + settings.preload.string(),
      "DIRPROBE_APP_LOG=" + f.log.string(),
      "DIRPROBE_APP_PLAN=" + c.plan,
      "DIRPROBE_APP_SESSION=1",
  };
  if (c.gated) env.push_back("DIRPROBE_APP_GATE=1");
  return env;
}

std::uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool port_accepts(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// What the watchdog saw: the program ended, went quiet, or ran out of budget.
enum class Watch { kExited, kQuiet, kBudget, kServeDone };

Watch watch(ChildProcess& child, const RunFiles& f, const Serve& serve,
            const std::atomic<std::uint64_t>& activity,
            const std::atomic<bool>& serve_done, bool stop_when_served, const AppSettings& s,
            Clock::time_point t0) {
  LogActivity program(f.log);
  std::uint64_t last_log = 0, last_activity = 0;
  auto last_change = Clock::now();
  for (;;) {
    if (child.poll()) return Watch::kExited;
    if (stop_when_served && serve_done.load()) return Watch::kServeDone;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::uint64_t log = program.count();
    std::uint64_t act = activity.load();
    if (log != last_log || act != last_activity || serve.pausing()) {
      last_log = log;
      last_activity = act;
      last_change = Clock::now();
    } else if (ms_since(last_change) > s.quiet_ms) {
      return Watch::kQuiet;
    }
    if (ms_since(t0) > s.budget_ms) return Watch::kBudget;
  }
}

// Where the program was when it went quiet: its last wait, or its last GnuTLS call; or, in
// poll-gated mode, retrying an operation the gate refused without ever waiting (a busy loop,
// which on a real socket spins until the socket is ready).
std::string quiet_place(const AppTrace& trace) {
  std::string where;
  for (const AppProcess& p : trace.processes) {
    std::size_t refused = 0;
    for (auto it = p.entries.rbegin(); it != p.entries.rend(); ++it) {
      if (it->kind == AppEntry::Kind::kIo && it->gated) ++refused;
      else if (it->kind == AppEntry::Kind::kWaitBegin || it->kind == AppEntry::Kind::kWait) break;
    }
    if (refused >= 100)
      return "pid " + std::to_string(p.pid) + " busy: it retried " + std::to_string(refused) +
             "+ times after E_AGAIN without a readiness wait (the gate opens only on a wait)";
  }
  for (const AppProcess& p : trace.processes) {
    for (auto it = p.entries.rbegin(); it != p.entries.rend(); ++it) {
      if (it->kind == AppEntry::Kind::kWaitBegin) {
        std::string fds;
        for (const auto& f : it->fds)
          fds += (fds.empty() ? "" : ", ") + std::to_string(f[0]) + ":" +
                 ((f[1] & 1) ? "in" : "") + ((f[1] & 5) == 5 ? "+" : "") + ((f[1] & 4) ? "out" : "");
        where = "pid " + std::to_string(p.pid) + " waiting in " + it->api + "(" + fds +
                ", timeout " + std::to_string(it->timeout) + " ms)";
      } else if (it->kind == AppEntry::Kind::kWait) {
        break;
      } else if (it->kind == AppEntry::Kind::kCall && where.empty()) {
        where = "pid " + std::to_string(p.pid) + " after " + it->api + " -> " +
                (it->name.empty() ? std::to_string(it->rc) : it->name);
        break;
      } else {
        continue;
      }
      break;
    }
  }
  return where.empty() ? "no wait and no GnuTLS call recorded" : where;
}

// The program's copy of what serve sent: a client's downloaded file, or the file a server
// program stored from serve's upload.
void check_output(AppRun& run, const AppProgram& program, const ServedScenario& served,
                  const RunFiles& f, const AppCase& c) {
  std::filesystem::path out = f.out;
  if (program.kind == AppKind::kServer) {
    if (served.sends == 0) return;
    out = f.docroot / served_path(served);
  } else if (program.output.empty()) {
    return;
  }
  run.output_checked = true;
  if (!std::filesystem::exists(out)) return;
  auto [total, matching] = compare_with_pattern(out, c.seed);
  run.output_bytes = total;
  run.output_matching = matching;
}

// The ending from what the watchdog, the program, `serve` and the bytes say.
void decide_ending(AppRun& run, Watch w, const AppProgram& program) {
  const ServeResult& s = run.served;
  bool upload_bad = s.received > run.expect_upload || s.matched < s.received;
  bool download_bad = run.output_checked &&
                      (run.output_bytes > run.expect_download || run.output_matching < run.output_bytes);
  if (run.exit && run.exit->signal != 0 && !run.killed) {
    run.ending = AppEnding::kCrash;
    run.detail = std::string("killed by signal ") + strsignal(run.exit->signal);
  } else if (upload_bad || download_bad) {
    run.ending = AppEnding::kCorrupted;
    run.detail = upload_bad ? "serve received " + std::to_string(s.received) + " bytes, " +
                                  std::to_string(s.matched) + " of them as sent"
                            : "the program's copy has " + std::to_string(run.output_bytes) +
                                  " bytes, the first " + std::to_string(run.output_matching) + " as served";
  } else if (w == Watch::kQuiet || w == Watch::kBudget) {
    run.ending = AppEnding::kHang;
    run.detail = (w == Watch::kBudget ? "still running after the budget; " : "quiet; ") + quiet_place(run.trace);
  } else if (program.kind == AppKind::kClient && run.exit && run.exit->code != 0) {
    run.ending = AppEnding::kError;
    run.detail = "exit status " + std::to_string(run.exit->code) +
                 (s.completed ? "" : "; serve: " + s.failure);
  } else if (run.output_checked && run.output_bytes != run.expect_download) {
    run.ending = AppEnding::kCorrupted;
    run.detail = "reported success with " + std::to_string(run.output_bytes) + " of the " +
                 std::to_string(run.expect_download) + " bytes served";
  } else if (program.kind == AppKind::kClient && s.received != run.expect_upload) {
    run.ending = AppEnding::kCorrupted;
    run.detail = "reported success, but serve received " + std::to_string(s.received) + " of the " +
                 std::to_string(run.expect_upload) + " bytes uploaded" +
                 (s.completed ? "" : " (serve: " + s.failure + ")");
  } else if (!s.completed) {
    run.ending = AppEnding::kError;
    run.detail = "serve: " + s.failure;
  } else {
    run.ending = AppEnding::kCompleted;
  }
}

}  // namespace

std::string_view app_ending_name(AppEnding ending) {
  switch (ending) {
    case AppEnding::kCompleted: return "completed";
    case AppEnding::kError: return "error";
    case AppEnding::kHang: return "hang";
    case AppEnding::kCorrupted: return "corrupted";
    case AppEnding::kCrash: return "crash";
    case AppEnding::kNotRun: return "not-run";
  }
  return "?";
}

std::filesystem::path app_credentials(const std::filesystem::path& work) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  // The keys are generated per process: files from an earlier process would not match.
  static std::set<std::filesystem::path> written;
  std::filesystem::path dir = work / "credentials";
  if (written.insert(dir).second) {
    std::filesystem::create_directories(dir);
    write_program_credentials(dir);
  }
  return dir;
}

Serve& ServePool::get(const ServedScenario& served, const AppCase& c,
                      const std::filesystem::path& credentials) {
  auto key = std::make_tuple(served.name, static_cast<int>(c.protocol), static_cast<int>(c.peer));
  auto it = serves_.find(key);
  if (it == serves_.end()) {
    ServeOptions opt;
    opt.protocol = c.protocol;
    opt.library = c.peer;
    (void)credentials;  // serve presents the same generated leaf the files hold
    // Small socket buffers on serve's side: a program meets a full socket (E_AGAIN) within
    // the first hundred KiB, and a pause quenches it soon.
    opt.sndbuf = opt.rcvbuf = kServeSocketBuffer;
    it = serves_.emplace(key, std::make_unique<Serve>(served, opt)).first;
  }
  return *it->second;
}

AppRun run_app_case(const AppCase& c, const AppProgram& program, const ServedScenario& served,
                    const AppSettings& settings, ServePool& pool) {
  AppRun run;
  if (!program.skip.empty()) {
    run.detail = program.skip;
    return run;
  }
  auto t0 = Clock::now();
  RunFiles f = prepare_files(c, settings, served);
  run.dir = f.dir;
  run.expect_download = served.sends;
  run.expect_upload = served.receives;
  std::filesystem::path creds = app_credentials(settings.work);
  bool server_program = program.kind == AppKind::kServer;
  Serve* serve = nullptr;
  std::unique_ptr<Serve> client_serve;
  std::uint16_t port = 0;
  if (server_program) {
    port = free_port();
  } else {
    serve = &pool.get(served, c, creds);
    port = serve->port();
  }
  bool upload = served.receives > 0 && !program.upload_command.empty();
  ProcessSpec spec;
  spec.argv = fill_command(upload ? program.upload_command : program.command, f, creds, port, served);
  std::vector<std::string> add = interposer_env(c, settings, f);
  for (const auto& [k, v] : program.env) add.push_back(k + "=" + replace_all(v, "{ca}", (creds / "ca.pem").string()));
  try {
    settings.runtime.apply(spec.argv, add);
  } catch (const std::runtime_error& e) {
    run.detail = e.what();  // the program is not installed, or the runtime lacks its loader
    return run;
  }
  spec.env = environment_with(add, {"LD_PRELOAD=", "DIRPROBE_APP_", "LD_LIBRARY_PATH="});
  spec.cwd = f.dir;
  spec.stdin_file = program.stdin_from == "{in}" ? f.in : std::filesystem::path();
  spec.stdout_file = f.stdout_file;
  spec.stderr_file = f.stderr_file;

  std::atomic<bool> stop{false}, serve_done{false};
  std::atomic<std::uint64_t> activity{0};
  ChildProcess child(spec);
  if (server_program) {
    for (int waited = 0; waited < 5000 && !port_accepts(port) && !child.poll(); waited += 10)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ServeOptions opt;
    opt.protocol = c.protocol;
    opt.library = c.peer;
    opt.connect_host = "127.0.0.1";
    opt.sndbuf = opt.rcvbuf = kServeSocketBuffer;
    opt.connect_port = port;
    client_serve = std::make_unique<Serve>(served, opt);
    serve = client_serve.get();
  }
  std::thread serving([&] {
    run.served = serve->run(stop, activity);
    serve_done = true;
  });
  Watch w = watch(child, f, *serve, activity, serve_done, server_program, settings, t0);
  if (w == Watch::kQuiet || w == Watch::kBudget) {
    run.killed = true;
    run.exit = child.kill_group();
  } else if (w == Watch::kServeDone) {
    run.killed = true;
    run.exit = child.terminate(500);
  } else {
    run.exit = child.poll();
    child.kill_group();  // anything the program left running
  }
  for (int waited = 0; waited < settings.quiet_ms && !serve_done; waited += 5)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  serving.join();
  run.trace = read_app_log(f.log);
  run.stderr_tail = last_lines(f.stderr_file, 600);
  check_output(run, program, served, f, c);
  decide_ending(run, w, program);
  run.wall_ms = ms_since(t0);
  return run;
}

}  // namespace dirprobe
