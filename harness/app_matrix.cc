#include "harness/app_matrix.h"

#include <fnmatch.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "harness/results.h"

namespace dirprobe {
namespace {

using nlohmann::json;

constexpr std::size_t kStridePoints = 3;  // points per direction over the bulk transfer (full tier)

bool applicable(const AppProgram& p, const ServedScenario& s) {
  bool roles = (p.kind == AppKind::kClient) == (s.role == Role::kServer);
  std::string exchange = s.exchange == Exchange::kHttp ? "http" : "stream";
  if (!roles || !p.speaks(exchange)) return false;
  if (s.exchange != Exchange::kHttp) return true;
  // An upload is the program sending a body: to serve the server, or from serve the client.
  bool upload = s.role == Role::kServer ? s.receives > 0 || s.receives_open_ended : s.sends > 0;
  return p.does(upload ? "upload" : "download");
}

struct Point {
  bool push;
  std::uint64_t n;
  std::size_t position;  // index of the io entry in the process's entries
};

// The planned session's fault points in order, and where its handshake completed.
std::vector<Point> session_points(const AppRun& run, std::size_t& handshake_end) {
  std::vector<Point> points;
  handshake_end = 0;
  const AppSession* s = planned_session(run.trace);
  if (s == nullptr) return points;
  for (const AppProcess& p : run.trace.processes) {
    if (p.pid != s->pid) continue;
    for (std::size_t i = 0; i < p.entries.size(); ++i) {
      const AppEntry& e = p.entries[i];
      if (e.session != s->id) continue;
      if (e.kind == AppEntry::Kind::kIo && !e.cont && !e.gated) points.push_back({e.push, e.n, i});
      if (e.kind == AppEntry::Kind::kCall && e.api == "gnutls_handshake" && e.rc == 0 && handshake_end == 0)
        handshake_end = i;
    }
  }
  return points;
}

// The entry position at which the program's library met served event `ev`: the first
// record-layer call after which the program had received (or sent) the bytes serve had sent
// (or received) when it fired the event.
std::size_t event_position(const AppRun& run, const ServedEvent& ev) {
  const AppSession* s = planned_session(run.trace);
  for (const AppProcess& p : run.trace.processes) {
    if (p.pid != s->pid) continue;
    std::uint64_t got = 0, sent = 0;
    for (std::size_t i = 0; i < p.entries.size(); ++i) {
      const AppEntry& e = p.entries[i];
      if (e.kind != AppEntry::Kind::kCall || e.session != s->id || e.rc <= 0) continue;
      if (e.api.rfind("gnutls_record_recv", 0) == 0) got += static_cast<std::uint64_t>(e.rc);
      if (e.api.rfind("gnutls_record_send", 0) == 0) sent += static_cast<std::uint64_t>(e.rc);
      if (got > ev.sent || sent > ev.received) return i;
    }
  }
  return std::string::npos;
}

void add_case(std::vector<AppCase>& out, std::set<std::string>& seen, const AppCase& clean,
              const Point& p, bool gate) {
  AppCase c = clean;
  c.gated = gate;
  c.plan = std::string(p.push ? "push@" : "pull@") + std::to_string(p.n) + "=eagain";
  if (seen.insert(c.id()).second) out.push_back(c);
}

bool selected(const std::string& id, const std::vector<std::string>& filters) {
  if (filters.empty()) return true;
  for (const auto& f : filters)
    if (fnmatch(f.c_str(), id.c_str(), 0) == 0) return true;
  return false;
}

template <typename Fn>
void parallel_for(std::size_t count, int jobs, Fn fn) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < std::max(1, jobs); ++w)
    workers.emplace_back([&] {
      ServePool pool;
      for (std::size_t i = next++; i < count; i = next++) fn(i, pool);
    });
  for (auto& t : workers) t.join();
}

}  // namespace

AppTier parse_app_tier(const std::string& text) {
  if (text == "ci") return AppTier::kCi;
  if (text == "full") return AppTier::kFull;
  if (text == "exhaustive") return AppTier::kExhaustive;
  throw std::invalid_argument("unknown tier '" + text + "' (expected ci, full or exhaustive)");
}

std::vector<AppCase> app_clean_cases(const std::vector<AppProgram>& programs,
                                     const std::vector<ServedScenario>& served) {
  std::vector<AppCase> out;
  for (const AppProgram& p : programs)
    for (const ServedScenario& s : served) {
      if (!applicable(p, s)) continue;
      for (Protocol protocol : s.protocols)
        for (PeerLibrary peer : s.peers) {
          AppCase c;
          c.program = p.name;
          c.served = s.name;
          c.protocol = protocol;
          c.role = p.kind == AppKind::kClient ? Role::kClient : Role::kServer;
          c.peer = peer;
          out.push_back(c);
        }
    }
  return out;
}

