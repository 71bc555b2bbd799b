#include "harness/trace_log.h"

#include <algorithm>

#include "harness/hold.h"
#include "harness/results.h"

namespace dirprobe {
namespace {

// The call lines: every call, or the first and the last kTraceCalls / 2 with a marker between
// them; then the line that says how much was left out (events the trace never kept too), if
// anything was.
void add_calls(const CaseRun& run, std::vector<std::string>& out) {
  std::size_t n = run.calls.size();
  std::size_t head = n <= kTraceCalls ? n : kTraceCalls / 2;
  std::size_t tail_from = n <= kTraceCalls ? n : n - (kTraceCalls - head);
  std::size_t calls_left = tail_from - head, events_left = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const CallRecord& call = run.calls[i];
    std::size_t events = call.io.end - call.io.begin;
    if (i >= head && i < tail_from) {
      events_left += events;
      continue;
    }
    events_left += events - std::min(events, kTraceCallEvents);
    if (i == tail_from && calls_left > 0)
      out.push_back("  ... (calls #" + std::to_string(head) + " to #" +
                    std::to_string(tail_from - 1) + " left out)");
    out.push_back("  " + call_line(run, i, kTraceCallEvents));
  }
  events_left += run.subject_trace_dropped + run.peer_trace_dropped;  // never kept
  if (calls_left > 0 || events_left > 0)
    out.push_back("  ... truncated: " + std::to_string(calls_left) + " more calls / " +
                  std::to_string(events_left) + " more I/O events");
}

std::string content_name(std::uint8_t type) {
  switch (type) {
    case kContentCcs:
      return "change_cipher_spec";
    case kContentAlert:
      return "alert";
    case kContentHandshake:
      return "handshake";
    case kContentApplication:
      return "application_data";
    case kContentHeartbeat:
      return "heartbeat";
  }
  return "type " + std::to_string(type);
}

std::string hex_head(const std::vector<std::uint8_t>& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += out.empty() ? "" : " ";
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

// "client to server #3 handshake key, seq 0: handshake 36 B [14 00 00 20 ...]"
std::string record_line(const WireListing& l, std::size_t index) {
  const WireRecord& r = l.record;
  std::string key = r.key < 0 ? std::string("clear") : l.key + " key, seq " + std::to_string(r.seq);
  if (r.key >= 0 && r.seq != r.expected_seq) key += " (next was " + std::to_string(r.expected_seq) + ")";
  return l.direction + " #" + std::to_string(index) + " " + key + ": " +
         (r.opened ? content_name(r.type) + " " + std::to_string(r.length) + " B [" +
                         hex_head(r.head) + "]"
                   : "not opened (" + std::to_string(r.wire_length) + " B on the wire)");
}

// The decoded records of both directions (the first and last kTraceRecords / 2 of a long
// list), then what the decoder could not judge.
void add_wire(const CaseWire& w, std::vector<std::string>& out) {
  if (!w.judged) {
    out.push_back("  wire: not decoded (" + w.why_not + ")");
    return;
  }
  constexpr std::size_t kTraceRecords = 200;
  out.push_back("  wire: " + (w.suite.empty() ? std::string("suite unknown") : w.suite) + ", " +
                std::to_string(w.verdict.opened) + " of " + std::to_string(w.verdict.records) +
                " records opened");
  std::size_t n = w.listing.size();
  std::size_t head = n <= kTraceRecords ? n : kTraceRecords / 2;
  std::size_t index = 0;
  for (std::size_t i = 0; i < n; ++i) {
    index = i > 0 && w.listing[i].direction == w.listing[i - 1].direction ? index + 1 : 0;
    if (i == head && n > kTraceRecords)
      out.push_back("    ... (" + std::to_string(n - kTraceRecords) + " records left out)");
    if (i >= head && i < n - (kTraceRecords - head)) continue;
    out.push_back("    " + record_line(w.listing[i], index));
  }
  for (const auto& why : w.verdict.not_judged) out.push_back("    not judged in full: " + why);
  for (const auto& d : w.verdict.duplicates)
    out.push_back("    duplicate: " + d.direction + " #" + std::to_string(d.record) + ": " + d.what);
}

}  // namespace

std::vector<std::string> trace_log(const CaseResult& r) {
  std::vector<std::string> out = {"case " + r.spec.id(), "  claim: " + r.spec.claim};
  add_calls(r.run, out);
  for (const Hold& h : r.run.holds)  // as many as the fault plan and the scripts begin
    out.push_back("  " + hold_line(h, {r.run.calls, r.run.subject_trace, r.run.peer_trace}));
  out.push_back("  end: " + std::string(run_end_name(r.run.end)) + " (" + r.run.end_reason + ")");
  add_wire(r.wire, out);
  for (auto inv : kAllInvariants) {
    const auto& res = result_of(r.invariants, inv);
    std::string line = "  " + std::string(invariant_name(inv)) +
                       (r.spec.asserted.contains(inv) ? " [asserted] " : " [recorded] ") +
                       std::string(verdict_name(res.verdict));
    if (res.counterexample)
      line += ": " + res.counterexample->what;
    else if (!res.note.empty())
      line += " (" + res.note + ")";
    out.push_back(std::move(line));
  }
  for (const Expectation* e : r.explained_by)
    out.push_back("  known deviation " + e->deviation() + " (" + e->where + "): " + e->reason);
  return out;
}

std::vector<std::string> lost_trace_log(const CaseSpec& spec, const nlohmann::json& record) {
  std::vector<std::string> out = {"case " + spec.id(), "  claim: " + spec.claim,
                                  "  (no call log: the worker process ended before the case did)"};
  out.push_back("  end: " + record.value("end", std::string()) + " (" +
                record.value("end_reason", std::string()) + ")");
  for (const auto& where : record.value("expected", std::vector<std::string>()))
    out.push_back("  known deviation (" + where + ")");
  return out;
}

std::string outcome_line(const nlohmann::json& record) {
  std::string outcome = record.value("outcome", std::string());
  std::string raw = record.value("raw_outcome", outcome);
  std::string reason = record.value("reason", std::string());
  return "outcome: " + outcome + (raw == outcome ? "" : " (raw: " + raw + ")") +
         (reason.empty() ? "" : " - " + reason);
}

}  // namespace dirprobe
