#include "reports/model.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace dirprobe::report {
namespace {

using nlohmann::json;

constexpr std::size_t kExamples = 3;
const std::vector<std::string> kSeverity = {"pass", "skip", "known", "fail", "stalled", "crash"};

int severity(const std::string& outcome) {
  auto it = std::find(kSeverity.begin(), kSeverity.end(), outcome);
  return it == kSeverity.end() ? static_cast<int>(kSeverity.size()) : int(it - kSeverity.begin());
}

void require(bool ok, const std::string& file, const std::string& what) {
  if (!ok) throw InputError(file + ": " + what);
}

void validate_case(const json& c, const std::string& file, std::size_t index) {
  std::string where = "cases[" + std::to_string(index) + "]";
  require(c.is_object(), file, where + " is not an object");
  for (const char* key : {"id", "family", "scenario", "claim", "protocol", "role", "peer",
                          "outcome", "reason", "replay"})
    require(c.contains(key) && c[key].is_string(), file, where + " lacks string '" + key + "'");
  require(severity(c["outcome"]) < static_cast<int>(kSeverity.size()), file,
          where + ": unknown outcome '" + c["outcome"].get<std::string>() + "'");
  require(c.contains("invariants") && c["invariants"].is_object(), file,
          where + " lacks 'invariants'");
  for (const char* inv : kInvariants) {
    const json& v = c["invariants"].value(inv, json());
    require(v.is_object() && v.contains("verdict") && v["verdict"].is_string(), file,
            where + ": invariant " + inv + " lacks a verdict");
  }
}

std::string verdict(const json& record, const char* inv) {
  return record["invariants"][inv]["verdict"].get<std::string>();
}

}  // namespace

std::string Run::label() const {
  return "GnuTLS " + gnutls_version + (runtime.empty() ? "" : " (" + runtime + ")");
}

Run load_run(const std::filesystem::path& path) {
  std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  require(bool(in), file, "cannot be read");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::parse_error& e) {
    throw InputError(file + ": not valid JSON: " + e.what());
  }
  require(doc.is_object() && doc.value("schema", "") == "dirprobe-results", file,
          "not a dirprobe results file (schema must be \"dirprobe-results\")");
  require(doc.value("schema_version", 0) == 1, file,
          "unsupported schema_version (this generator reads version 1)");
  for (const char* key : {"gnutls_version", "openssl_version"})
    require(doc.contains(key) && doc[key].is_string(), file, std::string("lacks '") + key + "'");
  require(doc.contains("cases") && doc["cases"].is_array(), file, "lacks the 'cases' array");
  require(doc.value("case_count", json()) == doc["cases"].size(), file,
          "case_count does not match the number of case records (truncated file?)");
  Run run;
  run.file = file;
  run.runtime = doc.value("runtime", "installed");
  run.gnutls_version = doc["gnutls_version"];
  run.openssl_version = doc["openssl_version"];
  run.wall_seconds = doc.value("wall_seconds", 0.0);
  for (const auto& s : doc.value("stale_expectations", json::array()))
    run.stale.push_back(s.get<std::string>());
  run.expectations = doc.value("expectations", json::array());
  run.cases = std::move(doc["cases"]);
  for (std::size_t i = 0; i < run.cases.size(); ++i) validate_case(run.cases[i], file, i);
  return run;
}

std::string Cell::status() const {
  std::string worst = "n/a";
  int w = -1;
  for (const auto& [outcome, n] : outcomes)
    if (n > 0 && severity(outcome) > w) {
      w = severity(outcome);
      worst = outcome;
    }
  return worst;
}

std::string Cell::summary() const {
  std::ostringstream out;
  bool first = true;
  for (const auto& o : kSeverity) {
    auto it = outcomes.find(o);
    if (it == outcomes.end()) continue;
    out << (first ? "" : " · ") << o << " " << it->second;
    first = false;
  }
  std::string names;
  for (std::size_t i = 0; i < kInvariants.size(); ++i)
    if (violated_asserted[i] > 0)
      names += std::string(names.empty() ? "" : " ") + kInvariants[i] + "×" +
               std::to_string(violated_asserted[i]);
  if (!names.empty()) out << " — violated: " << names;
  return out.str();
}

std::string Cell::endings() const {
  std::string out;
  for (const auto& [reason, n] : ends)
    out += (out.empty() ? "ended: " : "; ") + reason + " ×" + std::to_string(n);
  return out;
}

std::string cell_anchor(std::size_t row, std::size_t column) {
  return "cell-" + std::to_string(row) + "-" + std::to_string(column);
}

std::string replay_on(const Run& run, const json& record) {
  std::string cmd = "build/harness/" + record["replay"].get<std::string>();
  if (run.runtime.empty() || run.runtime == "installed") return cmd;
  return "scripts/runtimes.sh exec \"$(scripts/runtimes.sh fetch " + run.runtime + ")\" " + cmd;
}

