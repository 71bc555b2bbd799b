#include "harness/results.h"

#include <fstream>

#include "harness/names.h"

namespace dirprobe {
namespace {

using nlohmann::json;

std::string_view library_of(const CaseRun& run, Side side) {
  return side == Side::kSubject ? std::string_view("gnutls") : std::string_view(run.library_peer);
}

std::string code_name(std::string_view library, int code) {
  return library == "openssl" ? ssl_error_name(code) : gnutls_rc_name(code);
}

json call_to_json(const CaseRun& run, std::size_t index) {
  const CallRecord& c = run.calls[index];
  auto lib = library_of(run, c.side);
  const IoTrace& trace = c.side == Side::kSubject ? run.subject_trace : run.peer_trace;
  json io = json::array();
  for (std::size_t i = c.io.begin; i < c.io.end && i < trace.size(); ++i)
    io.push_back(trace[i].text());
  json j = {{"i", index},
            {"tick", c.tick},
            {"side", c.side == Side::kSubject ? "subject" : "peer"},
            {"api", call_api_name(c, lib)},
            {"rc", code_name(lib, c.out.code)},
            {"direction", c.out.direction},
            {"io", std::move(io)}};
  if (c.api == Api::kSend || c.api == Api::kRecv) j["size"] = c.size;
  if (c.null_retry) j["null_retry"] = true;
  if (c.out.status == Status::kOk && (c.api == Api::kSend || c.api == Api::kRecv))
    j["bytes"] = c.out.bytes;
  return j;
}

// The calls worth keeping: all of a short log; else the first and last `limit / 2`, and a
// window around each counterexample so that a drill-down can show what led to it.
json call_log(const CaseRun& run, std::size_t limit, const std::vector<std::size_t>& focus) {
  json log = json::array();
  std::size_t n = run.calls.size(), half = limit / 2;
  for (std::size_t i = 0; i < n; ++i) {
    bool keep = n <= limit || i < half || i >= n - half;
    for (std::size_t f : focus) keep = keep || (i + kFocusBefore >= f && i <= f + kFocusAfter);
    if (keep) log.push_back(call_to_json(run, i));
  }
  return log;
}

}  // namespace

std::string call_line(const CaseRun& run, std::size_t index, const CaseSpec&) {
  const CallRecord& c = run.calls[index];
  auto lib = library_of(run, c.side);
  const IoTrace& trace = c.side == Side::kSubject ? run.subject_trace : run.peer_trace;
  std::string line = "#" + std::to_string(index) + " t" + std::to_string(c.tick) + " " +
                     (c.side == Side::kSubject ? "subject " : "peer    ") +
                     std::string(call_api_name(c, lib));
  if (c.api == Api::kSend || c.api == Api::kRecv)
    line += "(" + (c.null_retry ? std::string("NULL, 0") : std::to_string(c.size)) + ")";
  line += " -> " + code_name(lib, c.out.code);
  if (c.out.status == Status::kOk && (c.api == Api::kSend || c.api == Api::kRecv))
    line += " [" + std::to_string(c.out.bytes) + " B]";
  line += "  dir=" + direction_name(c.out.direction);
  for (std::size_t i = c.io.begin; i < c.io.end && i < trace.size(); ++i)
    line += (i == c.io.begin ? "  | " : "; ") + trace[i].text();
  return line;
}

std::vector<std::size_t> counterexample_calls(const CaseResult& r) {
  std::vector<std::size_t> out;
  for (const auto& res : r.invariants)
    if (res.counterexample) out.push_back(res.counterexample->call_index);
  return out;
}

json case_to_json(const CaseResult& r) {
  const CaseSpec& s = r.spec;
  json inv = json::object();
  for (auto id : kAllInvariants) {
    const auto& res = result_of(r.invariants, id);
    json j = {{"verdict", verdict_name(res.verdict)},
              {"asserted", s.asserted.contains(id)},
              {"note", res.note}};
    if (res.counterexample) {
      const auto& ce = *res.counterexample;
      json cx = {{"what", ce.what}};
      if (ce.call_index < r.run.calls.size()) {
        cx["call"] = call_to_json(r.run, ce.call_index);
        cx["text"] = call_line(r.run, ce.call_index, s);
      }
      j["counterexample"] = std::move(cx);
    }
    if (!res.causes.empty()) j["causes"] = res.causes;
    inv[std::string(invariant_name(id))] = std::move(j);
  }
  return {
      {"id", s.id()},
      {"scenario", s.scenario},
      {"family", s.family},
      {"claim", s.claim},
      {"variant", s.variant},
      {"protocol", protocol_name(s.subject.protocol)},
      {"role", role_name(s.subject.role)},
      {"peer", peer_name(s.peer)},
      {"transport", transport_name(s.transport)},
      {"io", s.subject.socket_io ? "socket" : "callbacks"},
      {"policy", policy_name(s.policy)},
      {"retry", retry_name(s.retry)},
      {"fault_plan", s.fault_plan},
      {"seed", s.seed},
      {"outcome", outcome_name(r.outcome)},
      {"reason", r.reason},
      {"end", run_end_name(r.run.end)},
      {"end_reason", r.run.end_reason},
      {"invariants", std::move(inv)},
      {"faults",
       {{"injected", r.run.faults_injected},
        {"hard", r.run.hard_faults},
        {"unused_script_steps", r.run.unused_script_steps}}},
      {"transfer",
       {{"subject_sent", r.run.subject_tx},
        {"subject_received", r.run.subject_rx.received()},
        {"peer_sent", r.run.peer_tx},
        {"peer_received", r.run.peer_rx.received()}}},
      {"buffers",
       {{"requested", {{"sndbuf", s.buffers.sndbuf}, {"rcvbuf", s.buffers.rcvbuf}}},
        {"subject",
         {{"sndbuf", r.run.subject_buffers.sndbuf}, {"rcvbuf", r.run.subject_buffers.rcvbuf}}},
        {"max_pending", r.run.max_pending},
        {"heap_growth", r.run.heap_growth}}},
      {"ticks", r.run.ticks},
      {"timer_waits", r.run.timer_waits},
      {"calls_total", r.run.calls.size()},
      {"calls", call_log(r.run, r.outcome == Outcome::kPass ? kPassingCallLogLimit : kCallLogLimit,
                         counterexample_calls(r))},
      {"replay", replay_command(s)},
  };
}

json results_document(const std::vector<json>& cases, double wall_seconds) {
  return {{"schema", kResultsSchema},
          {"schema_version", kResultsVersion},
          {"gnutls_version", gnutls_runtime_version()},
          {"openssl_version", openssl_runtime_version()},
          {"wall_seconds", wall_seconds},
          {"case_count", cases.size()},
          {"cases", cases}};
}

void write_json_file(const std::filesystem::path& path, const json& doc) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(tmp.string() + ": cannot be written");
    out << doc.dump(1) << '\n';
    if (!out) throw std::runtime_error(tmp.string() + ": write failed");
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace dirprobe
