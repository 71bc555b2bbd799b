#include "reports/model.h"

#include "reports/apps.h"
#include "reports/schema_check.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <span>
#include <sstream>

namespace dirprobe::report {
namespace {

using nlohmann::json;

constexpr int kResultsVersion = 5;
constexpr std::size_t kOtherExamples = 2;  // non-passing cases named besides the counterexample
constexpr std::size_t kDeciding = 3;       // example cases behind a question's answer
constexpr std::string_view kCompleted = "completed";
constexpr std::string_view kVacuousDeviation = "outcome vacuous";  // an expectation's deviation

constexpr Key kDocumentKeys[] = {{"schema", Kind::kString, true},
                                 {"schema_version", Kind::kInteger, true},
                                 {"runtime", Kind::kString, true},
                                 {"gnutls_version", Kind::kString, true},
                                 {"openssl_version", Kind::kString, true},
                                 {"host", Kind::kObject, true},
                                 {"scenarios", Kind::kObject, true},
                                 {"expectations", Kind::kArray, false},
                                 {"stale_expectations", Kind::kStrings, false},
                                 {"case_count", Kind::kInteger, true},
                                 {"cases", Kind::kArray, true}};
constexpr Key kHostKeys[] = {{"wall_seconds", Kind::kNumber, true},
                             {"jobs", Kind::kInteger, true},
                             {"unswept", Kind::kBool, false}};
constexpr Key kScenarioKeys[] = {{"family", Kind::kString, true},
                                 {"claim", Kind::kString, true},
                                 {"asserted", Kind::kString, true},
                                 {"premises", Kind::kStrings, true}};
constexpr Key kExpectationKeys[] = {
    {"where", Kind::kString, true},      {"deviation", Kind::kString, true},
    {"gnutls", Kind::kString, false},    {"reason", Kind::kString, false},
    {"in_range", Kind::kBool, false},    {"matched", Kind::kInteger, false},
    {"observed", Kind::kInteger, false}, {"stale_groups", Kind::kStrings, false},
    {"cases", Kind::kStrings, false}};
constexpr Key kCaseKeys[] = {{"id", Kind::kString, true},
                             {"scenario", Kind::kString, false},
                             {"protocol", Kind::kString, false},
                             {"peer", Kind::kString, false},
                             {"outcome", Kind::kString, true},
                             {"raw_outcome", Kind::kString, false},
                             {"reason", Kind::kString, false},
                             {"end", Kind::kString, true},
                             {"end_reason", Kind::kString, false},
                             {"invariants", Kind::kObject, true},
                             {"expected", Kind::kStrings, false},
                             {"faults", Kind::kObject, true},
                             {"transfer", Kind::kArray, true},
                             {"buffers", Kind::kObject, false},
                             {"ticks", Kind::kInteger, true},
                             {"calls_total", Kind::kInteger, true},
                             {"timer_waits", Kind::kInteger, false},
                             {"calls", Kind::kStrings, false},
                             {"premise", Kind::kString, false},
                             {"premise_unmet", Kind::kString, false},
                             {"stale_direction", Kind::kCount, false},
                             {"events", Kind::kObject, false},
                             {"wire", Kind::kObject, false},
                             {"trace_truncated", Kind::kObject, false}};
// Events: per side, then those of both sides together ("both_") or of the case.
constexpr Key kEventKeys[] = {{"subject", Kind::kObject, true},
                              {"peer", Kind::kObject, true},
                              {"both_push_full", Kind::kCount, false},
                              {"timer_fired", Kind::kCount, false},
                              {"hard_fault", Kind::kCount, false},
                              {"hold", Kind::kCount, false}};
constexpr Key kSideEventKeys[] = {
    {"ok", Kind::kCounts, false},          {"again", Kind::kCounts, false},
    {"again_push", Kind::kCounts, false},  {"again_unblocked", Kind::kCounts, false},
    {"blocked_push", Kind::kCount, false}, {"blocked_pull", Kind::kCount, false},
    {"push_full", Kind::kCount, false},    {"injected", Kind::kCount, false},
    {"sent", Kind::kCounts, false},        {"received", Kind::kCounts, false},
    {"held", Kind::kCount, false},          {"hold", Kind::kCount, false},
    {"interleaved", Kind::kCount, false}};
// What the wire decoder made of a case: `records` when it decoded them, else why not.
constexpr Key kWireKeys[] = {{"records", Kind::kCount, false},
                             {"opened", Kind::kCount, false},
                             {"duplicates", Kind::kCount, false},
                             {"not_judged", Kind::kStrings, false},
                             {"suite", Kind::kString, false}};
constexpr Key kFaultKeys[] = {{"injected", Kind::kInteger, true},
                              {"hard", Kind::kInteger, true},
                              {"unused_script_steps", Kind::kInteger, false}};
constexpr Key kTraceTruncatedKeys[] = {{"subject", Kind::kCount, true},
                                       {"peer", Kind::kCount, true}};
constexpr Key kBufferKeys[] = {{"max_pending", Kind::kInteger, true},
                               {"heap_growth", Kind::kInteger, true}};
constexpr Key kViolationKeys[] = {{"verdict", Kind::kString, true},
                                  {"note", Kind::kString, true},
                                  {"what", Kind::kString, false},
                                  {"call", Kind::kInteger, false},
                                  {"causes", Kind::kStrings, false}};

Outcome outcome_of(const json& record, std::string_view key, const Place& place) {
  std::string name = text(record, key);
  auto outcome = parse_outcome(name);
  place.require(outcome.has_value(), "unknown " + std::string(key) + " '" + name + "'");
  return *outcome;
}

// The form of a premise, "<side>.<event>[>=N]"; which events exist is the harness's to say.
bool is_premise(const std::string& premise) {
  static const std::regex kForm(R"(^(subject|peer|both|case)(\.[a-z0-9_]+)+(>=[1-9][0-9]*)?$)");
  return std::regex_match(premise, kForm);
}

// An event's name in an object of counts: "send", "key_update".
bool is_event_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Scenario read_scenario(const json& s, const Place& place) {
  check_keys(s, kScenarioKeys, place);
  Scenario scenario{
      text(s, "family"), text(s, "claim"), {}, text(s, "asserted"), texts(s, "premises")};
  std::istringstream list(scenario.asserted_text);
  for (std::string name; std::getline(list, name, ',');) {
    auto inv = parse_invariant(name);
    place.require(inv.has_value(), "asserted: unknown invariant '" + name + "'");
    scenario.asserted[static_cast<unsigned>(*inv)] = true;
  }
  for (const auto& premise : scenario.premises)
    place.require(is_premise(premise), "premises: '" + premise +
                                           "' is not <side>.<event>[>=N] (side subject, peer, "
                                           "both or case)");
  return scenario;
}

// One side's events, flattened into `events` under "<side>.<key>[.<event>]".
void read_side_events(const json& side, const std::string& name, Events& events,
                      const Place& place) {
  check_keys(side, kSideEventKeys, place);
  for (const auto& [key, value] : side.items()) {
    if (!value.is_object()) {
      events[name + "." + key] = value.get<std::uint64_t>();
      continue;
    }
    for (const auto& [event, count] : value.items()) {
      place.at(key).require(is_event_name(event),
                            "'" + event + "' is not an event name (a-z, 0-9 and _)");
      events[name + "." + key + "." + event] = count.get<std::uint64_t>();
    }
  }
}

Events read_events(const json& e, const Place& place) {
  check_keys(e, kEventKeys, place);
  Events events;
  for (const auto& [key, value] : e.items()) {
    if (value.is_object())
      read_side_events(value, key, events, place.at(key));
    else
      events[key] = value.get<std::uint64_t>();
  }
  return events;
}

// The premise status and its text; a status only where the scenario declares premises, the
// text only where a premise was missed.
void read_premise(CaseRecord& r, const json& c, const Scenario& scenario, const Place& place) {
  if (c.contains("premise")) {
    std::string name = text(c, "premise");
    auto status = std::find_if(kAllPremiseStatuses.begin(), kAllPremiseStatuses.end(),
                               [&](PremiseStatus s) { return premise_status_name(s) == name; });
    place.require(status != kAllPremiseStatuses.end() && *status != PremiseStatus::kNone,
                  "unknown premise '" + name + "' (met, unmet or cut)");
    place.require(!scenario.premises.empty(),
                  "'premise' is recorded but scenario '" + r.scenario + "' declares no premises");
    r.premise = *status;
  }
  r.premise_unmet = text(c, "premise_unmet");
  place.require(r.premise_unmet.empty() || r.premise == PremiseStatus::kUnmet ||
                    r.premise == PremiseStatus::kCut,
                "'premise_unmet' is given but 'premise' is not unmet or cut");
}

Expectation read_expectation(const json& e, const Place& place) {
  check_keys(e, kExpectationKeys, place);
  return {text(e, "where"),          text(e, "deviation"),   text(e, "reason"),
          e.value("in_range", true), e.value("matched", 0L), e.value("observed", 0L)};
}

// An invariant's verdict: "held", or an object for a violation.
void read_verdict(CaseRecord& record, const std::string& name, const json& v, const Place& place) {
  auto inv = parse_invariant(name);
  place.require(inv.has_value(), "unknown invariant '" + name + "'");
  auto& verdict = record.verdicts[static_cast<unsigned>(*inv)];
  Place at = place.at(name);
  if (v.is_string()) {
    at.require(v == verdict_name(Verdict::kHeld), "a verdict given as text must be \"held\"");
    verdict = Verdict::kHeld;
    return;
  }
  check_keys(v, kViolationKeys, at);
  at.require(v["verdict"] == verdict_name(Verdict::kViolated), "verdict must be \"violated\"");
  verdict = Verdict::kViolated;
  Violation violation{*inv, text(v, "note"), text(v, "what"), std::nullopt};
  if (v.contains("call")) {
    at.require(v["call"].get<long long>() >= 0, "'call' is negative");
    violation.call = v["call"].get<std::size_t>();
  }
  record.violations.push_back(std::move(violation));
}

// The case's `wire`: present exactly on the cases that ran (all but skipped ones), with its
// records or why they were not decoded; `opened` only when not every record opened, `suite`
// only on clean cases (read_case has the outcome and id already).
void read_wire(CaseRecord& r, const json& c, const Place& place) {
  bool ran = r.outcome != Outcome::kSkip;
  if (!c.contains("wire")) {
    place.require(!ran, "lacks 'wire' (an object), which every case that ran records");
    return;
  }
  place.require(ran, "'wire' is given on a skipped case");
  const json& w = c["wire"];
  Place at = place.at("wire");
  check_keys(w, kWireKeys, at);
  WireFacts f;
  f.not_judged = texts(w, "not_judged");
  at.require(std::none_of(f.not_judged.begin(), f.not_judged.end(),
                          [](const std::string& why) { return why.empty(); }),
             "'not_judged' holds an empty sentence");
  f.suite = text(w, "suite");
  at.require(!w.contains("suite") || (!f.suite.empty() && r.clean()),
             "'suite' is given on a case with faults or is empty (only clean cases, fault plan "
             "none, record it)");
  if (!w.contains("records")) {
    at.require(!f.not_judged.empty(), "has neither 'records' nor 'not_judged' (why not)");
    at.require(!w.contains("opened") && !w.contains("duplicates") && !w.contains("suite"),
               "'opened', 'duplicates' and 'suite' are given without 'records'");
    r.wire = std::move(f);
    return;
  }
  std::size_t records = w["records"].get<std::size_t>();
  f.records = records;
  f.opened = w.value("opened", records);
  f.duplicates = w.value("duplicates", std::size_t{0});
  at.require(!w.contains("opened") || f.opened < records,
             "'opened' is not less than 'records' (it is given only when some record did not "
             "open)");
  at.require(f.duplicates == 0 || f.duplicates < records,
             "'duplicates' (copies of other records) is not less than 'records'");
  r.wire = std::move(f);
}

// Whether an expectation explains the case's group being vacuous: its raw outcome is vacuous (it
// passed), or it deviated too and one of its entries is an "outcome vacuous" one.
bool explains_vacuous(const Run& run, const CaseRecord& r) {
  if (r.raw_outcome == Outcome::kVacuous) return true;
  return std::any_of(r.expected.begin(), r.expected.end(), [&](const std::string& where) {
    return std::any_of(run.expectations.begin(), run.expectations.end(), [&](const Expectation& e) {
      return e.where == where && e.deviation == kVacuousDeviation;
    });
  });
}

// A known case's reason, as the harness writes it and leaves out when it only repeats the
// case's violations: "D2 violated: <what>; R1 violated: <what>" (asserted ones).
std::string violations_text(const CaseRecord& r, const Scenario& scenario) {
  std::string out;
  for (const Violation& v : r.violations) {
    if (!scenario.asserted[static_cast<unsigned>(v.invariant)]) continue;
    out += std::string(out.empty() ? "" : "; ") + std::string(invariant_name(v.invariant)) +
           " violated: " + (v.what.empty() ? v.note : v.what);
  }
  return out;
}

CaseRecord read_case(const json& c, const Place& place, const Run& run) {
  check_keys(c, kCaseKeys, place);
  CaseRecord r;
  r.id = text(c, "id");
  CaseIdParts id = parse_case_id(r.id);
  place.require(id.valid(), "id '" + r.id +
                                "' is not <scenario>/<protocol>-<role>-<peer>-.../<fault plan>/<seed>");
  std::pair<const char*, std::string> parts[] = {{"scenario", std::string(id.scenario)},
                                                 {"protocol", std::string(id.protocol)},
                                                 {"peer", std::string(id.peer)}};
  r.scenario = parts[0].second;
  place.require(run.scenarios.contains(r.scenario),
                "scenario '" + r.scenario + "' is not in the scenarios table");
  r.protocol = parts[1].second;
  auto peer = parse_library(parts[2].second);
  place.require(peer.has_value(), "unknown peer '" + parts[2].second + "' in id '" + r.id + "'");
  r.peer = *peer;
  // Older writers also spelled them out: they must then agree with the id.
  for (const auto& [key, value] : parts)
    place.require(!c.contains(key) || text(c, key) == value,
                  std::string("'") + key + "' is '" + text(c, key) + "' but the id says '" +
                      value + "'");
  r.outcome = outcome_of(c, "outcome", place);
  if (c.contains("raw_outcome")) r.raw_outcome = outcome_of(c, "raw_outcome", place);
  r.reason = text(c, "reason");
  r.end = text(c, "end");
  r.end_reason = text(c, "end_reason");
  for (const auto& [name, v] : c["invariants"].items())
    read_verdict(r, name, v, place.at("invariants"));
  std::sort(r.violations.begin(), r.violations.end(),
            [](const Violation& a, const Violation& b) { return a.invariant < b.invariant; });
  if (r.reason.empty() && r.outcome == Outcome::kKnown)
    r.reason = violations_text(r, run.scenarios.at(r.scenario));
  r.expected = texts(c, "expected");
  r.vacuous_explained = r.outcome == Outcome::kKnown && explains_vacuous(run, r);
  r.calls = texts(c, "calls");
  place.require(c["calls_total"].get<long long>() >= 0, "'calls_total' is negative");
  r.calls_total = c["calls_total"].get<std::size_t>();
  const json& transfer = c["transfer"];
  place.require(transfer.size() == 4 && std::all_of(transfer.begin(), transfer.end(),
                                                    [](const json& n) { return n.is_number(); }),
                "'transfer' does not hold 4 numbers");
  check_keys(c["faults"], kFaultKeys, place.at("faults"));
  if (c.contains("buffers")) check_keys(c["buffers"], kBufferKeys, place.at("buffers"));
  read_premise(r, c, run.scenarios.at(r.scenario), place);
  r.stale_direction = c.value("stale_direction", std::size_t{0});
  if (c.contains("events")) r.events = read_events(c["events"], place.at("events"));
  read_wire(r, c, place);
  if (c.contains("trace_truncated"))
    check_keys(c["trace_truncated"], kTraceTruncatedKeys, place.at("trace_truncated"));
  return r;
}

// What to do about a file of another version.
std::string version_hint(const json& version) {
  if (!version.is_number()) return "";
  return version < kResultsVersion ? "; re-run dirprobe run with this build"
                                   : "; use the dirprobe-report of the dirprobe that wrote it";
}

// Checks the document against the schema and reads it; errors name `file` and the line.
Run read_results(json& doc, const std::string& file, const Lines& lines) {
  Place top{file, ""};
  top.require(doc.is_object() && doc.value("schema", json()) == "dirprobe-results",
              "not a dirprobe results file (schema must be \"dirprobe-results\")");
  const json& version = doc.value("schema_version", json());
  Place{file, "", lines.member("schema_version")}.require(
      version == kResultsVersion,
      "schema_version " + version.dump() + " is not supported (this generator reads version " +
          std::to_string(kResultsVersion) + ")" + version_hint(version));
  if (doc.value("subject", json()) == "programs") return read_app_results(doc, file, lines);
  check_keys(doc, kDocumentKeys, top);
  Place{file, "", lines.member("case_count")}.require(
      doc["case_count"] == doc["cases"].size(),
      "case_count does not match the number of case records (truncated file?)");
  auto member = [&](const std::string& key, const std::string& path) {
    return Place{file, path, lines.member(key)};
  };
  Run run;
  run.file = file;
  run.runtime = text(doc, "runtime");
  run.gnutls_version = text(doc, "gnutls_version");
  run.openssl_version = text(doc, "openssl_version");
  check_keys(doc["host"], kHostKeys, member("host", "host"));
  run.host = {doc["host"]["wall_seconds"].get<double>(), doc["host"]["jobs"].get<long>(),
              doc["host"].value("unswept", false)};
  member("host", "host")
      .require(run.host.wall_seconds >= 0 && run.host.jobs >= 1,
               "wall_seconds must be at least 0 and jobs at least 1");
  for (const auto& [name, s] : doc["scenarios"].items())
    run.scenarios[name] = read_scenario(s, member("scenarios", "scenarios." + name));
  run.stale = texts(doc, "stale_expectations");
  const json& entries = doc.value("expectations", json::array());
  for (std::size_t i = 0; i < entries.size(); ++i)
    run.expectations.push_back(read_expectation(
        entries[i], member("expectations", "expectations[" + std::to_string(i) + "]")));
  const json& cases = doc["cases"];
  run.cases.reserve(cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Place at{file, "cases[" + std::to_string(i) + "]", i < lines.cases.size() ? lines.cases[i] : 0};
    run.cases.push_back(read_case(cases[i], at, run));
  }
  return run;
}

void require(bool ok, const std::string& file, const std::string& what) {
  if (!ok) throw InputError(file + ": " + what);
}

unsigned slot(Invariant inv) { return static_cast<unsigned>(inv); }
unsigned slot(Outcome outcome) { return static_cast<unsigned>(outcome); }

// The text as one shell word.
std::string shell_quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Whether `c` makes a better counterexample for a cell than `current`: a worse outcome, or the
// same outcome with an invariant violated.
bool better_example(const CaseRecord& c, const CaseRecord* current) {
  if (current == nullptr || c.outcome > current->outcome) return true;
  return c.outcome == current->outcome && current->violations.empty() && !c.violations.empty();
}

// A group's premise counts; its evidence is its clean case, else the first that missed one.
void add_to_group(Group& g, const CaseRecord& c) {
  ++g.cases;
  g.judged += c.premise != PremiseStatus::kNone;
  g.met += c.premise == PremiseStatus::kMet;
  g.vacuous += c.vacuous();
  g.explained += c.vacuous_explained;
  if (c.clean() || (g.evidence == nullptr && !c.premise_unmet.empty())) g.evidence = &c;
}

void add_case(Cell& cell, const CaseRecord& c, const Scenario& scenario) {
  ++cell.outcomes[slot(c.outcome)];
  ++cell.premise[static_cast<unsigned>(c.premise)];
  if (!scenario.premises.empty()) add_to_group(cell.groups[c.variant()], c);
  cell.stale_direction += c.stale_direction > 0;
  if (!c.completed()) ++cell.ends[c.end_reason.empty() ? c.end : c.end_reason];
  for (auto inv : kAllInvariants) {
    Verdict v = c.verdicts[slot(inv)];
    if (v == Verdict::kHeld) ++cell.held[slot(inv)];
    if (v != Verdict::kViolated) continue;
    ++cell.violated[slot(inv)];
    if (scenario.asserted[slot(inv)]) ++cell.violated_asserted[slot(inv)];
    if (cell.first_violation[slot(inv)] == nullptr) cell.first_violation[slot(inv)] = &c;
  }
  if (c.outcome == Outcome::kPass) return;
  const CaseRecord* other = &c;
  if (better_example(c, cell.example)) std::swap(other, cell.example);
  if (other != nullptr && cell.others.size() < kOtherExamples) cell.others.push_back(other);
}

// Rows in the catalog order of their first case, then grouped by family.
void add_rows(Model& m) {
  std::set<std::string> seen;
  for (const auto& run : m.runs)
    for (const auto& c : run.cases)
      if (seen.insert(c.scenario).second) {
        const Scenario& s = run.scenarios.at(c.scenario);
        m.rows.push_back({s.family, c.scenario, s.claim, s.premises, {}, false});
      }
  std::stable_sort(m.rows.begin(), m.rows.end(),
                   [](const Row& a, const Row& b) { return a.family < b.family; });
  for (std::size_t i = 0; i < m.rows.size(); ++i) m.row_index[m.rows[i].scenario] = i;
}

void add_columns(Model& m) {
  std::vector<Library> peers;
  for (const auto& run : m.runs)
    for (const auto& c : run.cases)
      if (std::find(peers.begin(), peers.end(), c.peer) == peers.end()) peers.push_back(c.peer);
  for (auto peer : peers)
    for (std::size_t r = 0; r < m.runs.size(); ++r) m.columns.push_back({r, peer});
  for (auto& row : m.rows) row.cells.resize(m.columns.size());
}

// A row differs when one peer's non-empty cells are not all alike across runtimes.
void mark_differences(Model& m) {
  for (auto& row : m.rows) {
    std::map<Library, std::set<std::string>> seen;
    for (std::size_t i = 0; i < m.columns.size(); ++i)
      if (!row.cells[i].empty())
        seen[m.columns[i].peer].insert(row.cells[i].summary() + row.cells[i].endings() +
                                       row.cells[i].premise_summary());
    row.differs = std::any_of(seen.begin(), seen.end(),
                              [](const auto& peer) { return peer.second.size() > 1; });
  }
}

// A violation is explained when the judge ended its case known; it is not promised when the
// scenario only records the invariant.
Answer answer(const Run& run, const Question& q) {
  Invariant inv = q.invariant;
  Answer a;
  bool unexplained = false, known = false;
  for (const auto& c : run.cases) {
    Verdict v = c.verdicts[slot(inv)];
    if (v == Verdict::kNa) continue;
    if (!q.loop.empty() && parse_case_id(c.id).loop != q.loop) continue;
    // A vacuous group did not exercise its claim: what held there is no evidence.
    if (v == Verdict::kHeld && c.vacuous()) {
      ++a.vacuous;
      continue;
    }
    ++a.checked;
    if (a.first == nullptr) a.first = &c;
    if (v != Verdict::kViolated) continue;
    ++a.violated;
    bool asserted = run.scenarios.at(c.scenario).asserted[slot(inv)];
    known = known || (asserted && c.deviations_explained());
    unexplained = unexplained || (asserted && !c.deviations_explained());
    // Examples from different scenarios say more than three of one.
    bool fresh = std::none_of(a.deciding.begin(), a.deciding.end(),
                              [&](const CaseRecord* d) { return d->scenario == c.scenario; });
    if (fresh && a.deciding.size() < kDeciding) a.deciding.push_back(&c);
  }
  a.finding = a.checked == 0    ? Finding::kUntested
              : a.violated == 0 ? Finding::kYes
              : unexplained     ? Finding::kNo
              : known           ? Finding::kNoKnown
                                : Finding::kNoNotPromised;
  return a;
}

void answer_questions(Model& m) {
  m.questions = {
      {"Can I trust the direction after gnutls_record_send returns E_AGAIN?", Invariant::S1},
      {"Can I trust the direction after gnutls_record_recv returns E_AGAIN?", Invariant::S2},
      {"Does the direction name the operation that blocked?", Invariant::D1},
      {"Is E_AGAIN returned only when the transport blocked?", Invariant::D2},
      {"Can a read-quenched side keep writing (send never reads)?", Invariant::Q1},
      {"Can a write-quenched side keep reading (recv never writes)?", Invariant::Q2},
      {"Is buffering bounded while a side is quenched?", Invariant::B1},
      {"Does a loop that waits only for the reported direction always complete? Trusting: "
       "each pending call polls for the direction it was told",
       Invariant::L1, "trusting"},
      {"... single-wait: one poll per socket for the last E_AGAIN's direction, sends and "
       "receives interleaved",
       Invariant::L1, "single-wait"},
      {"... edge: epoll EPOLLET, a new edge in the reported direction, check_pending drained "
       "before waiting",
       Invariant::L1, "edge"},
      {"... edge-naive: the same edge-triggered loop without the check_pending drain",
       Invariant::L1, "edge-naive"},
      {"... busy: 3 immediate retries after E_AGAIN, then a poll for the reported direction",
       Invariant::L1, "busy"},
      {"Do documented retries deliver every byte exactly once?", Invariant::R1},
      {"Does every alert, ticket, KeyUpdate or other control message a call reports as sent "
       "reach the peer exactly once, in order?",
       Invariant::M1},
      {"Does a send retried with other data or size return at most the first offer and "
       "deliver one offer's bytes, never a mix?",
       Invariant::R2},
      {"Does every record get a nonce of its own (no AEAD key and nonce seals two different "
       "records)?",
       Invariant::N1},
      {"Does the wire carry each application byte exactly once, as the calls reported?",
       Invariant::W1},
      {"Do the control messages on the wire match what both libraries reported?", Invariant::M2},
  };
  for (const auto& q : m.questions) {
    std::vector<Answer> per_run;
    for (const auto& run : m.runs) per_run.push_back(answer(run, q));
    m.answers.push_back(std::move(per_run));
  }
}

StaleDirections stale_directions(const Run& run) {
  StaleDirections s;
  for (const auto& c : run.cases) {
    if (c.stale_direction == 0) continue;
    ++s.cases;
    s.calls += c.stale_direction;
    if (s.first == nullptr) s.first = &c;
  }
  return s;
}

}  // namespace

bool CaseRecord::completed() const { return end == kCompleted; }

bool CaseRecord::vacuous() const { return outcome == Outcome::kVacuous || vacuous_explained; }

bool CaseRecord::deviations_explained() const {
  return outcome == Outcome::kKnown || (outcome == Outcome::kVacuous && raw_outcome &&
                                        *raw_outcome != Outcome::kVacuous && !expected.empty());
}

std::string CaseRecord::variant() const {
  std::string_view rest = std::string_view(id).substr(std::min(id.size(), scenario.size() + 1));
  return std::string(rest.substr(0, rest.find('/')));
}

bool CaseRecord::clean() const {
  std::string_view rest = std::string_view(id).substr(std::min(id.size(), scenario.size() + 1));
  auto plan = rest.find('/'), seed = rest.rfind('/');
  return plan != std::string_view::npos && seed > plan &&
         rest.substr(plan + 1, seed - plan - 1) == "none";
}

std::string_view premise_status_name(PremiseStatus status) {
  constexpr std::array<std::string_view, kPremiseStatusCount> kNames = {"none", "met", "unmet",
                                                                        "cut"};
  return kNames[static_cast<unsigned>(status)];
}

std::string Run::label() const {
  return "GnuTLS " + gnutls_version + (runtime.empty() ? "" : " (" + runtime + ")");
}

Run load_run(const std::filesystem::path& path) {
  std::string file = path.string();
  std::ifstream in(path, std::ios::binary);
  require(bool(in), file, "cannot be read");
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  require(!in.bad(), file, "cannot be read");
  return parse_run(text, file);
}

Run parse_run(const std::string& text, const std::string& file) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    // parse_error, and out_of_range for a number too large for a double (1e999).
    throw InputError(file + ": not valid JSON: " + e.what());
  }
  return read_results(doc, file, locate(text));
}

