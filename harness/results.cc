#include "harness/results.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>

#include "harness/names.h"

namespace dirprobe {
namespace {

using nlohmann::json;

std::string_view library_of(const CaseRun& run, Side side) {
  return side == Side::kSubject ? library_name(Library::kGnutls)
                                : std::string_view(run.library_peer);
}

std::string code_name(std::string_view library, int code) {
  return library == library_name(Library::kOpenssl) ? ssl_error_name(code) : gnutls_rc_name(code);
}

// The calls worth keeping: a window around each counterexample call, and for a case that did
// not complete, the calls that led to its end. Passing cases keep none: `--trace` replays them.
json call_window(const CaseResult& r) {
  std::size_t n = r.run.calls.size();
  std::vector<bool> keep(n, false);
  bool known = r.outcome == Outcome::kKnown;
  std::size_t before = known ? kKnownBefore : kFocusBefore, after = known ? 1 : kFocusAfter;
  // A known case keeps one window, around its first counterexample (its deviations are
  // explained; `--trace` replays the rest); a failing case keeps one per violated invariant.
  std::optional<std::size_t> first;
  for (const auto& res : r.invariants) {
    if (!res.counterexample || res.verdict != Verdict::kViolated) continue;
    std::size_t f = res.counterexample->call_index;
    if (known) {
      first = std::min(first.value_or(f), f);
      continue;
    }
    for (std::size_t i = f >= before ? f - before : 0; i < n && i <= f + after; ++i) keep[i] = true;
  }
  if (first)
    for (std::size_t i = *first >= before ? *first - before : 0; i < n && i <= *first + after; ++i)
      keep[i] = true;
  if (is_failure(r.raw_outcome) && !known)
    for (std::size_t i = n > kTailCalls ? n - kTailCalls : 0; i < n; ++i) keep[i] = true;
  json log = json::array();
  for (std::size_t i = 0; i < n; ++i)
    if (keep[i]) log.push_back(call_line(r.run, i));
  return log;
}

json invariant_json(const CaseResult& r, Invariant id) {
  const auto& res = result_of(r.invariants, id);
  if (res.verdict != Verdict::kViolated) return verdict_name(res.verdict);
  json j = {{"verdict", verdict_name(res.verdict)}, {"note", res.note}};
  if (res.counterexample) {
    j["what"] = res.counterexample->what;
    j["call"] = res.counterexample->call_index;
  }
  if (!res.causes.empty()) j["causes"] = res.causes;
  return j;
}

json invariants_json(const CaseResult& r) {
  json inv = json::object();
  for (auto id : kAllInvariants) {
    if (result_of(r.invariants, id).verdict == Verdict::kNa) continue;
    inv[std::string(invariant_name(id))] = invariant_json(r, id);
  }
  return inv;
}

// What the run measured: faults, bytes, buffers, scheduler rounds.
void add_measures(json& j, const CaseRun& run) {
  j["faults"] = {{"injected", run.faults_injected}, {"hard", run.hard_faults}};
  if (run.unused_script_steps > 0) j["faults"]["unused_script_steps"] = run.unused_script_steps;
  j["transfer"] = {run.subject_tx, run.subject_rx.received(), run.peer_tx, run.peer_rx.received()};
  if (run.max_pending > 0 || run.heap_growth != 0)
    j["buffers"] = {{"max_pending", run.max_pending}, {"heap_growth", run.heap_growth}};
  j["ticks"] = run.ticks;
  if (run.timer_waits > 0) j["timer_waits"] = run.timer_waits;
  j["calls_total"] = run.calls.size();
  if (run.subject_trace_dropped + run.peer_trace_dropped > 0)
    j["trace_truncated"] = {{"subject", run.subject_trace_dropped},
                            {"peer", run.peer_trace_dropped}};
}

}  // namespace

std::string call_line(const CaseRun& run, std::size_t index, std::size_t max_events) {
  const CallRecord& c = run.calls[index];
  auto lib = library_of(run, c.side);
  const IoTrace& trace = c.side == Side::kSubject ? run.subject_trace : run.peer_trace;
  std::string line = "#" + std::to_string(index) + " t" + std::to_string(c.tick) + " " +
                     (c.side == Side::kSubject ? "subject " : "peer    ") +
                     (c.other ? "(other call) " : "") + std::string(call_api_name(c, lib));
  if (c.api == Api::kSend || c.api == Api::kRecv)
    line += "(" + (c.null_retry ? std::string("NULL, 0") : std::to_string(c.size)) + ")";
  line += " -> " + code_name(lib, c.out.code);
  if (c.out.status == Status::kOk && (c.api == Api::kSend || c.api == Api::kRecv))
    line += " [" + std::to_string(c.out.bytes) + " B]";
  line += "  dir=" + direction_name(c.out.direction);
  bool first = true;
  auto add = [&](const std::string& item) {
    line += (first ? "  | " : "; ") + item;
    first = false;
  };
  // The events, or their first and last halves around a count of the rest.
  std::size_t end = std::min(c.io.end, trace.size());
  std::size_t n = end > c.io.begin ? end - c.io.begin : 0;
  std::size_t head = n <= max_events ? n : max_events / 2;
  std::size_t tail = n <= max_events ? 0 : max_events - head;
  for (std::size_t i = c.io.begin; i < c.io.begin + head; ++i) add(trace[i].text());
  if (n > head + tail) add("... " + std::to_string(n - head - tail) + " more I/O events");
  for (std::size_t i = end - tail; i < end; ++i) add(trace[i].text());
  std::size_t dropped =
      c.side == Side::kSubject ? run.subject_trace_dropped : run.peer_trace_dropped;
  if (truncated(trace, c.io, dropped)) add("... (the trace was full: later I/O not kept)");
  return line;
}

// What the wire decoder made of the case: the records it saw (all opened, or how many), the
// suite on clean cases, and why a direction was not judged in full.
json wire_json(const CaseResult& r) {
  const CaseWire& w = r.wire;
  json j = json::object();
  if (!w.judged) {
    j["not_judged"] = json::array({w.why_not});
    return j;
  }
  j["records"] = w.verdict.records;
  if (w.verdict.opened != w.verdict.records) j["opened"] = w.verdict.opened;
  if (!w.verdict.duplicates.empty()) j["duplicates"] = w.verdict.duplicates.size();
  if (!w.verdict.not_judged.empty()) j["not_judged"] = w.verdict.not_judged;
  if (r.spec.fault_plan == "none" && !w.suite.empty()) j["suite"] = w.suite;
  return j;
}

json case_to_json(const CaseResult& r) {
  const CaseSpec& s = r.spec;
  // The scenario, protocol and peer are read from the id; a known case's reason is left out
  // when it only repeats its violations (the reader rebuilds it): results stay under 15 MB.
  json j = {{"id", s.id()}, {"outcome", outcome_name(r.outcome)}};
  if (r.outcome != r.raw_outcome) j["raw_outcome"] = outcome_name(r.raw_outcome);
  bool repeats = r.outcome == Outcome::kKnown && r.reason == violations_text(r);
  if (!r.reason.empty() && !repeats) j["reason"] = r.reason;
  j["end"] = run_end_name(r.run.end);
  if (r.run.end != RunEnd::kCompleted || r.outcome != Outcome::kPass)
    j["end_reason"] = r.run.end_reason;
  j["invariants"] = invariants_json(r);
  if (r.premise != PremiseStatus::kNone) j["premise"] = premise_status_name(r.premise);
  if (!r.premise_unmet.empty()) j["premise_unmet"] = r.premise_unmet;
  if (r.stale_direction > 0) j["stale_direction"] = r.stale_direction;
  if (r.outcome != Outcome::kSkip) j["wire"] = wire_json(r);
  // The events of the clean case: what a premise can be checked against without replaying
  // (a swept case's unmet premises say what was seen in `premise_unmet`).
  if (r.spec.fault_plan == "none") j["events"] = events_json(r.events);
  if (!r.explained_by.empty()) {
    json expected = json::array();
    for (const Expectation* e : r.explained_by) expected.push_back(e->where);
    j["expected"] = std::move(expected);
  }
  add_measures(j, r.run);
  json calls = call_window(r);
  if (!calls.empty()) j["calls"] = std::move(calls);
  return j;
}

json scenario_table(const std::vector<CaseSpec>& specs) {
  json table = json::object();
  for (const auto& s : specs) {
    if (table.contains(s.scenario)) continue;
    json premises = json::array();
    for (const auto& p : s.premises) premises.push_back(p.text);
    table[s.scenario] = {{"family", s.family},
                         {"claim", s.claim},
                         {"asserted", s.asserted.text()},
                         {"premises", std::move(premises)}};
  }
  return table;
}

namespace {

json host_facts(const RunFacts& facts) {
  json host = {{"wall_seconds", facts.wall_seconds}, {"jobs", facts.jobs}};
  if (facts.unswept) host["unswept"] = true;
  return host;
}

}  // namespace

json results_document(const std::vector<CaseSpec>& specs, const std::vector<json>& cases,
                      const RunFacts& facts) {
  return {{"schema", kResultsSchema},
          {"schema_version", kResultsVersion},
          {"runtime", facts.runtime},
          {"gnutls_version", gnutls_runtime_version()},
          {"openssl_version", openssl_runtime_version()},
          {"host", host_facts(facts)},
          {"scenarios", scenario_table(specs)},
          {"case_count", cases.size()},
          {"cases", cases}};
}

// One case per line: the file is large, and a line per case keeps it greppable and diffable.
void write_results_file(const std::filesystem::path& path, const json& doc) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(tmp.string() + ": cannot be written");
    out << "{\n";
    bool first = true;
    for (const auto& [key, value] : doc.items()) {
      if (key == "cases") continue;
      out << (first ? "" : ",\n") << json(key).dump() << ": " << value.dump();
      first = false;
    }
    out << (first ? "" : ",\n") << "\"cases\": [";
    const json& cases = doc.contains("cases") ? doc["cases"] : json::array();
    for (std::size_t i = 0; i < cases.size(); ++i)
      out << (i == 0 ? "\n" : ",\n") << cases[i].dump();
    out << "\n]\n}\n";
    if (!out) throw std::runtime_error(tmp.string() + ": write failed");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace dirprobe
