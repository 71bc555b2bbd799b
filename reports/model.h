// The compatibility report's model: results files of one or more runs (one per GnuTLS runtime),
// validated, merged, and aggregated into the summary questions and the scenario matrix.
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace dirprobe::report {

inline constexpr const char* kMatrixSchema = "dirprobe-matrix";
inline constexpr int kMatrixVersion = 1;
inline constexpr std::array<const char*, 9> kInvariants = {"D1", "D2", "S1", "S2", "Q1",
                                                           "Q2", "B1", "L1", "R1"};

class InputError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Run {
  std::string file, runtime, gnutls_version, openssl_version;
  double wall_seconds = 0;
  nlohmann::json cases;  // the run's case records
  std::vector<std::string> stale;
  nlohmann::json expectations;  // per entry: where, deviation, reason, matched, observed
  std::string label() const;    // "GnuTLS 3.8.9 (trixie)"
};

// One column of the matrix: a runtime with one peer library.
struct Column {
  std::size_t run = 0;
  std::string peer;
};

// Aggregate of one (scenario, column) cell.
struct Cell {
  std::map<std::string, int> outcomes;  // "pass" -> 60, "known" -> 4
  std::array<int, 9> violated{}, held{};
  std::array<int, 9> violated_asserted{};
  std::vector<const nlohmann::json*> examples;  // non-passing records (first few)
  std::array<const nlohmann::json*, 9> first_violation{};
  // How the cases that did not complete ended ("subject: gnutls_handshake returned X") -> count:
  // two versions can fail the same cases in different ways.
  std::map<std::string, int> ends;
  std::string status() const;   // "pass", "known", "fail", ... (worst outcome)
  std::string summary() const;  // "pass 60 · known 4: D2" (text, not colour)
  std::string endings() const;  // "ended: <reason> ×4; ..." or ""
};

struct Row {
  std::string family, scenario, claim;
  std::vector<Cell> cells;  // one per column
  bool differs = false;     // a peer's cells differ between runtimes
};

// A question users ask, answered per runtime from the invariant that decides it.
struct Question {
  std::string text, invariant, family;  // family: "" = every case
};
struct Answer {
  // "yes"; "no" (a violation no expectation explains); "no (known)" (explained by one);
  // "no (not promised)" (only where the scenario records, not asserts, it); "untested".
  std::string verdict;
  int checked = 0, violated = 0;
  std::vector<const nlohmann::json*> deciding;  // violating records, or a few that held
};

struct Model {
  std::vector<Run> runs;
  std::vector<Column> columns;
  std::vector<Row> rows;
  std::vector<Question> questions;
  std::vector<std::vector<Answer>> answers;  // [question][run]
  std::size_t case_count = 0;
};

// Reads and validates one results file; errors name the file (and line for JSON syntax).
Run load_run(const std::filesystem::path& file);
Model build_model(std::vector<Run> runs);

// The merged machine-readable results (schema dirprobe-matrix v1).
nlohmann::json merged_results(const Model& model);
std::string render_markdown(const Model& model);
std::string render_html(const Model& model);

// A stable anchor for the drill-down of row r, column c.
std::string cell_anchor(std::size_t row, std::size_t column);
// The command that replays a case on a run's runtime.
std::string replay_on(const Run& run, const nlohmann::json& record);

}  // namespace dirprobe::report
