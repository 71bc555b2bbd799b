// The compatibility report's model: results files (format v4, docs/results-format.md) of one or
// more runs (one per GnuTLS runtime), validated, merged, and aggregated into the summary
// questions, the premises met, what the wire showed, the interleavings grids and the scenario
// matrix. Verdicts, outcomes and premise statuses are the harness judge's, taken as they are;
// the model only counts them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "harness/vocabulary.h"
#include "reports/repro.h"

namespace dirprobe::report {

inline constexpr std::size_t kInvariantCount = kAllInvariants.size();
inline constexpr std::size_t kOutcomeCount = kAllOutcomes.size();

// A results file that cannot be read; the message names the file.
class InputError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Whether a case met its scenario's premises, as the judge recorded it.
enum class PremiseStatus : std::uint8_t {
  kNone,   // not recorded: the scenario declares none, or the case did not run (skip, crash)
  kMet,    // every premise's event happened
  kUnmet,  // the case ran its course without an event
  kCut,    // the case ended by an error before an event
};
inline constexpr std::array<PremiseStatus, 4> kAllPremiseStatuses = {
    PremiseStatus::kNone, PremiseStatus::kMet, PremiseStatus::kUnmet, PremiseStatus::kCut};
inline constexpr std::size_t kPremiseStatusCount = kAllPremiseStatuses.size();
std::string_view premise_status_name(PremiseStatus status);  // "none", "met", ...

// Event counts of a case, keyed by their path in the results file ("subject.again.send",
// "peer.blocked_pull", "both_push_full", "timer_fired").
using Events = std::map<std::string, std::uint64_t>;

// A violated invariant in one case, as the judge recorded it.
struct Violation {
  Invariant invariant = Invariant::D1;
  std::string note, what;           // what: the first counterexample in one sentence
  std::optional<std::size_t> call;  // the counterexample's index in the case's full call log
};

// What the wire decoder made of a case (its `wire` record), as the harness recorded it.
struct WireFacts {
  std::optional<std::size_t> records;   // absent when the case's bytes were not decoded at all
  std::size_t opened = 0;               // records that opened (all of them unless told)
  std::size_t duplicates = 0;           // byte-identical copies of a sealed record
  std::vector<std::string> not_judged;  // why a direction or the case was not decoded to its end
  std::string suite;                    // the negotiated cipher suite, on clean cases
  // Every record decoded and opened, and nothing left undecoded.
  bool in_full() const { return records && opened == *records && not_judged.empty(); }
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
  PremiseStatus premise = PremiseStatus::kNone;
  std::string premise_unmet;        // the premises missed, with how often each event was seen
  std::size_t stale_direction = 0;  // successful calls whose direction is not their last I/O's
  std::optional<Events> events;     // on the clean case of each variant and on unmet cases
  std::optional<WireFacts> wire;    // on every case that ran (all but skipped ones)
  bool completed() const;           // the run ended normally (end "completed")
  // Known because an expectation explains that no case of its group met the premises.
  bool vacuous_explained = false;
  bool vacuous() const;  // outcome vacuous, or vacuous_explained: its group met no premise
  // Every deviation it showed is explained by an expectation: it ended known, or known and then
  // vacuous (its group met no premise; its raw outcome is then that of its deviations).
  bool deviations_explained() const;
  bool clean() const;           // the case of its variant without faults (fault plan "none")
  std::string variant() const;  // the second part of the id: the case's group in its scenario
};

struct Scenario {
  std::string family, claim;
  std::array<bool, kInvariantCount> asserted{};  // the others are only recorded
  std::string asserted_text;                     // as in the file: "D1,D2,S1"
  std::vector<std::string> premises;             // "subject.again.send", ...; may be empty
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
  bool unswept = false;  // the run left out the sweep points (the CI tier)
};

// A run of a real program under `dirprobe app` (results written with subject "programs").
struct AppCaseRow {
  std::string id, program, served, variant, plan, mode;  // from the id and its `app` object
  Outcome outcome = Outcome::kPass;
  std::string reason, ending, end_reason;
  std::string apart;  // non-empty: an injected E_AGAIN on a blocking socket, counted neither way
  std::optional<bool> nonblocking;
  std::vector<std::string> gnutls_used, calls;
  std::uint64_t waits = 0, direction_calls = 0;
};
struct AppProgramInfo {
  std::string what, kind, notes;
};
struct AppResults {
  std::map<std::string, AppProgramInfo> programs;
  std::map<std::string, std::string> claims;  // per served scenario
  std::vector<AppCaseRow> cases;
};

struct Run {
  std::string file, runtime, gnutls_version, openssl_version;
  std::optional<AppResults> apps;  // a `dirprobe app` run: no harness cases
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

// How a group of cases none of which met its scenario's premises ended.
enum class Untested : std::uint8_t {
  kNo,         // a case met them, or no case recorded a premise status (skipped, lost)
  kVacuous,    // its passing and known cases ended vacuous: a failure
  kExplained,  // they ended known: an expectation says why
  kNotJudged,  // every case failed, or was cut short before the events: none ended vacuous
};

// The premises of one group of cases (scenario x variant): a group none of whose cases met them
// did not test its scenario's claim.
struct Group {
  int cases = 0, judged = 0, met = 0;    // judged: cases that record a premise status
  int vacuous = 0, explained = 0;        // cases ended vacuous; vacuous ones that ended known
  const CaseRecord* evidence = nullptr;  // the clean case, else the first that missed a premise
  Untested how_untested() const;
  bool untested() const { return how_untested() != Untested::kNo; }
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
  std::array<int, kPremiseStatusCount> premise{};  // cases per premise status
  std::map<std::string, Group> groups;             // by variant; only if the scenario has premises
  int stale_direction = 0;                         // cases with a stale direction after success
  bool empty() const;
  Outcome status() const;       // the worst outcome (pass when empty)
  std::string summary() const;  // "pass 60 · known 4 — violated: D2×4" (text, not colour)
  std::string endings() const;  // "ended: <reason> ×4; ..." or ""
  // "met in 3 of 40 cases (unmet 30, cut 7)", "" when no case records a premise status.
  std::string premise_counts() const;
  std::string premise_summary() const;  // "premise met in ...", or ""
};

struct Row {
  std::string family, scenario, claim;
  std::vector<std::string> premises;  // as the first run that has the scenario declares them
  std::vector<Cell> cells;            // one per column
  bool differs = false;               // a peer's cells differ between runtimes
};

// A question users ask, answered per runtime from the invariant that decides it.
struct Question {
  Question(std::string question, Invariant inv, std::string loop_model = "")
      : text(std::move(question)), invariant(inv), loop(std::move(loop_model)) {}
  std::string text;
  Invariant invariant = Invariant::D1;
  // Only the cases of this loop model (a word of the case id, vocabulary.h); empty: all.
  std::string loop;
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
  int vacuous = 0;  // held in a case of a vacuous group: not counted as checked
  std::vector<const CaseRecord*> deciding;  // violating cases from different scenarios
  const CaseRecord* first = nullptr;        // the first case checked, in catalog order
};

// Successful subject calls that left a direction other than that of their own last transport
// operation: a recorded fact, since the manual documents the direction only after E_AGAIN.
struct StaleDirections {
  int cases = 0;
  std::size_t calls = 0;
  const CaseRecord* first = nullptr;  // in catalog order
};

// Why cases were not decoded in full: one `not_judged` sentence, its numbers aside.
struct WireGap {
  std::string example;  // the first sentence seen of its kind
  int cases = 0;
  const CaseRecord* first = nullptr;
};

// What the wire showed on one run: how much of it was decoded, and the cases in which a key and
// nonce sealed two different records (N1 violated, whatever the case's outcome): a security
// finding, unlike a byte-identical copy of a record (a duplicate), which discloses nothing.
struct WireSummary {
  int ran = 0;      // cases with a wire record (every case but skipped ones)
  int in_full = 0;  // every record decoded and opened, nothing left undecoded
  int decoded = 0;  // cases whose records were decoded (in full or not)
  std::size_t records = 0;
  std::vector<WireGap> gaps;  // of the cases not decoded in full, in order of first sight
  int duplicate_cases = 0;
  std::size_t duplicates = 0;
  const CaseRecord* first_duplicate = nullptr;
  std::map<std::string, int> suites;           // clean cases per negotiated suite
  std::vector<const CaseRecord*> nonce_reuse;  // N1 violated, in catalog order
  // Of those, cases in which a fault was injected or the transport blocked (E_AGAIN).
  int nonce_reuse_blocked = 0;
};

// The interleavings family: a call made while another is pending, one scenario per pair,
// `interleave-<state>-<call>` (the state has no hyphen, the call may have some).
inline constexpr std::string_view kInterleavingsFamily = "interleavings";
inline constexpr std::string_view kInterleavePrefix = "interleave-";

// What the cases of one sub-cell showed, in order of precedence (the highest that applies).
enum class Mark : std::uint8_t {
  kEmpty,    // no case
  kNa,       // every case skipped because the call does not apply (reason ending "(n/a)")
  kSkipped,  // no case ran, and a skip had another reason
  kUnmet,    // cases ran but none met its premise and none deviated: it proves nothing
  kHeld,     // a case ran and met its premise, and none deviated
  kKnown,    // a case deviated, and expectations explain every deviating case
  kNew,      // a case deviated and no expectation explains it
};

// One protocol x peer x retry form of a (pending state, call) cell on one runtime.
struct SubCell {
  Mark mark = Mark::kEmpty;
  bool tried = false;                   // a case ran and met its premise (or none is declared)
  int sweeps = 0, sweeps_deviated = 0;  // cases with a fault plan other than none that ran
  int unmet = 0;                        // cases that ran, did not deviate and missed the premise
  std::size_t na_reason = 0;            // kNa: index in Interleavings::na_reasons
  // The case the mark stands for: the first that deviated, else the clean case, else the first
  // that ran, else the first.
  const CaseRecord* shown = nullptr;
};

// The grid of one runtime: cells[state][call][place], place as Interleavings::place() says.
struct InterleavingsGrid {
  std::vector<std::vector<std::vector<SubCell>>> cells;
  int cases = 0;  // the run's cases of the family (0: the run predates it; no grid)
};

// Sub-cells of one runtime and protocol x peer, counted over every state, call and retry form.
struct PairCounts {
  int na = 0, applicable = 0;     // applicable: sub-cells with a case, not n/a
  int tried = 0, unmet = 0;       // unmet: ran, no case met its premise
  int skipped = 0;                // no case ran (other than n/a)
  int deviated = 0, unknown = 0;  // unknown: of the deviated, those no expectation explains
};

struct Interleavings {
  std::vector<std::string> states;  // rows: send, recv, handshake, bye, corked, then others seen
  std::vector<std::string> calls;   // columns, in the order the results first name them
  std::vector<std::string> protocols, forms;  // forms: "same" (documented retry), "nullretry"...
  std::vector<Library> peers;
  std::vector<std::string> na_reasons;         // the n/a skip reasons, each once, "(n/a)" left out
  std::vector<InterleavingsGrid> grids;        // [run]
  std::vector<std::vector<PairCounts>> pairs;  // [run][protocol x peer]
  // The (state, call) of every scenario the grids show; the matrix, the premises, the
  // differences and the matrix drill-down leave these scenarios out.
  std::map<std::string, std::pair<std::size_t, std::size_t>> scenario_cells;
  bool empty() const { return states.empty(); }
  bool shows(const std::string& scenario) const { return scenario_cells.contains(scenario); }
  std::size_t places() const { return protocols.size() * peers.size() * forms.size(); }
  std::size_t place(std::size_t protocol, std::size_t peer, std::size_t form) const {
    return (protocol * peers.size() + peer) * forms.size() + form;
  }
};

struct Model {
  std::vector<Run> runs;
  std::vector<Column> columns;
  std::vector<Row> rows;
  std::vector<Question> questions;
  std::vector<std::vector<Answer>> answers;       // [question][run]
  std::vector<StaleDirections> stale_directions;  // [run]
  std::vector<WireSummary> wire;                  // [run]
  Interleavings interleavings;                    // empty when no run has the family
  std::vector<Run> app_runs;                       // `dirprobe app` runs, one per runtime
  std::optional<ReproIndex> repro;                 // the standalone reproducers, when given
  std::size_t case_count = 0;
  // Where a case of run `run` sits in the matrix: its row and column.
  std::size_t row_of(const std::string& scenario) const;
  std::size_t column_of(std::size_t run, Library peer) const;
  std::map<std::string, std::size_t> row_index;
};

// Reads and validates one results file; errors name the file and, where the value has one,
// its line ("r.json:14: cases[1]: unknown key 'colour'"). Files of another version are refused:
// "r.json:10: schema_version 3 is not supported (this generator reads version 4); re-run
// dirprobe run with this build".
Run load_run(const std::filesystem::path& file);
// Parses and validates the text of a results file as if read from `file` (load_run reads the
// file and calls this); throws InputError naming `file`.
Run parse_run(const std::string& text, const std::string& file);
Model build_model(std::vector<Run> runs);
// What the wire showed on one run (wire_summary.cc); build_model keeps one per run.
WireSummary summarize_wire(const Run& run);
// The interleavings grids of the runs (interleavings.cc); build_model keeps them.
Interleavings summarize_interleavings(const std::vector<Run>& runs);
// The retry form a case id names after its loop: "nullretry" for `-nullretry`, "same" for none.
std::string retry_form(const CaseRecord& c);

// "GnuTLS 3.8.9 (trixie) × openssl": a column's runtime and peer.
std::string column_label(const Model& model, const Column& column);
// A stable anchor for the drill-down of row r, column c.
std::string cell_anchor(std::size_t row, std::size_t column);
// The command that replays a case (with its whole call log) on a run's runtime.
std::string replay_on(const Run& run, const std::string& case_id);
// The same with `{id}` in place of the single-quoted case id.
std::string replay_template(const Run& run);
// Whether the case's replay command is its runtime's template with the bare id in place of {id}
// (the id needs no quoting of its own inside the template's quotes): then the id alone says how
// to replay it.
bool replays_by_id(const Run& run, const CaseRecord& c);

}  // namespace dirprobe::report
