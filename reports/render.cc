// Renders the model as Markdown (summary and matrix) and as one self-contained HTML page
// (summary, matrix, drill-downs with counterexample traces). Every string that comes from a
// results file is escaped.
#include <algorithm>
#include <sstream>

#include "reports/model.h"

namespace dirprobe::report {
namespace {

using nlohmann::json;

// Replaces each character that has an entry in `table`; every other character is kept.
using Escapes = std::initializer_list<std::pair<char, std::string_view>>;
std::string escape(std::string_view s, Escapes table) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto it = std::find_if(table.begin(), table.end(), [c](const auto& e) { return e.first == c; });
    if (it == table.end())
      out += c;
    else
      out += it->second;
  }
  return out;
}

std::string html(std::string_view s) {
  return escape(s,
                {{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&#39;"}});
}

// Markdown table cells: no pipes, no raw HTML, no code spans, one line.
std::string md(std::string_view s) {
  return escape(s, {{'|', "\\|"}, {'<', "&lt;"}, {'>', "&gt;"}, {'`', "'"}, {'\n', " "}});
}

std::string column_label(const Model& m, const Column& c) {
  return m.runs[c.run].label() + " × " + c.peer;
}

// The evidence behind a verdict: "840 cases checked" or "1088 of 3272 cases violate it".
std::string evidence(const Answer& a) {
  if (a.verdict == "untested") return "no case checks it";
  if (a.violated == 0) return std::to_string(a.checked) + " cases checked";
  return std::to_string(a.violated) + " of " + std::to_string(a.checked) + " cases violate it";
}

// The HTML cell's status word: the page's colours and this text carry it, without emoji
// (which many systems, headless browsers among them, lack fonts for).
std::string word(const std::string& status) {
  if (status == "n/a") return "—";
  std::string up = status;
  for (char& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return up;
}

// The Markdown cell's status: the word with an emoji (Markdown has no colours).
std::string mark(const std::string& status) {
  if (status == "n/a") return word(status);
  std::string_view emoji = status == "pass"    ? "✅ "
                           : status == "known" ? "⚠️ "
                           : status == "skip"  ? "⏭ "
                                               : "❌ ";
  return std::string(emoji) + word(status);
}

// "known 1088, pass 2224": a run's outcome counts.
std::string outcome_counts(const Run& run) {
  std::map<std::string, int> counts;
  for (const auto& c : run.cases) ++counts[c["outcome"]];
  std::string out;
  for (const auto& [k, v] : counts) out += (out.empty() ? "" : ", ") + k + " " + std::to_string(v);
  return out;
}

std::string answer_text(const Answer& a) { return a.verdict + ": " + evidence(a); }

// Known deviations (the expectations the runs were judged with): how often each was seen.
template <typename Emit>
void known_deviations(const Model& m, Emit emit) {
  std::map<std::string, std::pair<const json*, std::vector<std::string>>> entries;
  for (std::size_t r = 0; r < m.runs.size(); ++r)
    for (const auto& e : m.runs[r].expectations) {
      auto& slot = entries[e.value("where", "")];
      if (slot.first == nullptr) {
        slot.first = &e;
        slot.second.assign(m.runs.size(), "not loaded");
      }
      slot.second[r] = !e.value("in_range", true)
                           ? "out of range"
                           : std::to_string(e.value("observed", 0)) + " of " +
                                 std::to_string(e.value("matched", 0)) + " cases";
    }
  for (const auto& [where, slot] : entries) emit(where, *slot.first, slot.second);
}

// Where each record's drill-down is: (row, column) of its cell.
std::map<const json*, std::string> anchors(const Model& m) {
  std::map<const json*, std::string> out;
  std::map<std::pair<std::string, std::string>, std::size_t> row_of;
  for (std::size_t r = 0; r < m.rows.size(); ++r)
    row_of[{m.rows[r].family, m.rows[r].scenario}] = r;
  for (std::size_t col = 0; col < m.columns.size(); ++col) {
    const Run& run = m.runs[m.columns[col].run];
    for (const auto& c : run.cases)
      if (c["peer"] == m.columns[col].peer)
        out[&c] = cell_anchor(row_of[{c["family"], c["scenario"]}], col);
  }
  return out;
}

void md_runs(std::ostringstream& o, const Model& m) {
  o << "| runtime | GnuTLS | OpenSSL (peer) | cases | outcomes | wall time |\n"
       "|---|---|---|---|---|---|\n";
  for (const auto& run : m.runs) {
    o << "| " << md(run.runtime) << " | " << md(run.gnutls_version) << " | "
      << md(run.openssl_version) << " | " << run.cases.size() << " | " << md(outcome_counts(run))
      << " | " << static_cast<int>(run.wall_seconds + 0.5) << " s |\n";
  }
}

}  // namespace

std::string render_markdown(const Model& m) {
  std::ostringstream o;
  o << "# dirprobe: GnuTLS non-blocking I/O compatibility report\n\n";
  md_runs(o, m);
  o << "\n## What can my event loop rely on?\n\n| question | invariant |";
  for (const auto& run : m.runs) o << " " << md(run.label()) << " |";
  o << "\n|---|---|";
  for (std::size_t i = 0; i < m.runs.size(); ++i) o << "---|";
  o << "\n";
  for (std::size_t q = 0; q < m.questions.size(); ++q) {
    o << "| " << md(m.questions[q].text) << " | " << m.questions[q].invariant << " |";
    for (const auto& a : m.answers[q]) {
      o << " " << md(answer_text(a));
      if (!a.deciding.empty())
        o << " (e.g. `" << md((*a.deciding.front())["id"].get<std::string>()) << "`)";
      o << " |";
    }
    o << "\n";
  }
  o << "\n\"no (known)\": every violation is a known deviation listed in "
       "`scenarios/expectations/`; \"no (not promised)\": violations only where the scenario "
       "records the invariant because the manual does not promise it there; \"no\": at least one "
       "violation is neither.\n";
  o << "\n## Known deviations\n\n| entry | deviation | reason |";
  for (const auto& run : m.runs) o << " " << md(run.label()) << " |";
  o << "\n|---|---|---|";
  for (std::size_t i = 0; i < m.runs.size(); ++i) o << "---|";
  o << "\n";
  known_deviations(
      m, [&](const std::string& where, const json& e, const std::vector<std::string>& seen) {
        o << "| " << md(where) << " | " << md(e.value("deviation", "")) << " | "
          << md(e.value("reason", "")) << " |";
        for (const auto& s : seen) o << " " << md(s) << " |";
        o << "\n";
      });
  o << "\n## Differences between versions\n\n";
  bool any = false;
  for (const auto& row : m.rows)
    if (row.differs) {
      any = true;
      o << "- **" << md(row.scenario) << "**:";
      for (std::size_t i = 0; i < m.columns.size(); ++i)
        if (!row.cells[i].outcomes.empty())
          o << " " << md(column_label(m, m.columns[i])) << ": " << md(row.cells[i].summary())
            << (row.cells[i].ends.empty() ? "" : " (" + md(row.cells[i].endings()) + ")") << ";";
      o << "\n";
    }
  if (!any)
    o << "None: every scenario gives the same outcomes, verdicts and errors on every runtime.\n";
  o << "\n## Matrix\n\nCells: worst outcome, outcome counts, and asserted invariants violated "
       "(with the number of cases).\n\n| family | scenario |";
  for (const auto& c : m.columns) o << " " << md(column_label(m, c)) << " |";
  o << "\n|---|---|";
  for (std::size_t i = 0; i < m.columns.size(); ++i) o << "---|";
  o << "\n";
  for (const auto& row : m.rows) {
    o << "| " << md(row.family) << " | " << md(row.scenario) << (row.differs ? " (differs)" : "")
      << " |";
    for (const auto& cell : row.cells)
      o << " " << mark(cell.status()) << " " << md(cell.summary()) << " |";
    o << "\n";
  }
  bool stale = false;
  for (const auto& run : m.runs)
    for (const auto& s : run.stale) {
      if (!stale) o << "\n## Stale expectations\n\n";
      stale = true;
      o << "- " << md(run.label()) << ": " << md(s) << "\n";
    }
  o << "\n"
    << m.case_count
    << " cases in all. Replay any case with the command in the HTML "
       "report's drill-down or in results.json.\n";
  return o.str();
}

namespace {

const char* kStyle = R"CSS(
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#fff}
body{margin:0 auto;padding:1rem;max-width:110rem;line-height:1.4}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:.85rem}
th,td{border:1px solid #d0d7de;padding:.3rem .45rem;vertical-align:top;text-align:left}
th{background:#f6f8fa;position:sticky;top:0}
td.st-pass{background:#dafbe1}td.st-known{background:#fff8c5}td.st-skip{background:#eaeef2}
td.st-fail,td.st-stalled,td.st-crash{background:#ffebe9}
.v-yes{background:#dafbe1}.v-no{background:#ffebe9}.v-known{background:#fff8c5}.v-untested{background:#eaeef2}
tr.differs td:first-child::after{content:" ⚑ differs between versions";color:#9a6700;font-weight:600}
.status{font-weight:700;display:block}
details{border:1px solid #d0d7de;border-radius:6px;margin:.5rem 0;padding:.3rem .6rem}
details[open]{background:#f6f8fa}
summary{cursor:pointer;font-weight:600}
pre{white-space:pre-wrap;word-break:break-all;font-size:.78rem;background:#fff;border:1px solid #d0d7de;padding:.4rem}
code{font-size:.8rem;word-break:break-all}
.controls{margin:.5rem 0}
body.only-differ #matrix tbody tr:not(.differs){display:none}
body.only-bad #matrix tbody tr:not(.bad){display:none}
@media (max-width:40rem){body{padding:.5rem}table{font-size:.75rem}}
)CSS";

const char* kScript = R"JS(
function openTarget(){var id=decodeURIComponent(location.hash.slice(1));if(!id)return;
var el=document.getElementById(id);if(el&&el.tagName==='DETAILS'){el.open=true;el.scrollIntoView();}}
window.addEventListener('hashchange',openTarget);openTarget();
document.getElementById('only-differ').addEventListener('change',function(e){document.body.classList.toggle('only-differ',e.target.checked);});
document.getElementById('only-bad').addEventListener('change',function(e){document.body.classList.toggle('only-bad',e.target.checked);});
)JS";

std::string verdict_class(const std::string& v) {
  if (v == "yes") return "v-yes";
  if (v == "no (known)" || v == "no (not promised)") return "v-known";
  if (v == "untested") return "v-untested";
  return "v-no";
}

std::string call_excerpt(const json& record, const json* counterexample) {
  const json& calls = record.value("calls", json::array());
  long center = counterexample && counterexample->contains("call")
                    ? (*counterexample)["call"].value("i", 0L)
                    : -1;
  std::ostringstream o;
  int shown = 0;
  for (const auto& c : calls) {
    long i = c.value("i", 0L);
    if (center >= 0 ? (i < center - 10 || i > center + 3) : shown >= 24) continue;
    ++shown;
    o << (i == center ? "▶ " : "  ") << "#" << i << " " << c.value("side", "") << " "
      << c.value("api", "") << " -> " << c.value("rc", "") << " dir=" << c.value("direction", 0);
    if (c.contains("bytes")) o << " [" << c["bytes"] << " B]";
    for (const auto& io : c.value("io", json::array())) o << " | " << io.get<std::string>();
    o << "\n";
  }
  o << "(" << record.value("calls_total", 0) << " calls in the case";
  if (calls.size() < record.value("calls_total", 0u)) o << "; the results file keeps an excerpt";
  o << ")";
  return html(o.str());
}

void html_case(std::ostringstream& o, const Run& run, const json& c) {
  o << "<div class=case><p><b>" << html(c["id"].get<std::string>()) << "</b> — outcome <b>"
    << html(c["outcome"].get<std::string>()) << "</b>";
  if (c.contains("raw_outcome")) o << " (raw: " << html(c["raw_outcome"].get<std::string>()) << ")";
  o << "</p>";
  if (!c["reason"].get<std::string>().empty())
    o << "<p>" << html(c["reason"].get<std::string>()) << "</p>";
  for (const auto& e : c.value("expected", json::array()))
    o << "<p>Known deviation " << html(e.value("deviation", "")) << " ("
      << html(e.value("where", "")) << "): " << html(e.value("reason", "")) << "</p>";
  const json* cx = nullptr;
  for (const char* inv : kInvariants) {
    const json& v = c["invariants"][inv];
    if (v.value("verdict", "") == "violated" && v.contains("counterexample")) {
      cx = &v["counterexample"];
      break;
    }
  }
  o << "<p>Replay: <code>" << html(replay_on(run, c)) << "</code></p><pre>" << call_excerpt(c, cx)
    << "</pre></div>";
}

}  // namespace

std::string render_html(const Model& m) {
  auto where = anchors(m);
  std::ostringstream o;
  o << "<!doctype html><html lang=en><head><meta charset=utf-8>"
       "<meta name=viewport content=\"width=device-width,initial-scale=1\">"
       "<title>dirprobe: GnuTLS non-blocking I/O compatibility report</title><style>"
    << kStyle << "</style></head><body>";
  o << "<h1>dirprobe: GnuTLS non-blocking I/O compatibility report</h1>";
  o << "<div class=scroll><table id=runs><thead><tr><th>runtime</th><th>GnuTLS</th><th>OpenSSL "
       "(peer)</th><th>cases</th><th>outcomes</th><th>wall time</th></tr></thead><tbody>";
  for (const auto& run : m.runs) {
    o << "<tr><td>" << html(run.runtime) << "</td><td>" << html(run.gnutls_version) << "</td><td>"
      << html(run.openssl_version) << "</td><td>" << run.cases.size() << "</td><td>"
      << html(outcome_counts(run)) << "</td><td>" << static_cast<int>(run.wall_seconds + 0.5)
      << " s</td></tr>";
  }
  o << "</tbody></table></div>";
  o << "<h2>What can my event loop rely on?</h2><div class=scroll><table id=summary><thead><tr>"
       "<th>question</th><th>invariant</th>";
  for (const auto& run : m.runs) o << "<th>" << html(run.label()) << "</th>";
  o << "</tr></thead><tbody>";
  for (std::size_t q = 0; q < m.questions.size(); ++q) {
    o << "<tr><td>" << html(m.questions[q].text) << "</td><td>" << m.questions[q].invariant
      << "</td>";
    for (const auto& a : m.answers[q]) {
      o << "<td class=\"" << verdict_class(a.verdict) << "\"><span class=status>" << html(a.verdict)
        << "</span>" << html(evidence(a));
      for (const auto* c : a.deciding)
        o << "<br><a href=\"#" << where[c] << "\">" << html((*c)["id"].get<std::string>())
          << "</a>";
      o << "</td>";
    }
    o << "</tr>";
  }
  o << "</tbody></table></div><p>\"no (known)\": every violation is a known deviation listed in "
       "<code>scenarios/expectations/</code>, with its reason; \"no (not promised)\": violations "
       "only where the scenario records the invariant because the manual does not promise it "
       "there; \"no\": at least one violation is neither.</p>";
  o << "<h2>Known deviations</h2><p>Behaviour that differs from the documented contract and is "
       "recorded in <code>scenarios/expectations/</code>: cases showing it / cases it applies "
       "to, per runtime.</p><div class=scroll><table id=known><thead><tr><th>entry</th>"
       "<th>deviation</th><th>reason</th>";
  for (const auto& run : m.runs) o << "<th>" << html(run.label()) << "</th>";
  o << "</tr></thead><tbody>";
  known_deviations(
      m, [&](const std::string& entry, const json& e, const std::vector<std::string>& seen) {
        o << "<tr><td><code>" << html(entry) << "</code></td><td>" << html(e.value("deviation", ""))
          << "</td><td>" << html(e.value("reason", "")) << "</td>";
        for (const auto& s : seen) o << "<td>" << html(s) << "</td>";
        o << "</tr>";
      });
  o << "</tbody></table></div>";
  o << "<h2>Matrix</h2><p>Rows: scenarios by family. Columns: GnuTLS runtime × peer library. "
       "A cell gives the worst outcome, the outcome counts and the asserted invariants violated; "
       "its link opens the cases behind it.</p><div class=controls>"
       "<label><input type=checkbox id=only-differ> only rows that differ between versions</label> "
       "<label><input type=checkbox id=only-bad> only rows with deviations</label></div>";
  o << "<div class=scroll><table id=matrix><thead><tr><th>scenario</th>";
  for (const auto& c : m.columns) o << "<th>" << html(column_label(m, c)) << "</th>";
  o << "</tr></thead><tbody>";
  for (std::size_t r = 0; r < m.rows.size(); ++r) {
    const Row& row = m.rows[r];
    bool bad = false;
    for (const auto& cell : row.cells) bad = bad || cell.status() != "pass";
    o << "<tr class=\"" << (row.differs ? "differs " : "") << (bad ? "bad" : "") << "\"><td><b>"
      << html(row.scenario) << "</b> <small>(" << html(row.family) << ")</small><br><small>"
      << html(row.claim) << "</small></td>";
    for (std::size_t c = 0; c < row.cells.size(); ++c) {
      const Cell& cell = row.cells[c];
      std::string st = cell.status();
      o << "<td class=\"st-" << html(st) << "\"><span class=status>";
      if (!cell.examples.empty())
        o << "<a href=\"#" << cell_anchor(r, c) << "\">" << html(word(st)) << "</a>";
      else
        o << html(word(st));
      o << "</span>" << html(cell.summary()) << "</td>";
    }
    o << "</tr>";
  }
  o << "</tbody></table></div><h2>Drill-down</h2><p>Each cell that did not simply pass: the "
       "first cases behind it, the counterexample call (▶) in the call log, and the command "
       "that replays the case.</p>";
  for (std::size_t r = 0; r < m.rows.size(); ++r)
    for (std::size_t c = 0; c < m.columns.size(); ++c) {
      const Cell& cell = m.rows[r].cells[c];
      if (cell.examples.empty()) continue;
      const Run& run = m.runs[m.columns[c].run];
      o << "<details id=\"" << cell_anchor(r, c) << "\"><summary>" << html(m.rows[r].scenario)
        << " — " << html(column_label(m, m.columns[c])) << ": " << html(cell.summary())
        << "</summary><p>" << html(m.rows[r].claim) << "</p>";
      if (!cell.ends.empty()) o << "<p>" << html(cell.endings()) << "</p>";
      for (const auto* ex : cell.examples) html_case(o, run, *ex);
      o << "</details>";
    }
  for (const auto& run : m.runs)
    for (const auto& s : run.stale)
      o << "<p class=v-no>Stale expectation on " << html(run.label()) << ": " << html(s) << "</p>";
  o << "<p>" << m.case_count
    << " cases. Generated by <code>dirprobe-report</code>; the merged "
       "machine-readable results are in <code>results.json</code> (schema "
    << kMatrixSchema << " v" << kMatrixVersion << ").</p><script>" << kScript
    << "</script></body></html>\n";
  return o.str();
}

}  // namespace dirprobe::report
