#include "reports/sections.h"

#include "reports/apps.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>

namespace dirprobe::report {

Tone tone_of(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return Tone::kPass;
    case Outcome::kSkip:
      return Tone::kSkip;
    case Outcome::kKnown:
      return Tone::kKnown;
    case Outcome::kVacuous:
      return Tone::kVacuous;
    default:
      return Tone::kBad;
  }
}

Tone tone_of(Finding finding) {
  switch (finding) {
    case Finding::kYes:
      return Tone::kPass;
    case Finding::kNo:
      return Tone::kBad;
    case Finding::kNoKnown:
    case Finding::kNoNotPromised:
      return Tone::kKnown;
    case Finding::kUntested:
      break;
  }
  return Tone::kSkip;
}

namespace {

std::string number(double value, const char* format) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}


// "known 1088, pass 2224": a run's outcome counts.
std::string outcome_counts(const Run& run) {
  std::array<int, kOutcomeCount> counts{};
  for (const auto& c : run.cases) ++counts[static_cast<unsigned>(c.outcome)];
  std::string out;
  for (auto o : kAllOutcomes)
    if (counts[static_cast<unsigned>(o)] > 0)
      out += (out.empty() ? "" : ", ") + std::string(outcome_name(o)) + " " +
             std::to_string(counts[static_cast<unsigned>(o)]);
  return out;
}

Section runs_section(const Model& m) {
  Table table{
      "runs",
      {"runtime", "GnuTLS", "OpenSSL (peer)", "cases", "outcomes", "wall time", "jobs", "per case"},
      {}};
  for (const auto& run : m.runs) {
    double per_case = run.cases.empty() ? 0
                                        : 1000 * run.host.wall_seconds * double(run.host.jobs) /
                                              double(run.cases.size());
    table.rows.push_back({{{{text(run.runtime)}},
                           {{text(run.gnutls_version)}},
                           {{text(run.openssl_version)}},
                           {{text(std::to_string(run.cases.size()) +
                                  (run.host.unswept ? " (unswept)" : ""))}},
                           {{text(outcome_counts(run))}},
                           {{text(number(run.host.wall_seconds, "%.0f s"))}},
                           {{text(std::to_string(run.host.jobs))}},
                           {{text(number(per_case, "%.1f ms"))}}},
                          {}});
  }
  Paragraph note{{text("Wall time, jobs (worker processes) and time per case (wall time × jobs "
                       "÷ cases) are facts of the host that ran the cases ("),
                  code("host"), text(" in each results file), not of the library. An "),
                  text("unswept run (the CI tier on the other runtimes) left out the sweep "
                       "points: it judges every clean case and listed fault plan, and no swept "
                       "group as a whole (no premise or staleness verdict there).")}};
  return {"Runs", {std::move(table), std::move(note)}, {}};
}

// The evidence behind an answer: "840 cases checked" or "1088 of 3272 cases violate it", and
// the cases of vacuous groups left out.
std::string evidence(const Answer& a) {
  std::string out;
  if (a.finding == Finding::kUntested)
    out = "no case checks it";
  else if (a.violated == 0)
    out = std::to_string(a.checked) + " cases checked";
  else
    out = std::to_string(a.violated) + " of " + std::to_string(a.checked) + " cases violate it";
  if (a.vacuous > 0)
    out += "; held in " + std::to_string(a.vacuous) + " vacuous cases, not counted";
  return out;
}

// The row of the questions table for stale directions: a recorded fact, toned as none.
TableRow stale_direction_row(const Model& m) {
  TableRow row{{{{text("Direction left stale after success (recorded, not a failure: the manual "
                       "documents the direction only after E_AGAIN/E_INTERRUPTED)")}},
                {{text("—")}}},
               {}};
  for (const auto& s : m.stale_directions) {
    TableCell cell{{text(std::to_string(s.cases) + " cases")}};
    if (s.first != nullptr) {
      cell.content.push_back(text(" (first: "));
      cell.content.push_back(code(s.first->id));
      cell.content.push_back(text(")"));
      cell.content.push_back(line_break());
      cell.content.push_back(small(std::to_string(s.calls) + " successful calls"));
    }
    row.cells.push_back(std::move(cell));
  }
  return row;
}

