// The interleavings section (declared in sections.h): per runtime a grid of pending state x
// call with one short mark per protocol x peer x retry form, and the lines that count them. A ✓
// links to its runtime's drill-down (the replay command, the clean cases' ids), any other mark to
// its case's matrix drill-down. Marks are one character and the n/a reasons and the replay
// command stand once, so four runtimes' grids stay small.
#include <algorithm>
#include <set>
#include <string_view>
#include <utility>

#include "reports/sections.h"

namespace dirprobe::report {
namespace {

struct MarkWords {
  const char* glyph;
  const char* word;
  Tone tone;
};
// In the order of Mark.
constexpr MarkWords kMarks[] = {
    {"·", "no case", Tone::kNone},      {"–", "n/a", Tone::kSkip},
    {"s", "skipped", Tone::kSkip},      {"?", "premise not met", Tone::kVacuous},
    {"✓", "held", Tone::kPass},         {"K", "known deviation", Tone::kKnown},
    {"✗", "new deviation", Tone::kBad},
};
const MarkWords& words(Mark mark) { return kMarks[static_cast<unsigned>(mark)]; }

// The drill-down with the pattern of a runtime's clean cases.
std::string pattern_anchor(std::size_t run) { return "il-" + std::to_string(run); }
// "tls12 × openssl", the place's protocol and peer.
std::string pair_label(const Interleavings& il, std::size_t pair) {
  return il.protocols[pair / il.peers.size()] + " × " +
         std::string(library_name(il.peers[pair % il.peers.size()]));
}

// "tls12 × openssl, nullretry".
std::string place_label(const Interleavings& il, std::size_t place) {
  return pair_label(il, place / il.forms.size()) + ", " + il.forms[place % il.forms.size()];
}

// "tls12 × gnutls (same, nullretry), tls12 × openssl (same, nullretry), ...".
std::string place_order(const Interleavings& il) {
  std::string forms, out;
  for (const auto& f : il.forms) forms += (forms.empty() ? "" : ", ") + f;
  for (std::size_t pair = 0; pair < il.protocols.size() * il.peers.size(); ++pair)
    out += (out.empty() ? "" : ", ") + pair_label(il, pair) + " (" + forms + ")";
  return out;
}

// Appends a mark after `gap` (a space between pairs, or nothing); consecutive marks with one
// target share one link.
void append_mark(Inline& out, std::string_view gap, const std::string& glyph,
                 const std::string& target) {
  Span* last = out.empty() ? nullptr : &out.back();
  Span::Kind kind = target.empty() ? Span::Kind::kText : Span::Kind::kLink;
  if (last != nullptr && last->kind == kind && last->target == target) {
    last->text += std::string(gap) + glyph;
    return;
  }
  if (!gap.empty() && last != nullptr && last->kind == Span::Kind::kText)
    last->text += gap;
  else if (!gap.empty())
    out.push_back(text(std::string(gap)));
  out.push_back(target.empty() ? text(glyph) : link(glyph, target));
}

// Where a mark links: a ✓ to its runtime's pattern of clean cases; a mark for a case that did
// not simply pass to the drill-down of its scenario's matrix cell (its counterexample, call lines
// and replay command), as the report links any case; n/a and empty marks nowhere.
std::string target_of(const Model& m, std::size_t run, const SubCell& sub) {
  if (sub.mark == Mark::kEmpty || sub.mark == Mark::kNa || sub.shown == nullptr) return "";
  if (sub.mark == Mark::kHeld) return pattern_anchor(run);
  std::size_t row = m.row_of(sub.shown->scenario), column = m.column_of(run, sub.shown->peer);
  return m.rows[row].cells[column].example != nullptr ? cell_anchor(row, column) : "";
}

// The marks of one cell, a space between protocol x peer pairs.
Inline cell_marks(const Model& m, std::size_t run, std::size_t state, std::size_t call) {
  const Interleavings& il = m.interleavings;
  const auto& cell = il.grids[run].cells[state][call];
  Inline out;
  for (std::size_t p = 0; p < cell.size(); ++p)
    append_mark(out, p > 0 && p % il.forms.size() == 0 ? " " : "", words(cell[p].mark).glyph,
                target_of(m, run, cell[p]));
  return out;
}

// "12 sweep · 1 dev · 2 unmet · n/a 1": below a cell's marks; "" when there is nothing to say.
std::string cell_counts(const std::vector<SubCell>& cell) {
  int sweeps = 0, deviated = 0, unmet = 0;
  std::set<std::size_t> na;
  for (const auto& sub : cell) {
    sweeps += sub.sweeps;
    deviated += sub.sweeps_deviated;
    unmet += sub.unmet;
    if (sub.mark == Mark::kNa) na.insert(sub.na_reason + 1);
  }
  std::string out;
  auto add = [&out](const std::string& part) { out += (out.empty() ? "" : " · ") + part; };
  if (sweeps > 0) add(std::to_string(sweeps) + " sweep");
  if (deviated > 0) add(std::to_string(deviated) + " dev");
  if (unmet > 0) add(std::to_string(unmet) + " unmet");
  std::string keys;
  for (auto key : na) keys += (keys.empty() ? "" : ",") + std::to_string(key);
  if (!keys.empty()) add("n/a " + keys);
  return out;
}

// The worst tone of a cell's marks other than n/a; n/a throughout is skip.
Tone cell_tone(const std::vector<SubCell>& cell) {
  Tone tone = Tone::kNone;
  bool na = false;
  for (const auto& sub : cell) {
    na = na || sub.mark == Mark::kNa;
    if (sub.mark != Mark::kNa) tone = std::max(tone, words(sub.mark).tone);
  }
  return tone == Tone::kNone && na ? Tone::kSkip : tone;
}

Table grid_table(const Model& m, std::size_t run) {
  const Interleavings& il = m.interleavings;
  Table table{"interleavings-" + std::to_string(run), {"pending ↓ call →"}, {}};
  for (const auto& call : il.calls) table.header.push_back(call);
  for (std::size_t s = 0; s < il.states.size(); ++s) {
    TableRow row{{{{strong(il.states[s])}}}, {}};
    for (std::size_t k = 0; k < il.calls.size(); ++k) {
      const auto& cell = il.grids[run].cells[s][k];
      bool none = std::all_of(cell.begin(), cell.end(),
                              [](const SubCell& sub) { return sub.mark == Mark::kEmpty; });
      if (none) {
        row.cells.push_back({{text("—")}});
        continue;
      }
      TableCell out{cell_marks(m, run, s, k), cell_tone(cell)};
      if (std::string counts = cell_counts(cell); !counts.empty()) {
        out.content.push_back(line_break());
        out.content.push_back(small(counts));
      }
      row.cells.push_back(std::move(out));
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

// "60 of 68 applicable cells tried (6 premise not met, 2 skipped); 8 n/a; 3 with a deviation
// (2 known, 1 new)".
std::string pair_counts(const PairCounts& n) {
  std::string out =
      std::to_string(n.tried) + " of " + std::to_string(n.applicable) + " applicable cells tried";
  std::string why;
  if (n.unmet > 0) why = std::to_string(n.unmet) + " premise not met";
  if (n.skipped > 0) why += (why.empty() ? "" : ", ") + std::to_string(n.skipped) + " skipped";
  if (!why.empty()) out += " (" + why + ")";
  out += "; " + std::to_string(n.na) + " n/a; ";
  if (n.deviated == 0) return out + "none with a deviation";
  return out + std::to_string(n.deviated) + " with a deviation (" +
         std::to_string(n.deviated - n.unknown) + " known, " + std::to_string(n.unknown) + " new)";
}

// One line per runtime and protocol x peer that has cases.
List pair_lines(const Model& m) {
  const Interleavings& il = m.interleavings;
  List list;
  for (std::size_t r = 0; r < m.runs.size(); ++r) {
    if (il.grids[r].cases == 0) continue;
    for (std::size_t pair = 0; pair < il.pairs[r].size(); ++pair) {
      const PairCounts& n = il.pairs[r][pair];
      if (n.applicable == 0 && n.na == 0) continue;
      list.items.push_back({strong(m.runs[r].label() + ", " + pair_label(il, pair) + ":"),
                            text(" " + pair_counts(n))});
    }
  }
  return list;
}

Paragraph legend(const Interleavings& il) {
  std::string marks;
  for (auto mark : {Mark::kHeld, Mark::kKnown, Mark::kNew, Mark::kUnmet, Mark::kSkipped, Mark::kNa,
                    Mark::kEmpty})
    marks += (marks.empty() ? "" : ", ") + std::string(words(mark).glyph) + " " + words(mark).word;
  return {{text("A call made while another is pending (scenarios "),
           code("interleave-<state>-<call>"),
           text("): rows are the pending state, columns the call. A cell has one mark per "
                "protocol × peer × retry form, in the order " +
                place_order(il) + ": " + marks +
                ". Held: a case ran and met its premise and none deviated; premise not met: "
                "cases ran, but none met its premise, so they prove nothing. A ✓ links to the "
                "command that replays its clean case (fault plan none); another mark links to "
                "the drill-down of its scenario's matrix cell (that runtime and peer), with its "
                "counterexample, call lines and replay command. Below the marks: sweep "
                "points that ran (cases with a fault plan), how many of them deviated (dev), "
                "cases that ran without meeting their premise and did not deviate (unmet), and "
                "the n/a reasons, numbered below. In the lines, a cell is one state, call and "
                "retry form.")}};
}

List na_legend(const Interleavings& il) {
  List list;
  for (std::size_t i = 0; i < il.na_reasons.size(); ++i)
    list.items.push_back(
        {strong("n/a " + std::to_string(i + 1) + ":"), text(" " + il.na_reasons[i])});
  return list;
}

// The id a held mark's case has after its scenario ("tls12-client-gnutls-unix-trusting/none/s1").
std::string tail_of(const CaseRecord& c) { return c.id.substr(c.scenario.size() + 1); }

// A runtime's clean cases as a pattern per place, and the held marks that stand for another case.
DrillDown pattern_drill_down(const Model& m, std::size_t run) {
  const Interleavings& il = m.interleavings;
  const InterleavingsGrid& g = il.grids[run];
  std::vector<std::string> pattern(il.places());
  List off;
  for (std::size_t s = 0; s < il.states.size(); ++s)
    for (std::size_t k = 0; k < il.calls.size(); ++k)
      for (std::size_t p = 0; p < il.places(); ++p) {
        const SubCell& sub = g.cells[s][k][p];
        if (sub.mark != Mark::kHeld) continue;
        if (pattern[p].empty()) pattern[p] = tail_of(*sub.shown);
        if (tail_of(*sub.shown) != pattern[p])
          off.items.push_back(
              {text(il.states[s] + " × " + il.calls[k] + ", " + place_label(il, p) + ": "),
               code(sub.shown->id)});
      }
  DrillDown d{pattern_anchor(run),
              {text("Interleavings on " + m.runs[run].label() + ": the case behind a ✓")},
              {Paragraph{{text("A ✓ stands for its clean case. Replay it with "),
                          code(replay_template(m.runs[run])), text(", the id being:")}}}};
  List places;
  for (std::size_t p = 0; p < il.places(); ++p)
    if (!pattern[p].empty())
      places.items.push_back(
          {text(place_label(il, p) + ": "),
           code(std::string(kInterleavePrefix) + "<state>-<call>/" + pattern[p])});
  if (places.items.empty())
    d.body = {Paragraph{{text("No cell held on this runtime.")}}};
  else
    d.body.push_back(std::move(places));
  if (off.items.empty()) return d;
  d.body.push_back(Paragraph{{text("except for these, whose case is:")}});
  d.body.push_back(std::move(off));
  return d;
}

}  // namespace

Section interleavings_section(const Model& m) {
  const Interleavings& il = m.interleavings;
  Section s{"Interleavings: a call while another is pending", {legend(il), pair_lines(m)}, {}};
  if (!il.na_reasons.empty()) s.blocks.push_back(na_legend(il));
  for (std::size_t r = 0; r < m.runs.size(); ++r) {
    if (il.grids[r].cases == 0) continue;
    s.blocks.push_back(Paragraph{{strong(m.runs[r].label())}});
    s.blocks.push_back(grid_table(m, r));
    s.drill_downs.push_back(pattern_drill_down(m, r));
  }
  return s;
}

}  // namespace dirprobe::report
