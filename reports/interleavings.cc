// The interleavings grids (declared in model.h): per runtime, every (pending state, call) cell
// split by protocol x peer x retry form, from the outcomes, premise statuses and skip reasons
// the judge wrote; nothing is judged again.
#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <utility>

#include "reports/model.h"

namespace dirprobe::report {
namespace {

// The pending states, the grid's rows, in this order; states not listed follow as first seen.
constexpr std::array<std::string_view, 5> kStates = {"send", "recv", "handshake", "bye", "corked"};
// How the harness ends the reason of a skip for a call that does not apply there.
constexpr std::string_view kNaSuffix = "(n/a)";
constexpr std::string_view kSameRetry = "same";

// The state and call an interleavings scenario's name holds ("interleave-send-key-update":
// send, key-update); none for a case of another family or a name of another shape.
std::optional<std::pair<std::string, std::string>> state_and_call(const Run& run,
                                                                  const CaseRecord& c) {
  auto it = run.scenarios.find(c.scenario);
  std::string_view name = c.scenario;
  if (it == run.scenarios.end() || it->second.family != kInterleavingsFamily ||
      !name.starts_with(kInterleavePrefix))
    return std::nullopt;
  name.remove_prefix(kInterleavePrefix.size());
  auto dash = name.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  return std::pair{std::string(name.substr(0, dash)), std::string(name.substr(dash + 1))};
}

// The index of `value` in `list`, appended when missing.
template <typename T>
std::size_t index_of(std::vector<T>& list, const T& value) {
  auto it = std::find(list.begin(), list.end(), value);
  if (it != list.end()) return static_cast<std::size_t>(it - list.begin());
  list.push_back(value);
  return list.size() - 1;
}

bool is_na(const CaseRecord& c) {
  return c.outcome == Outcome::kSkip && std::string_view(c.reason).ends_with(kNaSuffix);
}

// An n/a reason without its "(n/a)": the legend says n/a already.
std::string na_text(const std::string& reason) {
  std::string out = reason.substr(0, reason.size() - kNaSuffix.size());
  while (!out.empty() && (out.back() == ' ' || out.back() == ',' || out.back() == ';'))
    out.pop_back();
  return out;
}

// The case deviated from the contract (whether or not an expectation explains it): its outcome
// before expectations was a failure other than vacuous, which only says no premise was met.
bool deviated(const CaseRecord& c) {
  if (c.outcome == Outcome::kPass || c.outcome == Outcome::kSkip) return false;
  Outcome raw = c.raw_outcome.value_or(c.outcome);
  return raw != Outcome::kVacuous && raw != Outcome::kPass;
}

// The case ran and met its scenario's premises; where the scenario declares none, running is
// all it takes.
bool met(const CaseRecord& c, const Scenario& s) {
  if (c.outcome == Outcome::kSkip) return false;
  return c.premise == PremiseStatus::kMet ||
         (s.premises.empty() && c.premise == PremiseStatus::kNone);
}

// The states, calls and sub-cell axes in the order the grids show them, and the n/a reasons.
void add_axes(Interleavings& il, const std::vector<Run>& runs) {
  std::vector<std::string> states;
  std::map<std::string, std::pair<std::string, std::string>> scenarios;
  for (const auto& run : runs)
    for (const auto& c : run.cases) {
      auto sc = state_and_call(run, c);
      if (!sc) continue;
      scenarios.try_emplace(c.scenario, *sc);
      index_of(states, sc->first);
      index_of(il.calls, sc->second);
      index_of(il.protocols, c.protocol);
      index_of(il.peers, c.peer);
      index_of(il.forms, retry_form(c));
      if (is_na(c)) index_of(il.na_reasons, na_text(c.reason));
    }
  // Sub-cells in a fixed order whatever the catalog's: tls12 before tls13, gnutls before
  // openssl, the documented retry first.
  std::sort(il.protocols.begin(), il.protocols.end());
  std::sort(il.peers.begin(), il.peers.end());
  std::sort(il.forms.begin(), il.forms.end(), [](const std::string& a, const std::string& b) {
    return (a == kSameRetry) != (b == kSameRetry) ? a == kSameRetry : a < b;
  });
  for (auto known : kStates)
    if (std::find(states.begin(), states.end(), known) != states.end())
      il.states.emplace_back(known);
  for (const auto& s : states) index_of(il.states, s);
  for (const auto& [scenario, sc] : scenarios)
    il.scenario_cells[scenario] = {index_of(il.states, sc.first), index_of(il.calls, sc.second)};
}

// What a sub-cell's cases showed so far.
struct Tally {
  const CaseRecord *deviating = nullptr, *clean = nullptr, *ran = nullptr, *first = nullptr;
  const CaseRecord* na = nullptr;
  bool unexplained = false, skipped_other = false;
};

void add_case(SubCell& sub, Tally& t, const CaseRecord& c, const Scenario& scenario) {
  if (t.first == nullptr) t.first = &c;
  if (c.outcome == Outcome::kSkip) {
    if (is_na(c) && t.na == nullptr) t.na = &c;
    t.skipped_other = t.skipped_other || !is_na(c);
    return;
  }
  if (t.ran == nullptr) t.ran = &c;
  if (c.clean() && t.clean == nullptr) t.clean = &c;
  bool dev = deviated(c);
  if (dev && t.deviating == nullptr) t.deviating = &c;
  t.unexplained = t.unexplained || (dev && !c.deviations_explained());
  sub.tried = sub.tried || met(c, scenario);
  sub.unmet += !dev && !met(c, scenario);
  if (c.clean()) return;
  ++sub.sweeps;
  sub.sweeps_deviated += dev;
}

void finish(SubCell& sub, const Tally& t, const Interleavings& il) {
  sub.shown = t.deviating ? t.deviating : t.clean ? t.clean : t.ran ? t.ran : t.first;
  if (t.deviating != nullptr)
    sub.mark = t.unexplained ? Mark::kNew : Mark::kKnown;
  else if (sub.tried)
    sub.mark = Mark::kHeld;
  else if (t.ran != nullptr)
    sub.mark = Mark::kUnmet;
  else if (t.skipped_other)
    sub.mark = Mark::kSkipped;
  else if (t.na != nullptr)
    sub.mark = Mark::kNa;
  if (sub.mark != Mark::kNa) return;
  auto it = std::find(il.na_reasons.begin(), il.na_reasons.end(), na_text(t.na->reason));
  sub.na_reason = static_cast<std::size_t>(it - il.na_reasons.begin());
}

InterleavingsGrid grid_of(const Interleavings& il, const Run& run) {
  InterleavingsGrid g;
  g.cells.assign(il.states.size(), std::vector<std::vector<SubCell>>(
                                       il.calls.size(), std::vector<SubCell>(il.places())));
  std::vector<Tally> tallies(il.states.size() * il.calls.size() * il.places());
  auto at = [](const auto& list, const auto& value) {
    return static_cast<std::size_t>(std::find(list.begin(), list.end(), value) - list.begin());
  };
  for (const auto& c : run.cases) {
    auto cell = il.scenario_cells.find(c.scenario);
    if (cell == il.scenario_cells.end()) continue;
    ++g.cases;
    auto [s, k] = cell->second;
    std::size_t p =
        il.place(at(il.protocols, c.protocol), at(il.peers, c.peer), at(il.forms, retry_form(c)));
    add_case(g.cells[s][k][p], tallies[(s * il.calls.size() + k) * il.places() + p], c,
             run.scenarios.at(c.scenario));
  }
  for (std::size_t s = 0; s < il.states.size(); ++s)
    for (std::size_t k = 0; k < il.calls.size(); ++k)
      for (std::size_t p = 0; p < il.places(); ++p)
        finish(g.cells[s][k][p], tallies[(s * il.calls.size() + k) * il.places() + p], il);
  return g;
}

void count(PairCounts& n, const SubCell& sub) {
  n.na += sub.mark == Mark::kNa;
  if (sub.mark == Mark::kEmpty || sub.mark == Mark::kNa) return;
  ++n.applicable;
  n.tried += sub.tried;
  n.skipped += sub.mark == Mark::kSkipped;
  n.unmet += !sub.tried && sub.mark != Mark::kSkipped;
  n.deviated += sub.mark == Mark::kKnown || sub.mark == Mark::kNew;
  n.unknown += sub.mark == Mark::kNew;
}

// Per protocol x peer of one grid: its sub-cells over every state, call and retry form.
std::vector<PairCounts> pairs_of(const Interleavings& il, const InterleavingsGrid& g) {
  std::vector<PairCounts> out(il.protocols.size() * il.peers.size());
  for (const auto& row : g.cells)
    for (const auto& cell : row)
      for (std::size_t p = 0; p < cell.size(); ++p) count(out[p / il.forms.size()], cell[p]);
  return out;
}

}  // namespace

std::string retry_form(const CaseRecord& c) {
  CaseIdParts id = parse_case_id(c.id);
  // The parser names the loop; no word before it (protocol, role, peer, transport) holds one.
  std::string loop = "-" + std::string(id.loop);
  auto at = id.loop.empty() ? std::string_view::npos : id.variant.find(loop);
  if (at == std::string_view::npos) return std::string(kSameRetry);
  // What follows the loop: "", "-nullretry", "-nullretry-ccm", "-ccm".
  std::string_view after = id.variant.substr(at + loop.size());
  if (!after.starts_with("-")) return std::string(kSameRetry);
  std::string_view word = after.substr(1, after.find('-', 1) - 1);
  return word.ends_with("retry") ? std::string(word) : std::string(kSameRetry);
}

Interleavings summarize_interleavings(const std::vector<Run>& runs) {
  Interleavings il;
  add_axes(il, runs);
  if (il.empty()) return il;
  for (const auto& run : runs) {
    il.grids.push_back(grid_of(il, run));
    il.pairs.push_back(pairs_of(il, il.grids.back()));
  }
  return il;
}

}  // namespace dirprobe::report
