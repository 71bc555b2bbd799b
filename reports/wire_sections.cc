// The two sections built from what the wire showed (declared in sections.h): security, first in
// the report, and the wire's coverage, beside the premises.
#include <algorithm>
#include <map>
#include <utility>

#include "reports/sections.h"

namespace dirprobe::report {
namespace {

constexpr std::size_t kReuseCases = 3;  // nonce reuse cases named per runtime

std::string count_of(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string thousands(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// The case as a link to its cell's drill-down, or as code when the cell has none (it passed).
// A case of the interleavings grid links to its grid cell's drill-down.
Span case_link(const Model& m, std::size_t run, const CaseRecord& c) {
  if (m.interleavings.shows(c.scenario)) return link(c.id, grid_anchor(m, run, c));
  std::size_t row = m.row_of(c.scenario), column = m.column_of(run, c.peer);
  if (m.rows[row].cells[column].example == nullptr) return code(c.id);
  return link(c.id, cell_anchor(row, column));
}

// The suite the clean case of `c`'s group negotiated ("" when the run did not record it).
std::string suite_of(const Run& run, const CaseRecord& c) {
  for (const auto& other : run.cases)
    if (other.scenario == c.scenario && other.variant() == c.variant() && other.wire &&
        !other.wire->suite.empty())
      return other.wire->suite;
  return "";
}

const Violation* n1_of(const CaseRecord& c) {
  auto it = std::find_if(c.violations.begin(), c.violations.end(),
                         [](const Violation& v) { return v.invariant == Invariant::N1; });
  return it == c.violations.end() ? nullptr : &*it;
}

// One item per nonce reuse case named (the first few of each runtime), then how many more.
List reuse_cases(const Model& m) {
  List list;
  for (std::size_t r = 0; r < m.runs.size(); ++r) {
    const auto& cases = m.wire[r].nonce_reuse;
    for (std::size_t i = 0; i < cases.size() && i < kReuseCases; ++i) {
      const CaseRecord& c = *cases[i];
      std::string suite = suite_of(m.runs[r], c);
      Inline item{text(m.runs[r].label() + ": "), case_link(m, r, c),
                  text(" (" + std::string(outcome_name(c.outcome)) +
                       (suite.empty() ? "" : ", " + suite) + "): ")};
      const Violation* v = n1_of(c);
      item.push_back(text(v == nullptr ? "" : v->what.empty() ? v->note : v->what));
      list.items.push_back(std::move(item));
    }
    if (cases.size() > kReuseCases)
      list.items.push_back({text(m.runs[r].label() + ": and " +
                                 count_of(cases.size() - kReuseCases, "more case", "more cases"))});
  }
  return list;
}

// What an attacker needs: only the wire, unless the reuse came where a transport blocked.
std::string attacker_needs(std::size_t cases, std::size_t blocked) {
  const std::string delay =
      "be able to delay the victim's packets or fill its socket buffer (an on-path attacker "
      "can)";
  std::string these = cases == 1 ? "this case" : "these cases";
  if (blocked == 0)
    return " only to see the wire: no fault was injected and no transport blocked in " + these +
           ".";
  if (blocked == cases)
    return " to see the wire and, since a fault was injected or a transport blocked (E_AGAIN) "
           "in " +
           these + ", to " + delay + ".";
  return " to see the wire; in " + std::to_string(blocked) + " of these " + std::to_string(cases) +
         " cases a fault was injected or a transport blocked (E_AGAIN), and there he must also " +
         delay + ".";
}

Section reuse_section(const Model& m, std::size_t cases, std::size_t blocked) {
  std::string where, spared;
  for (std::size_t r = 0; r < m.runs.size(); ++r) {
    std::size_t n = m.wire[r].nonce_reuse.size();
    if (n > 0)
      where +=
          (where.empty() ? "" : ", ") + count_of(n, "case", "cases") + " on " + m.runs[r].label();
    else
      spared += (spared.empty() ? "" : ", ") + m.runs[r].label();
  }
  if (!spared.empty()) where += "; none on " + spared;
  Section s{"Security: AEAD nonce reuse", {}, {}};
  s.blocks.push_back(Paragraph{
      {strong("AEAD nonce reuse:"),
       text(" one key and nonce sealed two different records (invariant N1) in " + where + ".")},
      Tone::kBad});
  s.blocks.push_back(reuse_cases(m));
  s.blocks.push_back(Paragraph{
      {strong("What it means:"),
       text(" an attacker who records the traffic XORs the two ciphertexts and gets the XOR of "
            "the two plaintexts (knowing or guessing one reveals the other); with AES-GCM he "
            "can also recover the authentication key and forge records the receiver accepts. "),
       strong("What he needs:"), text(attacker_needs(cases, blocked))},
      Tone::kBad});
  s.blocks.push_back(Paragraph{
      {text("Each counterexample names the direction, key, sequence number and nonce; "),
       code("dirprobe run --case ID --trace"),
       text(" lists every record of the case. A byte-identical copy of a record is not nonce "
            "reuse: duplicates are counted in the wire section.")}});
  return s;
}

Section no_reuse_section(const Model& m) {
  std::size_t records = 0, decoded = 0;
  std::string labels;
  for (std::size_t r = 0; r < m.runs.size(); ++r) {
    records += m.wire[r].records;
    decoded += static_cast<std::size_t>(m.wire[r].decoded);
    labels += (labels.empty() ? "" : ", ") + m.runs[r].label();
  }
  std::string over = count_of(m.runs.size(), "runtime", "runtimes") + " (" + labels + ")";
  if (decoded == 0)
    return {"Security",
            {Paragraph{{text("No nonce reuse observed, but no record was decoded over " + over +
                             ": N1 (no AEAD key and nonce seals two different records) was not "
                             "checked.")},
                       Tone::kSkip}},
            {}};
  return {"Security",
          {Paragraph{{text("No nonce reuse observed: " + thousands(records) +
                           " records decoded in " + count_of(decoded, "case", "cases") + " over " +
                           over + "; no AEAD key and nonce sealed two different records (N1).")},
                     Tone::kPass}},
          {}};
}

// A runtime's row of the wire table.
TableRow wire_row(const Run& run, const WireSummary& w) {
  int gaps = w.ran - w.in_full;
  std::string suites;
  for (const auto& [suite, n] : w.suites)
    suites += (suites.empty() ? "" : ", ") + suite + " ×" + std::to_string(n);
  std::string duplicates =
      w.duplicates == 0
          ? "none"
          : count_of(w.duplicates, "copy", "copies") + " in " +
                count_of(static_cast<std::size_t>(w.duplicate_cases), "case", "cases");
  return {{{{text(run.label())}},
           {{text(std::to_string(w.ran))}},
           {{text(std::to_string(w.in_full))}, gaps == 0 ? Tone::kPass : Tone::kNone},
           {{text(thousands(w.records))}},
           {{text(std::to_string(gaps))}, gaps == 0 ? Tone::kNone : Tone::kKnown},
           {{text(duplicates)}, w.duplicates == 0 ? Tone::kNone : Tone::kKnown},
           {{small(suites.empty() ? "—" : suites)}}},
          {}};
}

// Per runtime, the reasons cases were not decoded in full, and the duplicates.
void add_gaps(Section& s, const Model& m) {
  for (std::size_t r = 0; r < m.runs.size(); ++r) {
    const WireSummary& w = m.wire[r];
    if (w.gaps.empty()) continue;
    s.blocks.push_back(
        Paragraph{{text("Not decoded in full on " + m.runs[r].label() + " (" +
                        count_of(static_cast<std::size_t>(w.ran - w.in_full), "case", "cases") +
                        "), by reason (the first sentence seen):")}});
    List list;
    for (const auto& gap : w.gaps)
      list.items.push_back(
          {text(gap.example + " — " +
                count_of(static_cast<std::size_t>(gap.cases), "case", "cases") + ", first: "),
           code(gap.first->id)});
    s.blocks.push_back(std::move(list));
  }
  List duplicates;
  for (std::size_t r = 0; r < m.runs.size(); ++r) {
    const WireSummary& w = m.wire[r];
    if (w.duplicates == 0) continue;
    duplicates.items.push_back(
        {text(m.runs[r].label() + ": " + count_of(w.duplicates, "copy", "copies") + " in " +
              count_of(static_cast<std::size_t>(w.duplicate_cases), "case", "cases") + ", first: "),
         code(w.first_duplicate->id)});
  }
  if (duplicates.items.empty()) return;
  s.blocks.push_back(
      Paragraph{{text("Byte-identical copies of a sealed record (the same bytes "
                      "sent again: data repeated, nothing disclosed, not nonce "
                      "reuse):")}});
  s.blocks.push_back(std::move(duplicates));
}

}  // namespace

Section security_section(const Model& m) {
  std::size_t cases = 0, blocked = 0;
  for (const auto& w : m.wire) {
    cases += w.nonce_reuse.size();
    blocked += static_cast<std::size_t>(w.nonce_reuse_blocked);
  }
  return cases == 0 ? no_reuse_section(m) : reuse_section(m, cases, blocked);
}

Section wire_section(const Model& m) {
  Section s{"Wire: was every record decoded?",
            {Paragraph{{text("The bytes each side pushed, split into records and opened with "
                             "the key log both libraries export; N1, W1 and M2 are judged on "
                             "them. Every record of every case that ran is decoded, or the case "
                             "says why not. A duplicate is a byte-identical copy of a sealed "
                             "record: it repeats data but discloses nothing, so it is not nonce "
                             "reuse.")}}},
            {}};
  Table table{"wire",
              {"runtime", "cases run", "decoded in full", "records", "not decoded in full",
               "duplicates", "suites (clean cases)"},
              {}};
  for (std::size_t r = 0; r < m.runs.size(); ++r)
    table.rows.push_back(wire_row(m.runs[r], m.wire[r]));
  s.blocks.push_back(std::move(table));
  add_gaps(s, m);
  return s;
}

}  // namespace dirprobe::report