std::vector<AppCase> app_sweep_cases(const AppCase& clean, const AppRun& run, AppTier tier) {
  std::vector<AppCase> out;
  if (run.ending != AppEnding::kCompleted) return out;
  if (clean.peer != Library::kGnutls && tier != AppTier::kExhaustive) return out;
  const AppSession* s = planned_session(run.trace);
  if (s == nullptr) return out;
  bool can_gate = !s->nonblock || *s->nonblock;
  // A program on a blocking socket never meets E_AGAIN in real use: its runs with one are kept
  // apart, so the handshake's points suffice to show what it would do.
  bool blocking = s->nonblock && !*s->nonblock;
  std::size_t hs_end = 0;
  std::vector<Point> points = session_points(run, hs_end);
  std::set<std::string> seen;
  auto add = [&](const Point& p) {
    add_case(out, seen, clean, p, false);
    if (can_gate) add_case(out, seen, clean, p, true);
  };
  std::vector<Point> bulk;
  for (const Point& p : points) {
    if (hs_end == 0 || p.position < hs_end || tier == AppTier::kExhaustive) add(p);
    else bulk.push_back(p);
  }
  for (const ServedEvent& ev : run.served.events) {
    if (!ev.fired || blocking) continue;
    std::size_t at = event_position(run, ev);
    if (at == std::string::npos) continue;
    // the last point of each direction before the event's call, the one before it and two after
    std::uint64_t ref[2] = {0, 0};
    for (const Point& q : bulk)
      if (q.position < at) ref[q.push] = q.n;
    for (const Point& p : bulk)
      if (p.n + 1 >= ref[p.push] && p.n <= ref[p.push] + 2) add(p);
  }
  if (tier != AppTier::kCi && !blocking) {
    for (bool push : {true, false}) {
      std::vector<Point> dir;
      for (const Point& p : bulk)
        if (p.push == push) dir.push_back(p);
      std::size_t stride = std::max<std::size_t>(1, dir.size() / kStridePoints);
      for (std::size_t i = stride / 2; i < dir.size(); i += stride) add(dir[i]);
    }
  }
  return out;
}

std::vector<AppCaseResult> run_app_matrix(const std::vector<AppProgram>& programs,
                                          const std::vector<ServedScenario>& served,
                                          const AppSettings& settings, const AppMatrixOptions& options) {
  auto program_of = [&](const std::string& name) -> const AppProgram& {
    return *std::find_if(programs.begin(), programs.end(), [&](const AppProgram& p) { return p.name == name; });
  };
  auto served_of = [&](const std::string& name) -> const ServedScenario& {
    return *std::find_if(served.begin(), served.end(), [&](const ServedScenario& s) { return s.name == name; });
  };
  std::mutex mu;
  std::size_t done = 0, total = 0;
  auto run_one = [&](const AppCase& c, ServePool& pool, AppRun* keep) {
    AppRun run = run_app_case(c, program_of(c.program), served_of(c.served), settings, pool);
    AppCaseResult r{c, judge_app_run(c, program_of(c.program), served_of(c.served), run, settings.runtime), {}};
    apply_app_known(r.verdict, c.id(), settings.runtime.gnutls_version, settings.known);
    r.record = app_case_json(c, run, r.verdict);
    if (keep != nullptr) *keep = std::move(run);
    else std::filesystem::remove_all(run.dir);
    std::lock_guard<std::mutex> lock(mu);
    if (options.progress && (++done % 100 == 0 || done == total))
      std::cerr << "app: " << done << "/" << total << " runs\n";
    return r;
  };
  std::vector<AppCase> clean = app_clean_cases(programs, served);
  total = clean.size();
  std::vector<AppCaseResult> clean_results(clean.size());
  std::vector<AppRun> clean_runs(clean.size());
  parallel_for(clean.size(), options.jobs, [&](std::size_t i, ServePool& pool) {
    clean_results[i] = run_one(clean[i], pool, &clean_runs[i]);
  });
  std::vector<std::vector<AppCase>> sweeps(clean.size());
  std::vector<std::pair<std::size_t, std::size_t>> index;
  for (std::size_t i = 0; i < clean.size(); ++i) {
    for (AppCase& c : app_sweep_cases(clean[i], clean_runs[i], options.tier))
      if (selected(c.id(), options.filters)) sweeps[i].push_back(c);
    for (std::size_t j = 0; j < sweeps[i].size(); ++j) index.emplace_back(i, j);
    std::filesystem::remove_all(clean_runs[i].dir);
    clean_runs[i] = AppRun{};
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    total += index.size();
  }
  std::vector<std::vector<AppCaseResult>> swept(clean.size());
  for (std::size_t i = 0; i < clean.size(); ++i) swept[i].resize(sweeps[i].size());
  parallel_for(index.size(), options.jobs, [&](std::size_t k, ServePool& pool) {
    auto [i, j] = index[k];
    swept[i][j] = run_one(sweeps[i][j], pool, nullptr);
  });
  std::vector<AppCaseResult> out;
  for (std::size_t i = 0; i < clean.size(); ++i) {
    out.push_back(std::move(clean_results[i]));
    for (auto& r : swept[i]) out.push_back(std::move(r));
  }
  return out;
}

json app_results_document(const std::vector<AppProgram>& programs,
                          const std::vector<ServedScenario>& served,
                          const std::vector<AppCaseResult>& results, const AppSettings& settings,
                          double wall_seconds, int jobs) {
  json scenarios = json::object(), progs = json::object(), cases = json::array();
  for (const AppCaseResult& r : results) {
    std::string name = r.c.scenario();
    if (!scenarios.contains(name)) {
      const auto& s = *std::find_if(served.begin(), served.end(), [&](const ServedScenario& x) { return x.name == r.c.served; });
      scenarios[name] = {{"family", "apps"}, {"claim", s.what}, {"asserted", "L1,R1,M1"}, {"premises", json::array()}};
    }
    cases.push_back(r.record);
  }
  for (const AppProgram& p : programs)
    progs[p.name] = {{"what", p.what}, {"kind", p.kind == AppKind::kClient ? "client" : "server"},
                     {"notes", p.notes}, {"command", p.command}};
  return {{"schema", kResultsSchema},
          {"schema_version", kResultsVersion},
          {"runtime", settings.runtime.name},
          {"gnutls_version", settings.runtime.gnutls_version},
          {"openssl_version", OpenSSL_version(OPENSSL_VERSION_STRING)},
          {"host", {{"wall_seconds", wall_seconds}, {"jobs", jobs}}},
          {"subject", "programs"},
          {"programs", progs},
          {"scenarios", scenarios},
          {"case_count", cases.size()},
          {"cases", cases}};
}

}  // namespace dirprobe