Model build_model(std::vector<Run> runs) {
  require(!runs.empty(), "dirprobe-report", "no results files given");
  Model m;
  m.runs = std::move(runs);
  std::vector<std::string> peers;
  std::map<std::pair<std::string, std::string>, std::size_t> row_of;  // (family, scenario)
  for (const auto& run : m.runs)
    for (const auto& c : run.cases) {
      std::string peer = c["peer"];
      if (std::find(peers.begin(), peers.end(), peer) == peers.end()) peers.push_back(peer);
      auto key = std::pair{c["family"].get<std::string>(), c["scenario"].get<std::string>()};
      if (!row_of.contains(key)) {
        row_of[key] = m.rows.size();
        m.rows.push_back({key.first, key.second, c["claim"], {}, false});
      }
    }
  std::stable_sort(m.rows.begin(), m.rows.end(),
                   [](const Row& a, const Row& b) { return a.family < b.family; });
  for (std::size_t i = 0; i < m.rows.size(); ++i)
    row_of[{m.rows[i].family, m.rows[i].scenario}] = i;
  for (const auto& peer : peers)
    for (std::size_t r = 0; r < m.runs.size(); ++r) m.columns.push_back({r, peer});
  for (auto& row : m.rows) row.cells.resize(m.columns.size());
  auto column_of = [&](std::size_t run, const std::string& peer) {
    for (std::size_t i = 0; i < m.columns.size(); ++i)
      if (m.columns[i].run == run && m.columns[i].peer == peer) return i;
    return std::size_t{0};
  };
  for (std::size_t r = 0; r < m.runs.size(); ++r)
    for (const auto& c : m.runs[r].cases) {
      ++m.case_count;
      Cell& cell = m.rows[row_of[{c["family"], c["scenario"]}]].cells[column_of(r, c["peer"])];
      ++cell.outcomes[c["outcome"]];
      if (c.value("end", "completed") != "completed") ++cell.ends[c.value("end_reason", "?")];
      if (c["outcome"] != "pass" && cell.examples.size() < kExamples) cell.examples.push_back(&c);
      for (std::size_t i = 0; i < kInvariants.size(); ++i) {
        std::string v = verdict(c, kInvariants[i]);
        if (v == "held") ++cell.held[i];
        if (v != "violated") continue;
        ++cell.violated[i];
        if (c["invariants"][kInvariants[i]].value("asserted", false)) ++cell.violated_asserted[i];
        if (cell.first_violation[i] == nullptr) cell.first_violation[i] = &c;
      }
    }
  for (auto& row : m.rows)
    for (const auto& peer : peers) {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < m.columns.size(); ++i)
        if (m.columns[i].peer == peer && !row.cells[i].outcomes.empty())
          seen.insert(row.cells[i].summary() + row.cells[i].endings());
      row.differs = row.differs || seen.size() > 1;
    }
  m.questions = {
      {"Can I trust the direction after gnutls_record_send returns E_AGAIN?", "S1", ""},
      {"Can I trust the direction after gnutls_record_recv returns E_AGAIN?", "S2", ""},
      {"Does the direction name the operation that blocked?", "D1", ""},
      {"Is E_AGAIN returned only when the transport blocked?", "D2", ""},
      {"Can a read-quenched side keep writing (send never reads)?", "Q1", ""},
      {"Can a write-quenched side keep reading (recv never writes)?", "Q2", ""},
      {"Is buffering bounded while a side is quenched?", "B1", ""},
      {"Does a loop that waits only for the reported direction always complete?", "L1", ""},
      {"Do documented retries deliver every byte exactly once?", "R1", ""},
  };
  for (const auto& q : m.questions) {
    std::vector<Answer> per_run;
    for (const auto& run : m.runs) {
      Answer a;
      int unexplained = 0, known = 0;
      for (const auto& c : run.cases) {
        std::string v = verdict(c, q.invariant.c_str());
        if (v == "n/a") continue;
        ++a.checked;
        if (v == "violated") {
          ++a.violated;
          // Known: an expectation names this invariant for the case. Only recorded: the
          // scenario does not assert it (the manual does not promise it there).
          bool asserted = c["invariants"][q.invariant].value("asserted", false);
          bool expected = false;
          for (const auto& e : c.value("expected", json::array()))
            expected = expected || e.value("deviation", "").rfind(q.invariant, 0) == 0;
          known += expected;
          unexplained += asserted && !expected;
          // Examples from different scenarios say more than three of one.
          bool fresh = std::none_of(a.deciding.begin(), a.deciding.end(), [&](const json* d) {
            return (*d)["scenario"] == c["scenario"];
          });
          if (fresh && a.deciding.size() < kExamples) a.deciding.push_back(&c);
        }
      }
      a.verdict = a.checked == 0    ? "untested"
                  : a.violated == 0 ? "yes"
                  : unexplained > 0 ? "no"
                  : known > 0       ? "no (known)"
                                    : "no (not promised)";
      per_run.push_back(std::move(a));
    }
    m.answers.push_back(std::move(per_run));
  }
  return m;
}

json merged_results(const Model& m) {
  json runs = json::array(), cases = json::array();
  for (const auto& run : m.runs) {
    runs.push_back({{"runtime", run.runtime},
                    {"gnutls_version", run.gnutls_version},
                    {"openssl_version", run.openssl_version},
                    {"wall_seconds", run.wall_seconds},
                    {"case_count", run.cases.size()},
                    {"source", run.file},
                    {"stale_expectations", run.stale}});
    for (const auto& c : run.cases) {
      json inv = json::object();
      for (const char* i : kInvariants) inv[i] = c["invariants"][i]["verdict"];
      json rec = {{"id", c["id"]},
                  {"family", c["family"]},
                  {"scenario", c["scenario"]},
                  {"protocol", c["protocol"]},
                  {"role", c["role"]},
                  {"peer", c["peer"]},
                  {"runtime", run.runtime},
                  {"gnutls_version", run.gnutls_version},
                  {"openssl_version", run.openssl_version},
                  {"outcome", c["outcome"]},
                  {"reason", c["reason"]},
                  {"invariants", std::move(inv)},
                  {"replay", replay_on(run, c)}};
      if (c.contains("raw_outcome")) rec["raw_outcome"] = c["raw_outcome"];
      cases.push_back(std::move(rec));
    }
  }
  return {{"schema", kMatrixSchema},
          {"schema_version", kMatrixVersion},
          {"runs", std::move(runs)},
          {"case_count", cases.size()},
          {"cases", std::move(cases)}};
}

}  // namespace dirprobe::report