std::string_view finding_name(Finding finding) {
  constexpr std::array<std::string_view, 5> kNames = {"yes", "no", "no (known)",
                                                      "no (not promised)", "untested"};
  return kNames[static_cast<unsigned>(finding)];
}

bool Cell::empty() const {
  return std::all_of(outcomes.begin(), outcomes.end(), [](int n) { return n == 0; });
}

Outcome Cell::status() const {
  Outcome worst = Outcome::kPass;
  for (auto o : kAllOutcomes)
    if (outcomes[slot(o)] > 0) worst = o;
  return worst;
}

std::string Cell::summary() const {
  std::string out;
  for (auto o : kAllOutcomes)
    if (outcomes[slot(o)] > 0)
      out += (out.empty() ? "" : " · ") + std::string(outcome_name(o)) + " " +
             std::to_string(outcomes[slot(o)]);
  std::string names;
  for (auto inv : kAllInvariants)
    if (violated_asserted[slot(inv)] > 0)
      names += (names.empty() ? "" : " ") + std::string(invariant_name(inv)) + "×" +
               std::to_string(violated_asserted[slot(inv)]);
  if (!names.empty()) out += " — violated: " + names;
  return out;
}

Untested Group::how_untested() const {
  if (judged == 0 || met > 0) return Untested::kNo;
  if (vacuous > explained) return Untested::kVacuous;
  return vacuous > 0 ? Untested::kExplained : Untested::kNotJudged;
}

