// The "Applications" section: what real programs did under `dirprobe app`.
#include <map>
#include <set>

#include "reports/apps.h"
#include "reports/sections.h"

namespace dirprobe::report {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string app_replay(const Run& run, const std::string& id) {
  std::string cmd = "build/harness/dirprobe app --case " + quoted(id) + " --trace";
  if (run.runtime.empty() || run.runtime == "installed") return cmd;
  return cmd + " --runtime \"$(scripts/runtimes.sh fetch " + quoted(run.runtime) + ")\"";
}

// Runs of one cell (program x served scenario x variant x mode on one runtime).
struct AppCell {
  std::map<Outcome, int> outcomes;
  int apart = 0;
  std::vector<const AppCaseRow*> shown;  // the runs that did not pass (kept apart included)
  Outcome worst = Outcome::kPass;
  bool empty() const { return outcomes.empty() && apart == 0; }
};

std::string cell_text(const AppCell& c) {
  std::string out;
  for (const auto& [o, n] : c.outcomes) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + std::string(outcome_name(o));
  if (c.apart > 0) out += (out.empty() ? "" : ", ") + std::to_string(c.apart) + " apart";
  return out;
}

std::string anchor(std::size_t run, const std::string& row, const std::string& mode) {
  std::string a = "app-" + std::to_string(run) + "-" + row + "-" + mode;
  for (char& ch : a)
    if (ch == '@' || ch == '/' || ch == '=' || ch == ' ') ch = '-';
  return a;
}

Paragraph legend() {
  return {{text("Real programs from Debian 12, run unmodified under the interposer "
                "(LD_PRELOAD) against dirprobe serve over TCP loopback: each row a program and a "
                "served scenario (protocol, serve's library), each column a mode: "),
           strong("free"), text(" (faults only) and "), strong("gated"),
           text(" (poll-gated: after EAGAIN an operation moves bytes only once the program's "
                "readiness wait reported that direction). A run ends completed, error, hang, "
                "corrupted or crash: completed is pass; an error after a fault the program could "
                "survive, a hang, corrupted data or a crash is a finding. Runs that injected "
                "E_AGAIN on a blocking socket are counted apart (the program never meets it in "
                "real use). docs/apps.md says how to run your own program.")}};
}

Table program_table(const Model& m) {
  Table t{"apps-programs", {"program", "kind", "socket", "what"}, {}};
  std::map<std::string, std::set<std::string>> sockets;
  std::map<std::string, AppProgramInfo> info;
  for (const Run& r : m.app_runs) {
    for (const auto& [name, p] : r.apps->programs) info[name] = p;
    for (const AppCaseRow& c : r.apps->cases)
      if (c.nonblocking) sockets[c.program].insert(*c.nonblocking ? "non-blocking" : "blocking");
  }
  for (const auto& [name, p] : info) {
    std::string socket;
    for (const auto& s : sockets[name]) socket += (socket.empty() ? "" : " / ") + s;
    t.rows.push_back({{{{code(name)}}, {{text(p.kind)}}, {{text(socket.empty() ? "unknown (no session)" : socket)}},
                       {{text(p.what + (p.notes.empty() ? "" : " (" + p.notes + ")"))}}}, {}});
  }
  return t;
}

void add_run(Section& s, const Model& m, std::size_t r) {
  const Run& run = m.app_runs[r];
  std::map<std::string, std::map<std::string, AppCell>> cells;  // row -> mode -> cell
  for (const AppCaseRow& c : run.apps->cases) {
    std::string row = c.program + "@" + c.served + " " + c.variant.substr(0, c.variant.find("-tcp-"));
    AppCell& cell = cells[row][c.mode];
    if (!c.apart.empty()) ++cell.apart;
    else ++cell.outcomes[c.outcome];
    if (c.apart.empty() && c.outcome > cell.worst) cell.worst = c.outcome;
    if (c.outcome != Outcome::kPass) cell.shown.push_back(&c);
  }
  s.blocks.push_back(Paragraph{{strong("GnuTLS " + run.gnutls_version + " (" + run.runtime + ")")}});
  Table t{"apps-" + std::to_string(r), {"program @ served scenario, protocol-role-peer", "free", "gated"}, {}};
  for (const auto& [row, modes] : cells) {
    TableRow tr{{{{code(row)}}}, {}};
    for (const char* mode : {"free", "gated"}) {
      auto it = modes.find(mode);
      if (it == modes.end()) {
        tr.cells.push_back({{text("-")}, Tone::kNone});
        continue;
      }
      const AppCell& cell = it->second;
      Inline content{text(cell_text(cell))};
      if (!cell.shown.empty()) {
        std::string a = anchor(r, row, mode);
        content = {link(cell_text(cell), a)};
        DrillDown d{a, {code(row), text(" " + std::string(mode) + " on GnuTLS " + run.gnutls_version)}, {}, false};
        List runs;
        for (const AppCaseRow* c : cell.shown) {
          Inline item{code(c->id), text(": " + std::string(outcome_name(c->outcome)) +
                                       (c->apart.empty() ? "" : " (kept apart)") +
                                       (c->reason.empty() ? "" : ": " + c->reason))};
          item.push_back(line_break());
          item.push_back(code(app_replay(run, c->id)));
          runs.items.push_back(std::move(item));
        }
        d.body.push_back(std::move(runs));
        if (!cell.shown.front()->calls.empty())
          d.body.push_back(CodeLines{cell.shown.front()->calls, std::vector<bool>(cell.shown.front()->calls.size(), false)});
        s.drill_downs.push_back(std::move(d));
      }
      tr.cells.push_back({std::move(content), cell.outcomes.empty() ? Tone::kSkip : tone_of(cell.worst)});
    }
    t.rows.push_back(std::move(tr));
  }
  s.blocks.push_back(std::move(t));
}

}  // namespace

Section apps_section(const Model& m) {
  Section s{"Applications: real programs under dirprobe app", {legend(), program_table(m)}, {}};
  for (std::size_t r = 0; r < m.app_runs.size(); ++r) add_run(s, m, r);
  return s;
}

}  // namespace dirprobe::report