std::string anchor_of(const Model& m, std::size_t run, const CaseRecord& c) {
  if (m.interleavings.shows(c.scenario)) return grid_anchor(m, run, c);
  return cell_anchor(m.row_of(c.scenario), m.column_of(run, c.peer));
}

Section questions_section(const Model& m) {
  Table table{"summary", {"question", "invariant"}, {}};
  for (const auto& run : m.runs) table.header.push_back(run.label());
  for (std::size_t q = 0; q < m.questions.size(); ++q) {
    TableRow row{{{{text(m.questions[q].text)}},
                  {{text(std::string(invariant_name(m.questions[q].invariant)))}}},
                 {}};
    for (std::size_t r = 0; r < m.runs.size(); ++r) {
      const Answer& a = m.answers[q][r];
      TableCell cell{
          {strong(std::string(finding_name(a.finding))), line_break(), text(evidence(a))},
          tone_of(a.finding)};
      for (const auto* c : a.deciding) {
        cell.content.push_back(line_break());
        cell.content.push_back(link(c->id, anchor_of(m, r, *c)));
      }
      // A loop model's row names its first case when none deviates.
      if (!m.questions[q].loop.empty() && a.deciding.empty() && a.first != nullptr) {
        cell.content.push_back(line_break());
        cell.content.push_back(text("first case: "));
        cell.content.push_back(link(a.first->id, anchor_of(m, r, *a.first)));
      }
      row.cells.push_back(std::move(cell));
    }
    table.rows.push_back(std::move(row));
  }
  table.rows.push_back(stale_direction_row(m));
  Paragraph legend{{text("\"no (known)\": every case that violates it ended known (each of its "
                         "deviations is listed in "),
                    code("scenarios/expectations/"),
                    text(" with its reason); \"no (not promised)\": violations only where the "
                         "scenario records the invariant because the manual does not promise it "
                         "there; \"no\": at least one violating case did not end known. A case "
                         "of a vacuous group (no case of it met its scenario's premises) is no "
                         "evidence, so what held there is not counted. The last row counts the "
                         "cases in which a successful subject call left a direction other than "
                         "that of its own last transport operation; the manual promises nothing "
                         "there, so it is recorded, not judged. L1 has a row per loop model "
                         "(docs/design.md); the oblivious loop never waits, so L1 is not "
                         "judged for it.")}};
  return {"What can my event loop rely on?", {std::move(table), std::move(legend)}, {}};
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

// A list of premises as code spans: "`subject.again.send`, `peer.sent.alert`".
Inline premise_list(const std::vector<std::string>& premises) {
  Inline out;
  for (const auto& p : premises) {
    if (!out.empty()) out.push_back(text(", "));
    out.push_back(code(p));
  }
  return out;
}

// The premise counts and groups of a scenario's cells on one run (its peers together).
Cell run_premises(const Model& m, const Row& row, std::size_t run) {
  Cell total;
  for (std::size_t c = 0; c < m.columns.size(); ++c) {
    if (m.columns[c].run != run) continue;
    for (std::size_t s = 0; s < kPremiseStatusCount; ++s)
      total.premise[s] += row.cells[c].premise[s];
    total.groups.insert(row.cells[c].groups.begin(), row.cells[c].groups.end());
  }
  return total;
}

// The word and tone for how a group that met no premise ended.
std::pair<std::string, Tone> untested_words(Untested how) {
  switch (how) {
    case Untested::kVacuous:
      return {"vacuous", Tone::kVacuous};
    case Untested::kExplained:
      return {"known vacuous", Tone::kKnown};
    case Untested::kNotJudged:
      return {"every case failed or was cut short", Tone::kKnown};
    case Untested::kNo:
      break;
  }
  return {"tested", Tone::kPass};
}

// A scenario's premises on one run: pass when every group met them, else the worst group's.
Tone premise_tone(const Cell& total) {
  if (total.premise_summary().empty()) return Tone::kNone;
  Tone tone = Tone::kPass;
  for (const auto& [variant, g] : total.groups)
    tone = std::max(tone, untested_words(g.how_untested()).second);
  return tone;
}

// "in its only group", "in all 8 groups", "in 2 of 8 groups (v1, v2)".
Inline which_groups(const std::vector<std::string>& variants, std::size_t of) {
  if (variants.size() == of)
    return {text(of == 1 ? " in its only group" : " in all " + std::to_string(of) + " groups")};
  return {text(" in " + std::to_string(variants.size()) + " of " + std::to_string(of) + " groups "),
          small("(" + joined(variants) + ")")};
}

// The items of one matrix cell for untested_groups: one per way of ending of its groups that
// met no premise (the vacuous ones, or the others).
void add_untested(List& list, const Model& m, std::size_t r, std::size_t c, bool vacuous) {
  const Cell& cell = m.rows[r].cells[c];
  std::map<Untested, std::vector<std::string>> by_how;
  std::map<Untested, const CaseRecord*> first;
  for (const auto& [variant, g] : cell.groups) {
    Untested how = g.how_untested();
    if (how == Untested::kNo || (how == Untested::kVacuous) != vacuous) continue;
    by_how[how].push_back(variant);
    first.try_emplace(how, g.evidence);
  }
  for (const auto& [how, variants] : by_how) {
    const std::string& scenario = m.rows[r].scenario;
    Inline item{cell.example != nullptr ? link(scenario, cell_anchor(r, c)) : code(scenario),
                text(" — " + column_label(m, m.columns[c]) + ": "),
                strong(untested_words(how).first)};
    for (auto& span : which_groups(variants, cell.groups.size())) item.push_back(span);
    const CaseRecord* e = first[how];
    if (e != nullptr && !e->premise_unmet.empty())
      item.push_back(text("; the first missed " + e->premise_unmet));
    list.items.push_back(std::move(item));
  }
}

// One item per matrix cell and way of ending of its groups that met no premise (the vacuous
// ones, or the others): the cell, how many groups, which, and what the first of them missed.
// The interleavings scenarios are left out: their grid marks such a cell ?.
List untested_groups(const Model& m, bool vacuous) {
  List list;
  for (std::size_t r = 0; r < m.rows.size(); ++r) {
    if (m.interleavings.shows(m.rows[r].scenario)) continue;
    for (std::size_t c = 0; c < m.columns.size(); ++c) add_untested(list, m, r, c, vacuous);
  }
  return list;
}

// A scenario's premise counts on one run, with the number of its groups that met none.
TableCell premise_cell(const Model& m, const Row& row, std::size_t run) {
  Cell total = run_premises(m, row, run);
  std::string summary = total.premise_summary();
  TableCell cell{{text(summary.empty() ? "—" : summary)}, premise_tone(total)};
  // No case recorded a status: every one was skipped, or lost by its worker.
  if (int none = total.premise[static_cast<unsigned>(PremiseStatus::kNone)];
      summary.empty() && none > 0)
    cell = {{text("not judged (" + std::to_string(none) + " cases skipped or lost)")}, Tone::kSkip};
  auto untested = std::count_if(total.groups.begin(), total.groups.end(),
                                [](const auto& g) { return g.second.untested(); });
  if (untested > 0) {
    cell.content.push_back(line_break());
    cell.content.push_back(strong("not tested in " + std::to_string(untested) + " of " +
                                  std::to_string(total.groups.size()) + " groups"));
  }
  return cell;
}

// One row per scenario that declares premises; the others' names go to `undeclared`.
Table premises_table(const Model& m, std::vector<std::string>& undeclared) {
  Table table{"premises", {"scenario", "premises"}, {}};
  for (const auto& run : m.runs) table.header.push_back(run.label());
  for (const auto& row : m.rows) {
    if (m.interleavings.shows(row.scenario)) continue;
    if (row.premises.empty()) {
      undeclared.push_back(row.scenario);
      continue;
    }
    TableRow out{
        {{{strong(row.scenario), small(" (" + row.family + ")")}}, {premise_list(row.premises)}},
        {}};
    for (std::size_t r = 0; r < m.runs.size(); ++r) out.cells.push_back(premise_cell(m, row, r));
    table.rows.push_back(std::move(out));
  }
  return table;
}

Section premises_section(const Model& m) {
  Section s{"Premises: was each claim tested?",
            {Paragraph{{text("A scenario declares the events its claim depends on, its premises "
                             "(for example "),
                        code("subject.again.send"),
                        text(": the subject's send returned E_AGAIN at least once). A group of "
                             "cases (scenario × variant) none of which met them did not test the "
                             "claim: its passing cases end "),
                        strong("vacuous"),
                        text(", a failure (and so do its known ones), unless an expectation says "
                             "why (then known).")}}},
            {}};
  std::vector<std::string> undeclared;
  Table table = premises_table(m, undeclared);
  bool declared = std::any_of(m.rows.begin(), m.rows.end(),
                              [](const Row& row) { return !row.premises.empty(); });
  if (!declared) {
    s.blocks.push_back(Paragraph{{text("No scenario declares premises yet: no pass in this "
                                       "report is checked against the events its claim "
                                       "depends on.")},
                                 Tone::kKnown});
    return s;
  }
  List vacuous = untested_groups(m, true), other = untested_groups(m, false);
  if (!vacuous.items.empty()) {
    s.blocks.push_back(
        Paragraph{{strong("Claims not tested (vacuous groups, a failure):")}, Tone::kVacuous});
    s.blocks.push_back(std::move(vacuous));
  }
  if (!other.items.empty()) {
    s.blocks.push_back(
        Paragraph{{text("Also met no premise (an expectation explains why, or no case ran its "
                        "course to pass or be called vacuous):")}});
    s.blocks.push_back(std::move(other));
  }
  if (!table.rows.empty()) s.blocks.push_back(std::move(table));
  if (!undeclared.empty())
    s.blocks.push_back(
        Paragraph{{text("Declare no premises yet (their passes are not checked "
                        "against one): " +
                        joined(undeclared) + ".")}});
  return s;
}

// The reproducer cell of a known deviation: its file, and whether it agreed everywhere.
TableCell repro_cell(const Model& m, const std::string& where) {
  const ReproFile* f = m.repro ? m.repro->for_entry(where) : nullptr;
  if (f == nullptr) return {{text(m.repro ? "none yet" : "")}};
  std::size_t agree = 0;
  std::string bad;
  for (const auto& [runtime, check] : f->checks) {
    if (check == "agrees") ++agree;
    else bad += "; DISAGREES on " + runtime + " (" + check + ")";
  }
  return {{file_link(f->file, "repro/" + f->file), line_break(),
           small("agrees with the harness on " + std::to_string(agree) + " of " +
                 std::to_string(m.repro->runtimes.size()) + " runtimes" + bad)}};
}

Paragraph repro_intro(const ReproIndex& r) {
  std::size_t agreeing = 0;
  for (const auto& f : r.files)
    if (f.checks.size() == r.runtimes.size() &&
        std::all_of(f.checks.begin(), f.checks.end(), [](const auto& c) { return c.second == "agrees"; }))
      ++agreeing;
  return Paragraph{{text("Reproducers: " + std::to_string(r.files.size()) +
                         " standalone C programs (GnuTLS alone, both ends in one process; "),
                    file_link("repro/", "repro/"), text(", "), code("make"),
                    text(" builds them) show the entries below; " + std::to_string(agreeing) +
                         " of them exit as the harness judged their case on every runtime checked (" +
                         std::to_string(r.runtimes.size()) + "); " + std::to_string(r.uncovered.size()) +
                         " entries have none yet. See docs/repro.md.")}};
}

// Known deviations (the expectations the runs were judged with): how often each was seen, and
// the standalone program that shows it.
Section known_section(const Model& m) {
  std::map<std::string, std::pair<const Expectation*, std::vector<std::string>>> entries;
  for (std::size_t r = 0; r < m.runs.size(); ++r)
    for (const auto& e : m.runs[r].expectations) {
      auto& [first, seen] = entries[e.where];
      if (first == nullptr) {
        first = &e;
        seen.assign(m.runs.size(), "not loaded");
      }
      seen[r] = !e.in_range
                    ? "out of range"
                    : std::to_string(e.observed) + " of " + std::to_string(e.matched) + " cases";
    }
  Table table{"known", {"entry", "deviation", "reason"}, {}};
  for (const auto& run : m.runs) table.header.push_back(run.label());
  if (m.repro) table.header.push_back("reproducer");
  for (const auto& [where, slot] : entries) {
    TableRow row{{{{code(where)}}, {{text(slot.first->deviation)}}, {{text(slot.first->reason)}}},
                 {}};
    for (const auto& s : slot.second) row.cells.push_back({{text(s)}});
    if (m.repro) row.cells.push_back(repro_cell(m, where));
    table.rows.push_back(std::move(row));
  }
  Paragraph intro{{text("Behaviour that differs from the documented contract and is recorded in "),
                   code("scenarios/expectations/"),
                   text(": cases showing it of the cases it applies to, per runtime.")}};
  Section s{"Known deviations", {std::move(intro)}, {}};
  if (m.repro) s.blocks.push_back(repro_intro(*m.repro));
  s.blocks.push_back(std::move(table));
  return s;
}

Section differences_section(const Model& m) {
  List list;
  for (const auto& row : m.rows) {
    if (!row.differs || m.interleavings.shows(row.scenario)) continue;
    Inline item{strong(row.scenario), text(":")};
    for (std::size_t i = 0; i < m.columns.size(); ++i) {
      const Cell& cell = row.cells[i];
      if (cell.empty()) continue;
      std::string ends = cell.ends.empty() ? "" : " (" + cell.endings() + ")";
      item.push_back(
          text(" " + column_label(m, m.columns[i]) + ": " + cell.summary() + ends + ";"));
    }
    list.items.push_back(std::move(item));
  }
  if (list.items.empty())
    return {"Differences between versions",
            {Paragraph{{text(std::string("None: every scenario") +
                             (m.interleavings.empty() ? "" : " outside the interleavings grid") +
                             " gives the same outcomes, verdicts and errors on every runtime.")}}},
            {}};
  return {"Differences between versions", {std::move(list)}, {}};
}

TableCell matrix_cell(const Cell& cell, const std::string& anchor) {
  if (cell.empty()) return {{text("—")}, Tone::kNone};
  Outcome status = cell.status();
  std::string word(outcome_name(status));
  for (char& ch : word) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  Span head = status == Outcome::kPass ? strong(word) : link(word, anchor);
  TableCell out{{std::move(head), line_break(), text(cell.summary())}, tone_of(status)};
  if (std::string premise = cell.premise_summary(); !premise.empty()) {
    out.content.push_back(line_break());
    out.content.push_back(small(premise));
  }
  return out;
}

Section matrix_section(const Model& m) {
  Table table{"matrix", {"scenario"}, {}};
  for (const auto& c : m.columns) table.header.push_back(column_label(m, c));
  for (std::size_t r = 0; r < m.rows.size(); ++r) {
    const Row& row = m.rows[r];
    if (m.interleavings.shows(row.scenario)) continue;
    TableRow out{
        {{{strong(row.scenario), small(" (" + row.family + ")"), line_break(), small(row.claim)}}},
        {}};
    if (!row.premises.empty()) {
      out.cells[0].content.push_back(line_break());
      out.cells[0].content.push_back(small("premises: " + joined(row.premises)));
    }
    if (row.differs) {
      out.cells[0].content.push_back(line_break());
      out.cells[0].content.push_back(strong("⚑ differs between versions"));
      out.tags.push_back("differs");
    }
    bool bad = false, untested = false;
    for (std::size_t c = 0; c < row.cells.size(); ++c) {
      const Cell& cell = row.cells[c];
      bad = bad || (!cell.empty() && cell.status() != Outcome::kPass);
      untested = untested || std::any_of(cell.groups.begin(), cell.groups.end(),
                                         [](const auto& g) { return g.second.untested(); });
      out.cells.push_back(matrix_cell(cell, cell_anchor(r, c)));
    }
    if (bad) out.tags.push_back("bad");
    if (untested) out.tags.push_back("untested");
    table.rows.push_back(std::move(out));
  }
  Paragraph intro{
      {text("Rows: scenarios by family. Columns: GnuTLS runtime × peer library. A "
            "cell gives the worst outcome, the outcome counts, the asserted "
            "invariants violated (with the number of cases) and, where the scenario "
            "declares premises, in how many cases they were met; its link opens the "
            "cases behind it. VACUOUS: no case of a group met the premises, so the "
            "claim was not tested there.")}};
  Filters filters{"matrix",
                  {{"differs", "only rows that differ between versions"},
                   {"bad", "only rows with deviations"},
                   {"untested", "only rows with a group that met no premise"}}};
  Section s{"Matrix", {std::move(intro), std::move(filters), std::move(table)}, {}};
  // The interleavings scenarios are left out of the rows above: their grid shows them.
  if (!m.interleavings.empty())
    s.blocks.push_back(Paragraph{
        {text("The " + std::to_string(m.interleavings.scenario_cells.size()) +
              " interleavings scenarios ("),
         code("interleave-<state>-<call>"),
         text(") are not rows here: their own grid shows them, with a drill-down for each cell "
              "that has a deviation, a premise not met or a skip.")}});
  return s;
}

Section drill_down_section(const Model& m) {
  Section s{"Drill-down",
            {Paragraph{{text("Each cell that did not simply pass: how its cases ended, the "
                             "invariants violated, a counterexample (its first case with the "
                             "cell's worst outcome, with the counterexample calls marked ▶ in its "
                             "call lines) and the command that replays it with its whole call "
                             "log. Call lines, other invariants' first violations, untested groups "
                             "and further cases that the drill-down of the same scenario and "
                             "peer on an earlier runtime shows already stand there once, linked. "
                             "Replay a counterexample with its runtime's command, its id "
                             "in place of {id}:")}}},
            {}};
  List commands;
  for (const auto& run : m.runs)
    commands.items.push_back({text(run.label() + ": "), code(replay_template(run))});
  s.blocks.push_back(std::move(commands));
  for (std::size_t r = 0; r < m.rows.size(); ++r)
    for (std::size_t c = 0; c < m.columns.size(); ++c)
      if (m.rows[r].cells[c].example != nullptr && !m.interleavings.shows(m.rows[r].scenario))
        s.drill_downs.push_back(cell_drill_down(m, r, c));
  return s;
}

// Present only when a run has stale expectations.
Section stale_section(const Model& m) {
  Section s{"Stale expectations", {}, {}};
  for (const auto& run : m.runs)
    for (const auto& stale : run.stale)
      s.blocks.push_back(Paragraph{{text(run.label() + ": " + stale)}, Tone::kBad});
  return s;
}

Section closing_section(const Model& m) {
  Paragraph p{{text(std::to_string(m.case_count) + " cases. Generated by "),
               code("dirprobe-report"), text("; the merged results are in "), code("results.json"),
               text(" (schema dirprobe-matrix), the call logs in each run's results file and "
                    "through the replay command.")}};
  return {"", {std::move(p)}, {}};
}

}  // namespace



std::string plain_text(const Inline& content) {
  std::string out;
  for (const auto& span : content) out += span.kind == Span::Kind::kBreak ? " " : span.text;
  return out;
}

Document build_document(const Model& m) {
  Document doc{"dirprobe: GnuTLS non-blocking I/O compatibility report",
               {security_section(m), runs_section(m), questions_section(m)}};
  if (!m.interleavings.empty()) doc.sections.push_back(interleavings_section(m));
  if (!m.app_runs.empty()) doc.sections.push_back(apps_section(m));
  for (auto* section : {premises_section, wire_section, known_section, differences_section,
                        matrix_section, drill_down_section})
    doc.sections.push_back(section(m));
  Section stale = stale_section(m);
  if (!stale.blocks.empty()) doc.sections.push_back(std::move(stale));
  doc.sections.push_back(closing_section(m));
  return doc;
}

}  // namespace dirprobe::report