std::string Cell::premise_summary() const {
  std::string counts = premise_counts();
  return counts.empty() ? counts : "premise " + counts;
}

std::string Cell::premise_counts() const {
  auto n = [&](PremiseStatus s) { return premise[static_cast<unsigned>(s)]; };
  int judged = n(PremiseStatus::kMet) + n(PremiseStatus::kUnmet) + n(PremiseStatus::kCut);
  if (judged == 0) return "";
  std::string out = "met in " + std::to_string(n(PremiseStatus::kMet)) + " of " +
                    std::to_string(judged) + " cases";
  std::string parts;
  for (auto [status, word] : {std::pair{PremiseStatus::kUnmet, "unmet"},
                              {PremiseStatus::kCut, "cut"},
                              {PremiseStatus::kNone, "not judged"}})
    if (n(status) > 0)
      parts += (parts.empty() ? "" : ", ") + std::string(word) + " " + std::to_string(n(status));
  return parts.empty() ? out : out + " (" + parts + ")";
}

std::string Cell::endings() const {
  std::string out;
  for (const auto& [reason, n] : ends)
    out += (out.empty() ? "ended: " : "; ") + reason + " ×" + std::to_string(n);
  return out;
}

std::size_t Model::row_of(const std::string& scenario) const { return row_index.at(scenario); }

