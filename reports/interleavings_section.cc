// The interleavings section (declared in sections.h): per runtime a grid of pending state x
// call with one short mark per protocol x peer x retry form, and the lines that count them. A ✓
// links to its runtime's drill-down (the replay command, the clean cases' ids), a K, ✗, ? or s to
// its cell's drill-down (per mark its case, outcome, first violation or ending). Marks are one
// character, the n/a reasons stand once and the replay command once per drill-down, so four
// runtimes' grids and drill-downs stay small.
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

constexpr std::size_t kWhyBytes = 160;  // a mark's violation or ending, cut to about this

// The drill-down with the pattern of a runtime's clean cases.
std::string pattern_anchor(std::size_t run) { return "il-" + std::to_string(run); }

// The drill-down of one cell (run, state, call).
std::string cell_anchor_of(std::size_t run, std::size_t state, std::size_t call) {
  return pattern_anchor(run) + "-" + std::to_string(state) + "-" + std::to_string(call);
}

// The marks whose case did not simply hold: each is listed in its cell's drill-down.
bool listed(const SubCell& sub) {
  return sub.shown != nullptr && (sub.mark == Mark::kKnown || sub.mark == Mark::kNew ||
                                  sub.mark == Mark::kUnmet || sub.mark == Mark::kSkipped);
}

bool has_drill_down(const std::vector<SubCell>& cell) {
  return std::any_of(cell.begin(), cell.end(), listed);
}

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

// Where a mark links: a ✓ to its runtime's pattern of clean cases; a K, ✗, ? or s to its cell's
// drill-down; n/a and empty marks nowhere.
std::string target_of(std::size_t run, std::size_t state, std::size_t call, const SubCell& sub) {
  if (sub.mark == Mark::kHeld && sub.shown != nullptr) return pattern_anchor(run);
  return listed(sub) ? cell_anchor_of(run, state, call) : "";
}

// The marks of one cell, a space between protocol x peer pairs.
Inline cell_marks(const Model& m, std::size_t run, std::size_t state, std::size_t call) {
  const Interleavings& il = m.interleavings;
  const auto& cell = il.grids[run].cells[state][call];
  Inline out;
  for (std::size_t p = 0; p < cell.size(); ++p)
    append_mark(out, p > 0 && p % il.forms.size() == 0 ? " " : "", words(cell[p].mark).glyph,
                target_of(run, state, call, cell[p]));
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
                "command that replays its clean case (fault plan none); a K, ✗, ? or s links to "
                "its cell's drill-down, which gives for each such mark the case it stands for, "
                "its outcome, its first violation (or why it was skipped, how it ended, the "
                "premise it missed) and how to replay it. Below the marks: sweep "
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

// What a listed mark's case showed: its first violation, else why it was skipped, how it ended
// when it did not complete, or the premises it missed; cut to about kWhyBytes.
std::string why(const CaseRecord& c) {
  std::string out = c.reason;
  if (!c.violations.empty()) {
    const Violation& v = c.violations.front();
    out = std::string(invariant_name(v.invariant)) + ": " + (v.what.empty() ? v.note : v.what);
  } else if (c.outcome != Outcome::kSkip && !c.completed()) {
    out = c.end_reason.empty() ? c.end : c.end_reason;
  } else if (c.outcome != Outcome::kSkip && !c.premise_unmet.empty()) {
    out = "missed " + c.premise_unmet;
  }
  if (out.size() <= kWhyBytes) return out;
  std::size_t at = kWhyBytes;  // not inside a UTF-8 sequence
  while (at > 0 && (static_cast<unsigned char>(out[at]) & 0xC0) == 0x80) --at;
  return out.substr(0, at) + "…";
}

// A case's id after "<scenario>/": the part the cell's template leaves open.
std::string id_in_cell(const CaseRecord& c) { return c.id.substr(c.scenario.size() + 1); }

// One item per listed mark of the cell, in place order: the mark, its case's id after the
// scenario (or its whole replay command, for an id the template cannot take as it is), its
// outcome and why; a reason the item before gave already is not repeated.
List listed_marks(const Run& run, const std::vector<SubCell>& cell) {
  List list;
  std::string last;
  for (const auto& sub : cell) {
    if (!listed(sub)) continue;
    const CaseRecord& c = *sub.shown;
    std::string reason = why(c);
    list.items.push_back({text(std::string(words(sub.mark).glyph) + " "),
                          code(replays_by_id(run, c) ? id_in_cell(c) : replay_on(run, c.id)),
                          text(" " + std::string(outcome_name(c.outcome)) + ": " +
                               (reason == last ? "as above" : reason))});
    last = std::move(reason);
  }
  return list;
}

// The drill-down of a cell with listed marks: the replay template once, with the cell's
// scenario in it, then the marks, each with the rest of its case's id.
DrillDown cell_drill_down_of(const Model& m, std::size_t run, std::size_t state, std::size_t call) {
  const Interleavings& il = m.interleavings;
  const auto& cell = il.grids[run].cells[state][call];
  std::string scenario = std::string(kInterleavePrefix) + il.states[state] + "-" + il.calls[call];
  Inline summary{text(scenario + " on " + m.runs[run].label() + ": ")};
  for (const auto& span : cell_marks(m, run, state, call)) summary.push_back(text(span.text));
  std::string replay = replay_template(m.runs[run]);
  replay.replace(replay.find("{id}"), 4, scenario + "/{case}");
  Paragraph replay_line{{text("Replay a case with "), code(replay),
                         text(", {case} being the rest of its id:")}};
  return {cell_anchor_of(run, state, call),
          std::move(summary),
          {std::move(replay_line), listed_marks(m.runs[run], cell)},
          true};
}

// The runtime's drill-downs: its held marks' pattern, then one per cell with listed marks.
void add_drill_downs(Section& s, const Model& m, std::size_t run) {
  const Interleavings& il = m.interleavings;
  s.drill_downs.push_back(pattern_drill_down(m, run));
  for (std::size_t state = 0; state < il.states.size(); ++state)
    for (std::size_t call = 0; call < il.calls.size(); ++call)
      if (has_drill_down(il.grids[run].cells[state][call]))
        s.drill_downs.push_back(cell_drill_down_of(m, run, state, call));
}

}  // namespace

std::string grid_anchor(const Model& m, std::size_t run, const CaseRecord& c) {
  auto [state, call] = m.interleavings.scenario_cells.at(c.scenario);
  return has_drill_down(m.interleavings.grids[run].cells[state][call])
             ? cell_anchor_of(run, state, call)
             : pattern_anchor(run);
}

Section interleavings_section(const Model& m) {
  const Interleavings& il = m.interleavings;
  Section s{"Interleavings: a call while another is pending", {legend(il), pair_lines(m)}, {}};
  if (!il.na_reasons.empty()) s.blocks.push_back(na_legend(il));
  for (std::size_t r = 0; r < m.runs.size(); ++r) {
    if (il.grids[r].cases == 0) continue;
    s.blocks.push_back(Paragraph{{strong(m.runs[r].label())}});
    s.blocks.push_back(grid_table(m, r));
    add_drill_downs(s, m, r);
  }
  return s;
}

}  // namespace dirprobe::report
