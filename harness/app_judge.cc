#include "harness/app_judge.h"

#include <set>

#include "harness/fault_plan.h"

namespace dirprobe {
namespace {

using nlohmann::json;

json violated(const std::string& what) { return {{"verdict", "violated"}, {"what", what}}; }

std::string events_text(int ev) {
  std::string out;
  if (ev & 1) out = "readable";
  if (ev & 4) out += out.empty() ? "writable" : "+writable";
  return out.empty() ? "nothing" : out;
}

// The skip reason when the run did not test the runtime it was meant to, or cannot be gated.
std::string skip_reason(const AppRun& run, const AppRuntime& runtime) {
  const AppSession* s = planned_session(run.trace);
  if (s == nullptr) {
    auto at = run.stderr_tail.find("version `");
    if (at != std::string::npos && run.stderr_tail.find("not found", at) != std::string::npos) {
      std::string line = run.stderr_tail.substr(run.stderr_tail.rfind('\n', at) + 1);
      return "the runtime lacks what the program was linked against: " + line.substr(0, line.find('\n'));
    }
    return "";
  }
  for (const auto& [id, session] : run.trace.sessions) {
    if (session.gnutls != runtime.gnutls_version) {
      std::string exe;
      for (const auto& p : run.trace.processes)
        if (p.pid == session.pid) exe = p.exe;
      return "session " + std::to_string(id) + " (pid " + std::to_string(session.pid) + " " + exe +
             ") loaded GnuTLS " + session.gnutls + " from " + session.lib + ", not the runtime's " +
             runtime.gnutls_version;
    }
  }
  return "";
}

bool injects_soft(const FaultPlan& plan, const std::string& text) {
  (void)plan;
  return text.find("eagain") != std::string::npos || text.find("eintr") != std::string::npos ||
         text.find("short") != std::string::npos || text.find("async") != std::string::npos ||
         text.find("allow") != std::string::npos;
}

bool injects_hard(const std::string& text) {
  return text.find("reset") != std::string::npos || text.find("pipe") != std::string::npos ||
         text.find("eof") != std::string::npos || text.find("zero") != std::string::npos;
}

// L1 on a hang: did the program wait for what GnuTLS reported after its last E_AGAIN?
json judge_l1(const AppRun& run) {
  if (run.ending != AppEnding::kHang) return "held";
  const AppSession* s = planned_session(run.trace);
  if (s == nullptr) return "held";
  const AppEntry* again = nullptr;
  const AppEntry* wait = nullptr;
  for (const AppProcess& p : run.trace.processes) {
    if (p.pid != s->pid) continue;
    for (const AppEntry& e : p.entries) {
      // The wait that counts follows an E_AGAIN with no call that went on in between.
      bool call = e.kind == AppEntry::Kind::kCall && e.session == s->id &&
                  e.api != "gnutls_record_get_direction" && e.api != "gnutls_record_check_pending";
      if (call) {
        bool blocked = e.name == "GNUTLS_E_AGAIN" || e.name == "GNUTLS_E_INTERRUPTED";
        again = blocked ? &e : nullptr;
        wait = nullptr;
      }
      if (e.kind == AppEntry::Kind::kWaitBegin && again != nullptr)
        for (const auto& f : e.fds)
          if (f[0] == s->fd) wait = &e;
    }
  }
  if (again == nullptr || wait == nullptr) return "held";
  int asked = 0;
  for (const auto& f : wait->fds)
    if (f[0] == s->fd) asked |= f[1];
  int want = again->dir == 1 ? 4 : 1;
  if ((asked & want) == 0) return "held";  // the program waited for something else: its own doing
  return violated("the program waited for " + events_text(asked) + " on fd " + std::to_string(s->fd) +
                  " as gnutls_record_get_direction reported (" + std::to_string(again->dir) +
                  ") after " + again->api + " returned " + again->name + ", and nothing came");
}

json judge_r1(const AppRun& run) {
  if (run.ending != AppEnding::kCorrupted) return "held";
  return violated(run.detail);
}

// M1 from the program's side: each control message serve sent that GnuTLS must hand to the
// application (a warning alert, a HelloRequest, a post-handshake certificate request) was
// reported by one of the program's calls, when the run completed past it. A KeyUpdate is
// handled inside GnuTLS (its answer may wait for the program's next data: RFC 8446, 4.6.3), so
// whether serve saw the answer is a recorded fact, not a verdict.
json judge_m1(const AppRun& run) {
  if (run.ending != AppEnding::kCompleted) return "held";
  std::set<std::string> reported;
  const AppSession* s = planned_session(run.trace);
  for (const AppProcess& p : run.trace.processes)
    for (const AppEntry& e : p.entries)
      if (e.kind == AppEntry::Kind::kCall && s != nullptr && e.session == s->id) reported.insert(e.name);
  const std::pair<const char*, const char*> kReported[] = {
      {"alert", "GNUTLS_E_WARNING_ALERT_RECEIVED"},
      {"rehandshake", "GNUTLS_E_REHANDSHAKE"},
      {"reauth", "GNUTLS_E_REAUTH_REQUEST"}};
  for (const auto& ev : run.served.events) {
    if (!ev.fired) continue;
    for (const auto& [step, code] : kReported)
      if (ev.step == step && !reported.contains(code))
        return violated(std::string("serve's ") + step + " (after " + std::to_string(ev.sent) +
                        " bytes) was never reported to the program: no call returned " + code);
  }
  return "held";
}

std::string first_violation(const json& invariants) {
  for (const auto& [name, v] : invariants.items())
    if (v.is_object()) return name + " violated: " + v["what"].get<std::string>();
  return "";
}

}  // namespace

bool served_expects_error(const ServedScenario& served) {
  std::uint64_t announced = 0;
  for (const ServedStep& step : served.script)
    if (step.kind == ServedKind::kResponse && served.role == Role::kServer) announced += step.bytes;
  return served.exchange == Exchange::kHttp && announced > served.sends;
}

const AppSession* planned_session(const AppTrace& trace) {
  auto it = trace.sessions.find(1);
  return it == trace.sessions.end() ? nullptr : &it->second;
}

AppVerdict judge_app_run(const AppCase& c, const AppProgram& program, const ServedScenario& served,
                         const AppRun& run, const AppRuntime& runtime) {
  AppVerdict v;
  (void)program;
  if (run.ending == AppEnding::kNotRun) {
    v.outcome = "skip";
    v.reason = run.detail;
    return v;
  }
  if (std::string why = skip_reason(run, runtime); !why.empty()) {
    v.outcome = "skip";
    v.reason = why;
    return v;
  }
  v.invariants = {{"L1", judge_l1(run)}, {"R1", judge_r1(run)}, {"M1", judge_m1(run)}};
  const AppSession* s = planned_session(run.trace);
  FaultPlan plan = FaultPlan::parse(c.plan);
  bool soft = injects_soft(plan, c.plan), hard = injects_hard(c.plan);
  std::uint64_t injected = s != nullptr ? s->injected : 0;
  for (const AppProcess& p : run.trace.processes)
    for (const AppEntry& e : p.entries)
      if (e.kind == AppEntry::Kind::kIo && !e.fault.empty() && e.session == 1) injected = std::max<std::uint64_t>(injected, 1);
  bool on_blocking = false;
  for (const AppProcess& p : run.trace.processes)
    for (const AppEntry& e : p.entries)
      if (e.kind == AppEntry::Kind::kIo && !e.fault.empty() && e.session == 1 && e.nonblock && !*e.nonblock)
        on_blocking = true;
  if (soft && on_blocking)
    v.apart = "E_AGAIN injected on a blocking socket: the program never meets it in real use";

  std::string violation = first_violation(v.invariants);
  switch (run.ending) {
    case AppEnding::kCrash: v.outcome = "crash"; v.reason = run.detail; return v;
    case AppEnding::kHang: v.outcome = "stalled"; v.reason = "hang: " + run.detail; break;
    case AppEnding::kCorrupted: v.outcome = "fail"; v.reason = "corrupted: " + run.detail; break;
    case AppEnding::kError:
      if (served_expects_error(served) || (hard && injected > 0)) {
        v.outcome = "pass";
      } else {
        v.outcome = "fail";
        v.reason = "error reported" + std::string(soft && injected > 0 ? " under a fault it could survive (" + c.plan + ")" : "") +
                   ": " + run.detail;
      }
      break;
    case AppEnding::kCompleted:
      if (served_expects_error(served)) {
        v.outcome = "fail";
        v.reason = "reported success although the transfer could not complete";
      } else {
        v.outcome = violation.empty() ? "pass" : "fail";
        v.reason = violation;
      }
      break;
    case AppEnding::kNotRun: break;  // skipped above
  }
  if (v.outcome == "pass" && c.plan != "none" && injected == 0) {
    v.outcome = "vacuous";
    v.reason = "the fault " + c.plan + " never happened (session 1 made " +
               std::to_string(s ? s->pushes : 0) + " pushes and " + std::to_string(s ? s->pulls : 0) + " pulls)";
  }
  // The first violation, unless the reason already says what it says (R1 on a corrupted run).
  std::string what = violation.empty() ? "" : violation.substr(violation.find(": ") + 2);
  if (!violation.empty() && v.reason.find(what) == std::string::npos && v.outcome != "pass")
    v.reason += "; " + violation;
  return v;
}

void apply_app_known(AppVerdict& v, const std::string& id, const std::string& gnutls_version,
                     const Expectations& known) {
  if (v.outcome != "fail" && v.outcome != "stalled" && v.outcome != "crash") return;
  std::vector<std::string> deviations;
  for (const auto& [name, inv] : v.invariants.items())
    if (inv.is_object()) deviations.push_back(name);
  deviations.push_back("outcome " + v.outcome);
  auto version = Version::parse(gnutls_version).value_or(Version{});
  std::vector<std::string> where;
  for (const std::string& dev : deviations) {
    const Expectation* by = nullptr;
    for (const Expectation& e : known.entries)
      if (e.applies(id, version) && e.explains(dev)) by = &e;
    if (by == nullptr) return;  // one deviation no entry explains: the case stays as it is
    if (std::find(where.begin(), where.end(), by->where) == where.end()) where.push_back(by->where);
  }
  v.raw_outcome = v.outcome;
  v.outcome = "known";
  v.expected = where;
}

std::vector<std::string> app_trace_lines(const AppTrace& trace, std::size_t max) {
  const AppSession* s = planned_session(trace);
  std::vector<std::string> lines;
  for (const AppProcess& p : trace.processes) {
    if (s != nullptr && p.pid != s->pid) continue;
    for (const AppEntry& e : p.entries) {
      std::string line;
      switch (e.kind) {
        case AppEntry::Kind::kCall:
          line = e.api + "(" + std::to_string(e.arg) + ") -> " + (e.name.empty() ? std::to_string(e.rc) : e.name) +
                 (e.dir >= 0 ? "  dir=" + std::to_string(e.dir) : "");
          break;
        case AppEntry::Kind::kIo:
          line = std::string("  ") + (e.push ? "push" : "pull") + "#" + std::to_string(e.n) + " fd " +
                 std::to_string(e.fd) + " " + std::to_string(e.len) + " -> " +
                 (e.rc < 0 ? e.name : std::to_string(e.rc)) + (e.fault.empty() ? "" : " (injected " + e.fault + ")") +
                 (e.gated ? " (gated)" : "");
          break;
        case AppEntry::Kind::kWaitBegin:
        case AppEntry::Kind::kWait: {
          std::string fds;
          for (const auto& f : e.fds)
            fds += (fds.empty() ? "" : " ") + std::to_string(f[0]) + ":" + events_text(f[1]) +
                   (e.kind == AppEntry::Kind::kWait ? "->" + events_text(f[2]) : "");
          line = (e.kind == AppEntry::Kind::kWait ? "wait " : "wait... ") + e.api + "(" + fds + ", " +
                 std::to_string(e.timeout) + " ms)" + (e.kind == AppEntry::Kind::kWait ? " -> " + std::to_string(e.rc) : "");
          break;
        }
        case AppEntry::Kind::kGate:
          line = "gate fd " + std::to_string(e.fd) + " " + e.api + (e.open ? " opened" : " closed");
          break;
        default:
          continue;
      }
      lines.push_back(line);
    }
  }
  if (lines.size() > max) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(max));
  return lines;
}

