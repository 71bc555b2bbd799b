// What the wire showed on one run (declared in model.h): counted from the cases' `wire` records
// and N1 verdicts as the harness wrote them, nothing decoded again.
#include <algorithm>
#include <cctype>

#include "reports/model.h"

namespace dirprobe::report {
namespace {

// A `not_judged` sentence with its numbers made one: "record 7 at offset 1234 ..." and "record
// 9 at offset 88 ..." are the same reason.
std::string reason_kind(const std::string& sentence) {
  std::string out;
  for (char ch : sentence) {
    bool digit = std::isdigit(static_cast<unsigned char>(ch)) != 0;
    if (!digit)
      out += ch;
    else if (out.empty() || out.back() != '#')
      out += '#';
  }
  return out;
}

// Why a case was not decoded in full: its sentences, or that some record did not open.
std::vector<std::string> gaps_of(const WireFacts& w) {
  if (!w.not_judged.empty()) return w.not_judged;
  if (w.records && w.opened < *w.records)
    return {std::to_string(*w.records - w.opened) + " of " + std::to_string(*w.records) +
            " records did not open"};
  return {};
}

void add_gaps(WireSummary& s, const CaseRecord& c, std::map<std::string, std::size_t>& index) {
  std::vector<std::string> seen;  // a case counts once per kind of reason
  for (const auto& sentence : gaps_of(*c.wire)) {
    std::string kind = reason_kind(sentence);
    if (std::find(seen.begin(), seen.end(), kind) != seen.end()) continue;
    seen.push_back(kind);
    auto [it, fresh] = index.try_emplace(kind, s.gaps.size());
    if (fresh) s.gaps.push_back({sentence, 0, &c});
    ++s.gaps[it->second].cases;
  }
}

// A fault was injected into the case, or one of its transports blocked: an attacker must then
// be able to make the victim's transport block too (delay its packets, fill its buffer).
bool blocked(const CaseRecord& c) {
  if (!c.clean()) return true;
  if (!c.events) return false;
  return std::any_of(c.events->begin(), c.events->end(), [](const auto& e) {
    const std::string& key = e.first;
    return e.second > 0 &&
           (key.find(".again.") != std::string::npos || key.find(".blocked_") != std::string::npos);
  });
}

}  // namespace

WireSummary summarize_wire(const Run& run) {
  WireSummary s;
  std::map<std::string, std::size_t> gap_index;  // reason kind -> index in s.gaps
  for (const auto& c : run.cases) {
    if (c.verdicts[static_cast<unsigned>(Invariant::N1)] == Verdict::kViolated) {
      s.nonce_reuse.push_back(&c);
      s.nonce_reuse_blocked += blocked(c);
    }
    if (!c.wire) continue;
    const WireFacts& w = *c.wire;
    ++s.ran;
    if (w.records) {
      ++s.decoded;
      s.records += *w.records;
    }
    if (w.in_full())
      ++s.in_full;
    else
      add_gaps(s, c, gap_index);
    if (w.duplicates > 0) {
      ++s.duplicate_cases;
      s.duplicates += w.duplicates;
      if (s.first_duplicate == nullptr) s.first_duplicate = &c;
    }
    if (!w.suite.empty()) ++s.suites[w.suite];
  }
  return s;
}

}  // namespace dirprobe::report
