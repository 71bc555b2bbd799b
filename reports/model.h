// The compatibility report's model: results files (format v2, docs/results-format.md) of one or
// more runs (one per GnuTLS runtime), validated, merged, and aggregated into the summary
// questions and the scenario matrix. Verdicts and outcomes are the harness judge's, taken as
// they are; the model only counts them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/vocabulary.h"

namespace dirprobe::report {

inline constexpr std::size_t kInvariantCount = kAllInvariants.size();
inline constexpr std::size_t kOutcomeCount = kAllOutcomes.size();

// A results file that cannot be read; the message names the file.
class InputError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A violated invariant in one case, as the judge recorded it.
struct Violation {
  Invariant invariant = Invariant::D1;
  std::string note, what;           // what: the first counterexample in one sentence
  std::optional<std::size_t> call;  // the counterexample's index in the case's full call log
};

// One case record.
struct CaseRecord {
  std::string id, scenario, protocol, reason, end, end_reason;
  Library peer = Library::kGnutls;
  Outcome outcome = Outcome::kPass;
  std::optional<Outcome> raw_outcome;               // on known cases: before expectations
  std::array<Verdict, kInvariantCount> verdicts{};  // kNa where not checked
  std::vector<Violation> violations;                // in invariant order
  std::vector<std::string> expected;                // expectation entries (file:line) that apply
  std::vector<std::string> calls;                   // the call lines the harness kept
  std::size_t calls_total = 0;
  bool completed() const;  // the run ended normally (end "completed")
};

struct Scenario {
  std::string family, claim;
  std::array<bool, kInvariantCount> asserted{};  // the others are only recorded
  std::string asserted_text;                     // as in the file: "D1,D2,S1"
};

// An entry of the expectations the run was judged with.
struct Expectation {
  std::string where, deviation, reason;
  bool in_range = true;
  long matched = 0, observed = 0;
};

// Facts of the host that ran the cases, not of the library.
struct Host {
  double wall_seconds = 0;
  long jobs = 1;
};

struct Run {
  std::string file, runtime, gnutls_version, openssl_version;
  Host host;
  std::map<std::string, Scenario> scenarios;
  std::vector<CaseRecord> cases;
  std::vector<std::string> stale;
  std::vector<Expectation> expectations;
  std::string label() const;  // "GnuTLS 3.8.9 (trixie)"
};

// One column of the matrix: a runtime with one peer library.
struct Column {
  std::size_t run = 0;
  Library peer = Library::kGnutls;
};

// Aggregate of one (scenario, column) cell.
struct Cell {
  std::array<int, kOutcomeCount> outcomes{};  // cases per outcome
  std::array<int, kInvariantCount> violated{}, held{}, violated_asserted{};
  // The counterexample: the first case with the cell's worst outcome (preferring one that
  // violates an invariant); then a few further non-passing cases.
  const CaseRecord* example = nullptr;
  std::vector<const CaseRecord*> others;
  std::array<const CaseRecord*, kInvariantCount> first_violation{};
  // How the cases that did not complete ended ("subject: gnutls_handshake returned X") -> count:
  // two versions can fail the same cases in different ways.
  std::map<std::string, int> ends;
  bool empty() const;
  Outcome status() const;       // the worst outcome (pass when empty)
  std::string summary() const;  // "pass 60 · known 4 — violated: D2×4" (text, not colour)
  std::string endings() const;  // "ended: <reason> ×4; ..." or ""
};

struct Row {
  std::string family, scenario, claim;
  std::vector<Cell> cells;  // one per column
  bool differs = false;     // a peer's cells differ between runtimes
};

// A question users ask, answered per runtime from the invariant that decides it.
struct Question {
  std::string text;
  Invariant invariant = Invariant::D1;
};

// How a question is answered on one runtime.
enum class Finding : std::uint8_t {
  kYes,            // checked, never violated
  kNo,             // a violating case did not end known (no expectation explains it)
  kNoKnown,        // every violating case ended known (the judge's verdict)
  kNoNotPromised,  // violated only where the scenario records, not asserts, the invariant
  kUntested,       // no case checks it
};
std::string_view finding_name(Finding finding);  // "yes", "no (known)", ...

struct Answer {
  Finding finding = Finding::kUntested;
  int checked = 0, violated = 0;
  std::vector<const CaseRecord*> deciding;  // violating cases from different scenarios
};

struct Model {
  std::vector<Run> runs;
  std::vector<Column> columns;
  std::vector<Row> rows;
  std::vector<Question> questions;
  std::vector<std::vector<Answer>> answers;  // [question][run]
  std::size_t case_count = 0;
  // Where a case of run `run` sits in the matrix: its row and column.
  std::size_t row_of(const std::string& scenario) const;
  std::size_t column_of(std::size_t run, Library peer) const;
  std::map<std::string, std::size_t> row_index;
};

// Reads and validates one results file; errors name the file (and line for JSON syntax).
// Version 1 files are refused: "schema_version 1 is not supported; re-run dirprobe run".
Run load_run(const std::filesystem::path& file);
// Parses and validates the text of a results file as if read from `file` (load_run reads the
// file and calls this); throws InputError naming `file`.
Run parse_run(const std::string& text, const std::string& file);
Model build_model(std::vector<Run> runs);

// "GnuTLS 3.8.9 (trixie) × openssl": a column's runtime and peer.
std::string column_label(const Model& model, const Column& column);
// A stable anchor for the drill-down of row r, column c.
std::string cell_anchor(std::size_t row, std::size_t column);
// The command that replays a case (with its whole call log) on a run's runtime.
std::string replay_on(const Run& run, const std::string& case_id);
// The same with `{id}` in place of the single-quoted case id.
std::string replay_template(const Run& run);

}  // namespace dirprobe::report
