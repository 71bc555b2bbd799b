#include "reports/sections.h"

#include <cstdio>
#include <map>

namespace dirprobe::report {
namespace {

std::string number(double value, const char* format) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

Tone tone_of(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return Tone::kPass;
    case Outcome::kSkip:
      return Tone::kSkip;
    case Outcome::kKnown:
      return Tone::kKnown;
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
                           {{text(std::to_string(run.cases.size()))}},
                           {{text(outcome_counts(run))}},
                           {{text(number(run.host.wall_seconds, "%.0f s"))}},
                           {{text(std::to_string(run.host.jobs))}},
                           {{text(number(per_case, "%.1f ms"))}}},
                          {}});
  }
  Paragraph note{{text("Wall time, jobs (worker processes) and time per case (wall time × jobs "
                       "÷ cases) are facts of the host that ran the cases ("),
                  code("host"), text(" in each results file), not of the library.")}};
  return {"Runs", {std::move(table), std::move(note)}, {}};
}

// The evidence behind an answer: "840 cases checked" or "1088 of 3272 cases violate it".
std::string evidence(const Answer& a) {
  if (a.finding == Finding::kUntested) return "no case checks it";
  if (a.violated == 0) return std::to_string(a.checked) + " cases checked";
  return std::to_string(a.violated) + " of " + std::to_string(a.checked) + " cases violate it";
}

std::string anchor_of(const Model& m, std::size_t run, const CaseRecord& c) {
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
      row.cells.push_back(std::move(cell));
    }
    table.rows.push_back(std::move(row));
  }
  Paragraph legend{{text("\"no (known)\": every case that violates it ended known (each of its "
                         "deviations is listed in "),
                    code("scenarios/expectations/"),
                    text(" with its reason); \"no (not promised)\": violations only where the "
                         "scenario records the invariant because the manual does not promise it "
                         "there; \"no\": at least one violating case did not end known.")}};
  return {"What can my event loop rely on?", {std::move(table), std::move(legend)}, {}};
}

// Known deviations (the expectations the runs were judged with): how often each was seen.
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
  for (const auto& [where, slot] : entries) {
    TableRow row{{{{code(where)}}, {{text(slot.first->deviation)}}, {{text(slot.first->reason)}}},
                 {}};
    for (const auto& s : slot.second) row.cells.push_back({{text(s)}});
    table.rows.push_back(std::move(row));
  }
  Paragraph intro{{text("Behaviour that differs from the documented contract and is recorded in "),
                   code("scenarios/expectations/"),
                   text(": cases showing it of the cases it applies to, per runtime.")}};
  return {"Known deviations", {std::move(intro), std::move(table)}, {}};
}

Section differences_section(const Model& m) {
  List list;
  for (const auto& row : m.rows) {
    if (!row.differs) continue;
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
            {Paragraph{{text("None: every scenario gives the same outcomes, verdicts and errors "
                             "on every runtime.")}}},
            {}};
  return {"Differences between versions", {std::move(list)}, {}};
}

TableCell matrix_cell(const Cell& cell, const std::string& anchor) {
  if (cell.empty()) return {{text("—")}, Tone::kNone};
  Outcome status = cell.status();
  std::string word(outcome_name(status));
  for (char& ch : word) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  Span head = status == Outcome::kPass ? strong(word) : link(word, anchor);
  return {{std::move(head), line_break(), text(cell.summary())}, tone_of(status)};
}

Section matrix_section(const Model& m) {
  Table table{"matrix", {"scenario"}, {}};
  for (const auto& c : m.columns) table.header.push_back(column_label(m, c));
  for (std::size_t r = 0; r < m.rows.size(); ++r) {
    const Row& row = m.rows[r];
    TableRow out{
        {{{strong(row.scenario), small(" (" + row.family + ")"), line_break(), small(row.claim)}}},
        {}};
    if (row.differs) {
      out.cells[0].content.push_back(line_break());
      out.cells[0].content.push_back(strong("⚑ differs between versions"));
      out.tags.push_back("differs");
    }
    bool bad = false;
    for (std::size_t c = 0; c < row.cells.size(); ++c) {
      bad = bad || (!row.cells[c].empty() && row.cells[c].status() != Outcome::kPass);
      out.cells.push_back(matrix_cell(row.cells[c], cell_anchor(r, c)));
    }
    if (bad) out.tags.push_back("bad");
    table.rows.push_back(std::move(out));
  }
  Paragraph intro{
      {text("Rows: scenarios by family. Columns: GnuTLS runtime × peer library. A "
            "cell gives the worst outcome, the outcome counts and the asserted "
            "invariants violated (with the number of cases); its link opens the "
            "cases behind it.")}};
  Filters filters{"matrix",
                  {{"differs", "only rows that differ between versions"},
                   {"bad", "only rows with deviations"}}};
  return {"Matrix", {std::move(intro), std::move(filters), std::move(table)}, {}};
}

Section drill_down_section(const Model& m) {
  Section s{"Drill-down",
            {Paragraph{{text("Each cell that did not simply pass: how its cases ended, the "
                             "invariants violated, a counterexample (its first case with the "
                             "cell's worst outcome, with the counterexample calls marked ▶ in its "
                             "call lines) and the command that replays it with its whole call "
                             "log.")}}},
            {}};
  for (std::size_t r = 0; r < m.rows.size(); ++r)
    for (std::size_t c = 0; c < m.columns.size(); ++c)
      if (m.rows[r].cells[c].example != nullptr) s.drill_downs.push_back(cell_drill_down(m, r, c));
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
               {runs_section(m), questions_section(m), known_section(m), differences_section(m),
                matrix_section(m), drill_down_section(m)}};
  Section stale = stale_section(m);
  if (!stale.blocks.empty()) doc.sections.push_back(std::move(stale));
  doc.sections.push_back(closing_section(m));
  return doc;
}

}  // namespace dirprobe::report
