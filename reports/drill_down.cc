// The drill-down of a matrix cell (declared in sections.h).
#include <algorithm>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "reports/sections.h"

namespace dirprobe::report {
namespace {

constexpr std::size_t kLinesBefore = 10;  // call lines shown before the first counterexample call
constexpr std::size_t kMaxLines = 16;     // call lines shown at most
constexpr const char* kGap = "…";         // where the harness left calls out

// The call index a call line starts with ("#12 t3 subject ..."), if it has one.
std::optional<std::size_t> call_index(const std::string& line) {
  if (line.size() < 2 || line[0] != '#') return std::nullopt;
  std::size_t n = 0, i = 1;
  for (; i < line.size() && i < 12 && std::isdigit(static_cast<unsigned char>(line[i])); ++i)
    n = n * 10 + static_cast<std::size_t>(line[i] - '0');
  if (i == 1) return std::nullopt;
  return n;
}

// The kept call lines around the first counterexample call (the last ones when no call is
// marked), with "…" where the harness left calls out.
CodeLines call_lines(const CaseRecord& c) {
  std::set<std::size_t> marks;
  for (const auto& v : c.violations)
    if (v.call) marks.insert(*v.call);
  std::vector<std::optional<std::size_t>> index;
  for (const auto& line : c.calls) index.push_back(call_index(line));
  auto marked = [&](std::size_t i) { return index[i] && marks.contains(*index[i]); };
  std::size_t n = c.calls.size(), first = 0;
  while (first < n && !marked(first)) ++first;
  std::size_t begin = first < n ? (first > kLinesBefore ? first - kLinesBefore : 0)
                                : (n > kMaxLines ? n - kMaxLines : 0);
  CodeLines out;
  for (std::size_t i = begin; i < n && i < begin + kMaxLines; ++i) {
    if (i > begin && index[i] && index[i - 1] && *index[i] > *index[i - 1] + 1) {
      out.lines.push_back(kGap);
      out.marked.push_back(false);
    }
    out.lines.push_back(c.calls[i]);
    out.marked.push_back(marked(i));
  }
  return out;
}

// The column of the same peer on the runtime before this column's, if any.
std::optional<std::size_t> previous_runtime(const Model& m, std::size_t column) {
  for (std::size_t k = column; k-- > 0;)
    if (m.columns[k].peer == m.columns[column].peer) return k;
  return std::nullopt;
}

// What a reference to a run calls it: its runtime ("bullseye"), else its label.
std::string run_name(const Run& run) {
  return run.runtime.empty() || run.runtime == "installed" ? run.label() : run.runtime;
}

// A link to the drill-down of the cell in `column` of `row`, named by its runtime.
Span cell_link(const Model& m, std::size_t row, std::size_t column) {
  return link(run_name(m.runs[m.columns[column].run]), cell_anchor(row, column));
}

bool same_lines(const CodeLines& a, const CodeLines& b) {
  return a.lines == b.lines && a.marked == b.marked;
}

// The earliest column of the same row and peer, going back runtime by runtime from `column`
// while each has a drill-down whose cell `alike` accepts: what they share stands there once.
template <class Alike>
std::optional<std::size_t> shown_at(const Model& m, std::size_t row, std::size_t column,
                                    Alike alike) {
  std::optional<std::size_t> at;
  for (auto k = previous_runtime(m, column); k; k = previous_runtime(m, *k)) {
    const Cell& earlier = m.rows[row].cells[*k];
    if (earlier.example == nullptr || !alike(earlier)) break;
    at = k;
  }
  return at;
}

// Where the same call lines of the same case stand already.
std::optional<std::size_t> lines_shown_at(const Model& m, std::size_t row, std::size_t column) {
  const CaseRecord& c = *m.rows[row].cells[column].example;
  CodeLines lines = call_lines(c);
  return shown_at(m, row, column, [&](const Cell& earlier) {
    const CaseRecord& o = *earlier.example;
    return o.id == c.id && o.calls_total == c.calls_total && same_lines(call_lines(o), lines);
  });
}

const Violation* violation_of(const CaseRecord& c, Invariant inv) {
  auto it = std::find_if(c.violations.begin(), c.violations.end(),
                         [inv](const Violation& v) { return v.invariant == inv; });
  return it == c.violations.end() ? nullptr : &*it;
}

// One item per invariant violated in the cell, with its first counterexample when that is not
// the cell's counterexample; its text "as on" the first runtime (of a run of runtimes back from
// this one) whose drill-down named the same case with the same text.
List violations(const Model& m, std::size_t row, std::size_t column) {
  const Cell& cell = m.rows[row].cells[column];
  List list;
  for (auto inv : kAllInvariants) {
    auto i = static_cast<unsigned>(inv);
    if (cell.violated[i] == 0) continue;
    Inline item{strong(std::string(invariant_name(inv))),
                text(" violated in " + std::to_string(cell.violated[i]) + " case(s)" +
                     (cell.violated_asserted[i] > 0 ? "" : " (recorded, not asserted)"))};
    const CaseRecord* first = cell.first_violation[i];
    const Violation* v = first ? violation_of(*first, inv) : nullptr;
    if (first != cell.example && v != nullptr) {
      item.push_back(text("; first in "));
      item.push_back(code(first->id));
      auto at = shown_at(m, row, column, [&](const Cell& before) {
        const CaseRecord* earlier = before.first_violation[i];
        const Violation* w = earlier ? violation_of(*earlier, inv) : nullptr;
        return w != nullptr && earlier != before.example && earlier->id == first->id &&
               w->what == v->what;
      });
      if (at) {
        item.push_back(text(", text as on "));
        item.push_back(cell_link(m, row, *at));
      } else {
        item.push_back(text(": " + v->what));
      }
    }
    list.items.push_back(std::move(item));
  }
  return list;
}

// An event key as a premise names it: "again_push.send" -> "again.send.push".
std::string premise_word(std::string_view key) {
  for (auto [prefix, suffix] :
       {std::pair<std::string_view, std::string_view>{"again_push.", ".push"},
        {"again_unblocked.", ".unblocked"}})
    if (key.starts_with(prefix))
      return "again." + std::string(key.substr(prefix.size())) + std::string(suffix);
  if (key == "blocked_push") return "blocked.push";
  if (key == "blocked_pull") return "blocked.pull";
  return std::string(key);
}

// The side a premise names for an event key, and the rest of the key: "subject.again.send" ->
// subject, "again.send"; "both_push_full" -> both, "push_full"; "timer_fired" -> case.
std::pair<std::string_view, std::string_view> premise_side(std::string_view key) {
  for (std::string_view side : {"subject.", "peer.", "both_"})
    if (key.starts_with(side)) return {side.substr(0, side.size() - 1), key.substr(side.size())};
  return {"case", key};
}

// A case's events in the words of premises: "subject: again.handshake 2, blocked.pull 2; peer:
// ...; both: push_full 1; case: timer_fired 2".
std::string event_words(const Events& events) {
  std::string out;
  for (std::string_view side : {"subject", "peer", "both", "case"}) {
    std::string words;
    for (const auto& [key, count] : events) {
      auto [of, rest] = premise_side(key);
      if (of == side)
        words += (words.empty() ? "" : ", ") + premise_word(rest) + " " + std::to_string(count);
    }
    if (!words.empty()) out += (out.empty() ? "" : "; ") + std::string(side) + ": " + words;
  }
  return out.empty() ? "none counted" : out;
}

// How the groups that met no premise ended, worst first, with what to say about them.
struct UntestedKind {
  Untested how;
  Tone tone;
  const char* headline;
};
constexpr UntestedKind kUntestedKinds[] = {
    {Untested::kVacuous, Tone::kVacuous,
     "Not tested (vacuous): no case of these groups met the premises, so the claim was not "
     "tested there; their passing and known cases ended vacuous, a failure."},
    {Untested::kExplained, Tone::kKnown,
     "Not tested, explained: no case of these groups met the premises, and an expectation says "
     "why (their passing cases ended known)."},
    {Untested::kNotJudged, Tone::kKnown,
     "Not tested: no case of these groups met the premises; every case failed or was cut short "
     "before the events."},
};

// Whether two groups' evidence says the same: the same case, missing and seeing the same.
bool same_evidence(const Group& a, const Group& b) {
  const CaseRecord* x = a.evidence;
  const CaseRecord* y = b.evidence;
  if (x == nullptr || y == nullptr) return false;
  return x->id == y->id && x->premise_unmet == y->premise_unmet &&
         x->events.has_value() == y->events.has_value() &&
         (!x->events || event_words(*x->events) == event_words(*y->events));
}

// One item per group: what its evidence case (the clean one where there is one) missed, and
// the events it did see, in the words of premises ("as above" when the item before saw the
// same). `as_on`: a link to the runtime before's drill-down when its group said the same.
Inline untested_item(const std::string& variant, const Group& g, const std::string& events_before,
                     const std::optional<Span>& as_on) {
  Inline item{code(variant)};
  const CaseRecord* e = g.evidence;
  if (e == nullptr) return item;
  if (as_on) {
    item.push_back(text(": as on "));
    item.push_back(*as_on);
    return item;
  }
  item.push_back(text(": "));
  item.push_back(code(e->id));
  if (!e->premise_unmet.empty()) item.push_back(text(" missed " + e->premise_unmet + "."));
  if (e->events) {
    std::string words = event_words(*e->events);
    item.push_back(small(" Events seen: " + (words == events_before ? "as above" : words) + "."));
  }
  return item;
}

// The premises of the cell's scenario, how often they were met, and the groups that met none.
void add_premises(std::vector<Block>& body, const Model& m, std::size_t row, std::size_t column) {
  const Row& r = m.rows[row];
  const Cell& cell = r.cells[column];
  if (r.premises.empty()) return;
  Inline head{text("Premises ")};
  for (const auto& p : r.premises) {
    if (head.size() > 1) head.push_back(text(", "));
    head.push_back(code(p));
  }
  std::string counts = cell.premise_counts();
  head.push_back(text(counts.empty() ? "." : ": " + counts + "."));
  body.push_back(Paragraph{std::move(head)});
  auto count_of = [](const Cell& c, Untested how) {
    return std::ranges::count_if(c.groups, [how](const auto& vg) {
      return vg.second.how_untested() == how;
    });
  };
  for (const auto& kind : kUntestedKinds) {
    List groups;
    std::string events_before;
    // The one column every group's item refers to, while there is one.
    std::optional<std::optional<std::size_t>> all_at;
    for (const auto& entry : cell.groups) {
      // Named, not bound: the lambda below captures them (clang 14 cannot capture bindings).
      const std::string& variant = entry.first;
      const Group& g = entry.second;
      if (g.how_untested() != kind.how) continue;
      std::optional<Span> as_on;
      auto at = shown_at(m, row, column, [&](const Cell& before) {
        auto it = before.groups.find(variant);
        return it != before.groups.end() && it->second.how_untested() == kind.how &&
               same_evidence(it->second, g);
      });
      if (at) as_on = cell_link(m, row, *at);
      all_at = !all_at || *all_at == at ? at : std::nullopt;
      groups.items.push_back(untested_item(variant, g, events_before, as_on));
      // "as above" refers to the item before only when that item shows its events.
      events_before = !as_on && g.evidence && g.evidence->events
                          ? event_words(*g.evidence->events)
                          : std::string();
    }
    if (groups.items.empty()) continue;
    body.push_back(Paragraph{{strong(kind.headline)}, kind.tone});
    // Every group as on one earlier runtime, and no other group there: say so once.
    if (all_at && *all_at &&
        count_of(r.cells[**all_at], kind.how) == std::ssize(groups.items))
      body.push_back(Paragraph{{text("The same " + std::to_string(groups.items.size()) +
                                     " group(s), with the same evidence, as on "),
                                cell_link(m, row, **all_at), text(".")}});
    else
      body.push_back(std::move(groups));
  }
}

// The counterexample; its call lines only where an earlier runtime's drill-down does not show
// the same ones (`lines_at`, that runtime's column), and its replay command as its runtime's
// template (given once at the top of the section) when the id alone says how.
void add_counterexample(std::vector<Block>& body, const Model& m, std::size_t row,
                        std::size_t column) {
  const Run& run = m.runs[m.columns[column].run];
  const CaseRecord& c = *m.rows[row].cells[column].example;
  bool counter = is_failure(c.outcome) || !c.violations.empty();
  Inline head{strong(counter ? "Counterexample:" : "Example:"), text(" "), code(c.id),
              text(" — outcome "), strong(std::string(outcome_name(c.outcome)))};
  if (c.raw_outcome && *c.raw_outcome != c.outcome)
    head.push_back(
        text(" (before expectations: " + std::string(outcome_name(*c.raw_outcome)) + ")"));
  body.push_back(Paragraph{std::move(head)});
  if (!c.reason.empty()) body.push_back(Paragraph{{text(c.reason)}});
  for (const auto& where : c.expected) {
    auto e = std::find_if(run.expectations.begin(), run.expectations.end(),
                          [&](const Expectation& x) { return x.where == where; });
    // Its reason is in the Known deviations section, once.
    Inline known{text("Known deviation "), code(where)};
    if (e != run.expectations.end()) known.push_back(text(": " + e->deviation));
    body.push_back(Paragraph{std::move(known), Tone::kKnown});
  }
  if (replays_by_id(run, c))
    body.push_back(Paragraph{{text("Replay: the " + run_name(run) + " command above, with its id.")}});
  else
    body.push_back(Paragraph{{text("Replay: "), code(replay_on(run, c.id))}});
  if (c.calls.empty()) return;
  if (auto at = lines_shown_at(m, row, column)) {
    body.push_back(Paragraph{{text("Call lines as on "), cell_link(m, row, *at), text(".")}});
    return;
  }
  CodeLines lines = call_lines(c);
  auto kept = std::count_if(lines.lines.begin(), lines.lines.end(),
                            [](const std::string& l) { return l != kGap; });
  std::string shown = std::to_string(kept) + " of its " + std::to_string(c.calls_total) +
                      " calls shown";
  body.push_back(std::move(lines));
  body.push_back(Paragraph{{small(shown + "; the replay prints all.")}});
}

}  // namespace

DrillDown cell_drill_down(const Model& m, std::size_t row, std::size_t column) {
  const Row& r = m.rows[row];
  const Cell& cell = r.cells[column];
  DrillDown d{
      cell_anchor(row, column),
      {text(r.scenario + " — " + column_label(m, m.columns[column]) + ": " + cell.summary())},
      {}};
  if (!cell.ends.empty()) d.body.push_back(Paragraph{{text(cell.endings())}});
  List violated = violations(m, row, column);
  if (!violated.items.empty()) d.body.push_back(std::move(violated));
  add_premises(d.body, m, row, column);
  if (cell.example != nullptr) add_counterexample(d.body, m, row, column);
  auto same_case = [](const CaseRecord* a, const CaseRecord* b) {
    return a->id == b->id && a->outcome == b->outcome;
  };
  auto others_at = shown_at(m, row, column, [&](const Cell& before) {
    return std::ranges::equal(cell.others, before.others, same_case);
  });
  if (!cell.others.empty() && others_at) {
    d.body.push_back(
        Paragraph{{text("Further cases: as on "), cell_link(m, row, *others_at), text(".")}});
  } else if (!cell.others.empty()) {
    Inline more{text("Further cases:")};
    for (const auto* c : cell.others) {
      more.push_back(text(" "));
      more.push_back(code(c->id));
      more.push_back(text(" (" + std::string(outcome_name(c->outcome)) + ");"));
    }
    d.body.push_back(Paragraph{std::move(more)});
  }
  if (cell.stale_direction > 0)
    d.body.push_back(Paragraph{
        {small("Stale direction after success: " + std::to_string(cell.stale_direction) +
               " case(s), recorded, not a failure.")}});
  return d;
}

}  // namespace dirprobe::report