std::size_t Model::column_of(std::size_t run, Library peer) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].run == run && columns[i].peer == peer) return i;
  return 0;
}

std::string column_label(const Model& m, const Column& c) {
  return m.runs[c.run].label() + " × " + std::string(library_name(c.peer));
}

std::string cell_anchor(std::size_t row, std::size_t column) {
  return "cell-" + std::to_string(row) + "-" + std::to_string(column);
}

std::string replay_template(const Run& run) {
  std::string cmd = "build/harness/dirprobe run --case '{id}' --trace";
  if (run.runtime.empty() || run.runtime == "installed") return cmd;
  return "scripts/runtimes.sh exec \"$(scripts/runtimes.sh fetch " + shell_quoted(run.runtime) +
         ")\" " + cmd;
}

std::string replay_on(const Run& run, const std::string& case_id) {
  std::string cmd = replay_template(run);
  return cmd.replace(cmd.find("'{id}'"), 6, shell_quoted(case_id));
}

bool replays_by_id(const Run& run, const CaseRecord& c) {
  std::string cmd = replay_template(run);
  return replay_on(run, c.id) == cmd.replace(cmd.find("{id}"), 4, c.id);
}

Model build_model(std::vector<Run> runs) {
  if (runs.empty()) throw InputError("dirprobe-report: no results files given");
  Model m;
  m.runs = std::move(runs);
  add_rows(m);
  add_columns(m);
  for (std::size_t r = 0; r < m.runs.size(); ++r)
    for (const auto& c : m.runs[r].cases) {
      ++m.case_count;
      Cell& cell = m.rows[m.row_of(c.scenario)].cells[m.column_of(r, c.peer)];
      add_case(cell, c, m.runs[r].scenarios.at(c.scenario));
    }
  mark_differences(m);
  answer_questions(m);
  for (const auto& run : m.runs) m.stale_directions.push_back(stale_directions(run));
  for (const auto& run : m.runs) m.wire.push_back(summarize_wire(run));
  m.interleavings = summarize_interleavings(m.runs);
  return m;
}

}  // namespace dirprobe::report
