#include "harness/wire_case.h"

#include <utility>

#include "harness/pattern.h"

namespace dirprobe {
namespace {

// Bytes one side pulled, when its whole trace was kept.
std::optional<std::size_t> pulled(const IoTrace& trace, std::size_t dropped) {
  if (dropped > 0) return std::nullopt;
  return bytes_moved(trace, IoOp::kPull, trace.size());
}

// The application bytes a side's calls reported sent: the first `count` bytes of its pattern
// (the side runner sends the pattern of seed + 0 for the subject, seed + 1 for the peer).
std::vector<std::uint8_t> pattern_prefix(std::uint64_t seed, std::uint64_t count) {
  std::vector<std::uint8_t> bytes(count);
  fill_pattern(seed, 0, bytes.data(), bytes.size());
  return bytes;
}

WireClaims claims(const SideFacts& from, const SideFacts& to, std::uint64_t seed,
                  std::uint64_t tx, std::uint64_t pending,
                  std::optional<std::size_t> receiver_pulled) {
  WireClaims c;
  c.sent = pattern_prefix(seed, tx + pending);
  c.unreported = pending;
  c.reported_sent = from.messages.sent;
  c.reported_received = to.messages.received;
  c.receiver_pulled = receiver_pulled;
  return c;
}

void list_records(const WireDirection& d, const char* name, std::vector<WireListing>& out) {
  for (const auto& r : d.records)
    out.push_back({name, r.key >= 0 && static_cast<std::size_t>(r.key) < d.keys.size()
                             ? d.keys[static_cast<std::size_t>(r.key)]
                             : std::string("clear"),
                   r});
}

}  // namespace

CaseWire judge_case_wire(const CaseSpec& spec, CaseRun& run) {
  CaseWire w;
  WireCapture subject = std::move(run.subject_facts.wire), peer = std::move(run.peer_facts.wire);
  std::vector<KeylogEntry> keys = std::move(run.peer_facts.keylog);
  keys.insert(keys.end(), run.subject_facts.keylog.begin(), run.subject_facts.keylog.end());
  run.subject_facts.keylog.clear();
  keys.insert(keys.end(), run.first_keylog.begin(), run.first_keylog.end());
  run.first_keylog.clear();
  if (!run.subject_traced) {
    w.why_not = "GnuTLS does its own socket I/O: its bytes are not captured";
    return w;
  }
  if (subject.bytes.empty() && peer.bytes.empty()) {
    w.why_not = "nothing was sent";
    return w;
  }
  bool client = spec.subject.role == Role::kClient;
  bool stream = spec.transport != TransportKind::kDgram;
  WireDecode d = decode_wire(stream ? WireProtocol::kTls : WireProtocol::kDtls,
                             client ? subject : peer, client ? peer : subject, keys);
  auto subject_pulled = pulled(run.subject_trace, run.subject_trace_dropped);
  auto peer_pulled = pulled(run.peer_trace, run.peer_trace_dropped);
  if (!stream) subject_pulled = peer_pulled = std::nullopt;
  WireClaims from_subject = claims(run.subject_facts, run.peer_facts, spec.seed, run.subject_tx,
                                   run.subject_pending, peer_pulled);
  WireClaims from_peer = claims(run.peer_facts, run.subject_facts, spec.seed + 1, run.peer_tx,
                                run.peer_pending, subject_pulled);
  bool flushed = run.end == RunEnd::kCompleted && !subject.truncated && !peer.truncated;
  from_subject.flushed = from_peer.flushed = flushed;
  w.verdict = client ? judge_wire(d, from_subject, from_peer, stream)
                     : judge_wire(d, from_peer, from_subject, stream);
  w.judged = true;
  w.suite = d.suite_name;
  list_records(d.client_to_server, "client to server", w.listing);
  list_records(d.server_to_client, "server to client", w.listing);
  return w;
}

}  // namespace dirprobe
