#include "harness/wire_judge.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <utility>

namespace dirprobe {
namespace {

struct Side {
  std::string name;  // "client to server"
  const WireDirection& d;
  const WireClaims& claims;
};

std::string hex(const std::vector<std::uint8_t>& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : bytes) s += {kDigits[b >> 4], kDigits[b & 15]};
  return s;
}

std::string n(std::size_t v) { return std::to_string(v); }

// "record 7 (seq 3 under application 0, 45 bytes on the wire)"
std::string describe(const WireDirection& d, std::size_t i) {
  const WireRecord& r = d.records[i];
  std::string s = "record " + n(i);
  if (r.key >= 0)
    s += " (seq " + n(r.seq) + " under " + d.keys[static_cast<std::size_t>(r.key)] + ", " +
         n(r.wire_length) + " bytes on the wire)";
  else
    s += " (at offset " + n(r.offset) + ", " + n(r.wire_length) + " bytes on the wire)";
  return s;
}

bool whole(const WireDirection& d) {
  return d.stopped.empty() && !d.truncated && d.tail_bytes == 0;
}

void note_limits(const Side& s, WireVerdict& v) {
  if (!s.d.stopped.empty())
    v.not_judged.push_back(s.name + ": decoding stopped (" + s.d.stopped +
                           "): application data not compared, later records not judged");
  if (s.d.truncated)
    v.not_judged.push_back(s.name + ": the capture reached its bound: only its prefix is judged");
  if (s.d.tail_bytes > 0)
    v.not_judged.push_back(s.name + ": the capture ends inside a record (" + n(s.d.tail_bytes) +
                           " bytes): that record is not judged");
}

// N1: a (key, nonce) seals one record; a second, byte-identical copy is only a duplicate.
void judge_nonces(const Side& s, WireVerdict& v) {
  std::map<std::pair<int, std::vector<std::uint8_t>>, std::size_t> first;
  for (std::size_t i = 0; i < s.d.records.size(); ++i) {
    const WireRecord& r = s.d.records[i];
    if (!r.opened || r.nonce.empty()) continue;
    auto [it, fresh] = first.try_emplace({r.key, r.nonce}, i);
    if (fresh) continue;
    const WireRecord& earlier = s.d.records[it->second];
    std::string pair = describe(s.d, i) + " and " + describe(s.d, it->second) + " share nonce " +
                       hex(r.nonce) + " under " + s.d.keys[static_cast<std::size_t>(r.key)];
    if (earlier.digest == r.digest && earlier.wire_length == r.wire_length)
      v.duplicates.push_back({s.name, i, pair + ": a byte-identical copy"});
    else
      v.n1.push_back({s.name, i,
                      pair + " with different bytes (" + n(r.length) + " and " + n(earlier.length) +
                          " plaintext bytes): the nonce was reused"});
  }
}

// W1, per record: each one reached opened; on streams, each key's numbers run 0, 1, 2...
void judge_records(const Side& s, bool stream, WireVerdict& v) {
  for (std::size_t i = 0; i < s.d.reached && i < s.d.records.size(); ++i) {
    const WireRecord& r = s.d.records[i];
    if (!r.opened) {
      v.w1.push_back({s.name, i, describe(s.d, i) + " opens under no key and sequence number"});
      continue;
    }
    if (!stream || r.key < 0 || r.seq == r.expected_seq) continue;
    std::string what = describe(s.d, i);
    if (r.seq > r.expected_seq)
      what += " skips sequence number" + std::string(r.seq - r.expected_seq > 1 ? "s " : " ") +
              n(r.expected_seq) + (r.seq - r.expected_seq > 1 ? ".." + n(r.seq - 1) : "");
    else if (r.reused)
      what += " repeats sequence number " + n(r.seq) + " (" + n(r.expected_seq) + " was next)";
    else
      what += " comes out of order (" + n(r.expected_seq) + " was next)";
    v.w1.push_back({s.name, i, what});
  }
}

// The record whose application data holds byte `offset` of the direction's app_data.
std::size_t app_record(const WireDirection& d, std::size_t offset) {
  std::size_t at = 0, last = 0;
  for (std::size_t i = 0; i < d.records.size(); ++i) {
    if (d.records[i].type != kContentApplication || !d.records[i].opened) continue;
    last = i;
    if (offset < at + d.records[i].length) return i;
    at += d.records[i].length;
  }
  return last;
}

// W1, application data: the wire carries what was reported sent, exactly once. A capture
// cut short (bound, mid-record) is judged as a prefix.
void judge_app_data(const Side& s, WireVerdict& v) {
  if (!s.d.stopped.empty()) return;
  const auto& wire = s.d.app_data;
  const auto& sent = s.claims.sent;
  std::size_t reported = sent.size() - std::min(sent.size(), s.claims.unreported);
  std::size_t common = std::min(wire.size(), sent.size());
  std::size_t k = common > 0 && std::memcmp(wire.data(), sent.data(), common) == 0 ? common : 0;
  while (k < common && wire[k] == sent[k]) ++k;
  if (k < wire.size() && k < sent.size()) {
    v.w1.push_back({s.name, app_record(s.d, k),
                    "application data differs from what the sender reported sent at offset " +
                        n(k) + ", in " + describe(s.d, app_record(s.d, k)) + " (wire " +
                        n(wire.size()) + " bytes, sent " + n(sent.size()) + ")"});
  } else if (k < wire.size()) {
    v.w1.push_back({s.name, app_record(s.d, k),
                    n(wire.size() - k) + " bytes of application data on the wire beyond the " +
                        n(sent.size()) + " the sender reported sent, from " +
                        describe(s.d, app_record(s.d, k))});
  } else if (k < reported && whole(s.d)) {
    v.w1.push_back({s.name, s.d.records.empty() ? 0 : s.d.records.size() - 1,
                    "the last " + n(reported - k) + " of the " + n(reported) +
                        " bytes the sender reported sent (from offset " + n(k) +
                        ") are not on the wire"});
  }
}

// Matches reports to wire messages in order: each report to the first later wire message
// that is the same. Returns which wire messages were matched and which reports were not.
std::pair<std::vector<bool>, std::vector<std::size_t>> match(
    const std::vector<WireMessage>& wire, const std::vector<ControlMessage>& reports) {
  std::vector<bool> matched(wire.size(), false);
  std::vector<std::size_t> lost;
  std::size_t j = 0;
  for (std::size_t r = 0; r < reports.size(); ++r) {
    std::size_t k = j;
    while (k < wire.size() && !wire[k].message.same(reports[r])) ++k;
    if (k == wire.size()) {
      lost.push_back(r);
      continue;
    }
    matched[k] = true;
    j = k + 1;
  }
  return {matched, lost};
}

std::vector<ControlMessage> in_scope(const std::vector<ControlMessage>& all) {
  std::vector<ControlMessage> out;
  for (const ControlMessage& m : all)
    if (judged_by_m1(m)) out.push_back(m);
  return out;
}

// M2: the wire's control messages against the receiver's and the sender's reports.
void judge_messages(const Side& s, bool stream, WireVerdict& v) {
  std::vector<WireMessage> wire;
  for (const WireMessage& m : s.d.messages)
    if (judged_by_m1(m.message)) wire.push_back(m);
  std::vector<ControlMessage> received = in_scope(s.claims.reported_received);
  auto [got, phantom] = match(wire, received);
  if (s.d.stopped.empty() && !s.d.truncated)
    for (std::size_t r : phantom)
      v.m2.push_back({s.name, s.d.records.empty() ? 0 : s.d.records.size() - 1,
                      "the receiver reported " + received[r].text() +
                          " received, which is not on the wire in that order"});
  for (std::size_t k = 0; k < wire.size(); ++k) {
    const WireRecord& r = s.d.records[wire[k].record];
    if (got[k] || !s.claims.receiver_pulled || r.offset + r.wire_length > *s.claims.receiver_pulled)
      continue;
    v.m2.push_back({s.name, wire[k].record,
                    describe(s.d, wire[k].record) + " carries " + wire[k].message.text() +
                        ", within the " + n(*s.claims.receiver_pulled) +
                        " bytes the receiver pulled, but the receiver never reported it"});
  }
  std::vector<ControlMessage> reported = in_scope(s.claims.reported_sent);
  auto [told, unsent] = match(wire, reported);
  for (std::size_t k = 0; k < wire.size(); ++k)
    if (!told[k])
      v.m2.push_back({s.name, wire[k].record,
                      describe(s.d, wire[k].record) + " carries " + wire[k].message.text() +
                          ", which the sender never reported sending (in that order)"});
  // DTLS retransmits a flight, and a library may report each copy: a message reported sent
  // twice is on the wire once (a retransmission folded). Only streams are judged here, as M1
  // judges a missing message only there.
  if (!stream || !s.claims.flushed || !s.d.stopped.empty() || s.d.truncated) return;
  for (std::size_t r : unsent)
    v.m2.push_back({s.name, s.d.records.empty() ? 0 : s.d.records.size() - 1,
                    "the sender reported sending " + reported[r].text() + " (call #" +
                        n(reported[r].call) +
                        "), which is nowhere on the wire after it in that order, although "
                        "the case ran to its end"});
}

}  // namespace

bool judged_by_m1(const ControlMessage& m) {
  if (m.kind != MessageKind::kHandshake) return true;
  return m.type == 0 || m.type == 1 || m.type == 4 || m.type == 13 || m.type == 24;
}

WireVerdict judge_wire(const WireDecode& decode, const WireClaims& client_to_server,
                       const WireClaims& server_to_client, bool stream) {
  WireVerdict v;
  for (const Side& s : {Side{"client to server", decode.client_to_server, client_to_server},
                        Side{"server to client", decode.server_to_client, server_to_client}}) {
    note_limits(s, v);
    judge_nonces(s, v);
    judge_records(s, stream, v);
    judge_app_data(s, v);
    judge_messages(s, stream, v);
    v.records += s.d.records.size();
    for (const WireRecord& r : s.d.records) v.opened += r.opened ? 1 : 0;
  }
  return v;
}

}  // namespace dirprobe