json app_case_json(const AppCase& c, const AppRun& run, const AppVerdict& verdict) {
  const AppSession* s = planned_session(run.trace);
  json app = {{"program", c.program}, {"served", c.served}, {"mode", c.gated ? "gated" : "free"},
              {"ending", app_ending_name(run.ending)}};
  if (run.exit)
    app["exit"] = run.exit->signal != 0 ? "signal " + std::to_string(run.exit->signal) : std::to_string(run.exit->code);
  if (s != nullptr && s->nonblock) app["nonblocking"] = *s->nonblock;
  json used = json::array();
  for (const auto& [id, session] : run.trace.sessions) used.push_back(session.gnutls);
  app["gnutls_used"] = used;
  std::size_t waits = 0, direction_calls = 0, calls = 0;
  for (const AppProcess& p : run.trace.processes)
    for (const AppEntry& e : p.entries) {
      waits += e.kind == AppEntry::Kind::kWait;
      calls += e.kind == AppEntry::Kind::kCall;
      direction_calls += e.kind == AppEntry::Kind::kCall && e.api == "gnutls_record_get_direction";
    }
  app["calls"] = calls;
  app["waits"] = waits;
  app["direction_calls"] = direction_calls;
  if (!verdict.apart.empty()) app["apart"] = verdict.apart;
  json rec = {{"id", c.id()}, {"outcome", verdict.outcome}, {"app", app}};
  if (!verdict.raw_outcome.empty()) rec["raw_outcome"] = verdict.raw_outcome;
  if (!verdict.expected.empty()) rec["expected"] = verdict.expected;
  if (!verdict.reason.empty()) rec["reason"] = verdict.reason;
  if (verdict.outcome == "skip") return rec;
  rec["invariants"] = verdict.invariants;
  rec["end"] = app_ending_name(run.ending);
  if (!run.detail.empty()) rec["end_reason"] = run.detail;
  rec["faults"] = {{"injected", s ? s->injected : 0}, {"hard", 0}};
  rec["transfer"] = {run.served.received, run.output_checked ? run.output_bytes : run.served.sent,
                     run.served.sent, run.served.received};
  if (verdict.outcome != "pass" && verdict.outcome != "known") rec["calls"] = app_trace_lines(run.trace, 16);
  return rec;
}

}  // namespace dirprobe
