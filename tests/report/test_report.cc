// Unit tests of the report generator: the reader of results format v5 (data/v4-small.json is a
// hand-made file in that format, with premises, a vacuous group, M1, stale directions, the wire
// of every case that ran and one case of AEAD nonce reuse; data/v3-small.json one in the format
// before, which must be refused), the model's answers, premise and wire counts, the section
// model (security first) and its two writers, and the merged results. data/interleavings-small.json
// holds a few cases of the interleavings family, for its grid.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "reports/escape.h"
#include "reports/merged.h"
#include "reports/model.h"
#include "reports/sections.h"
#include "reports/writers.h"

namespace dirprobe::report {
namespace {

std::string data_file(const std::string& name) {
  return (std::filesystem::path(DIRPROBE_REPORT_DATA) / name).string();
}

std::string fixture() {
  std::ifstream in(data_file("v4-small.json"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr unsigned slot(Invariant inv) { return static_cast<unsigned>(inv); }
constexpr unsigned slot(PremiseStatus s) { return static_cast<unsigned>(s); }

// `text` with every occurrence of `from` replaced by `to`.
std::string replace_all_plain(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// `text` with its first occurrence of `from` replaced by `to`; the test fails if there is none.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

// The text written to a file of the test's temporary directory, read back with load_run.
// A directory of this process's own: CTest runs the tests of this file as parallel processes,
// which must not overwrite each other's files.
std::filesystem::path own_temp_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::path(testing::TempDir()) /
             ("dirprobe-report-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

report::Run load_text(const std::string& name, const std::string& text) {
  auto path = own_temp_dir() / name;
  std::ofstream(path, std::ios::binary) << text;
  return load_run(path);
}

// The message load_run refuses `text` with; "" when it reads it.
std::string refusal(const std::string& text) {
  try {
    load_text("refused.json", text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string temp(const std::string& name) {
  return (own_temp_dir() / name).string();
}

// Two runs of the fixture: the second under a runtime name with markup and another GnuTLS,
// where the stalled case failed instead (so a row differs).
Model two_runs() {
  std::string b = replaced(fixture(), "\"runtime\": \"alpha\"", "\"runtime\": \"beta <b>|&'\"");
  b = replaced(b, "\"gnutls_version\": \"3.7.9\"", "\"gnutls_version\": \"3.8.9\"");
  b = replaced(b, "\"outcome\": \"stalled\"", "\"outcome\": \"fail\"");
  std::vector<report::Run> runs;
  runs.push_back(load_text("a.json", fixture()));
  runs.push_back(load_text("b.json", b));
  return build_model(std::move(runs));
}

Model one_run() {
  std::vector<report::Run> runs;
  runs.push_back(load_text("a.json", fixture()));
  return build_model(std::move(runs));
}

// The fixture is read whole: cases, scenarios (with what they assert), host, violations.
TEST(ReportReader, ReadsResultsFormatV4) {
  report::Run run = load_text("a.json", fixture());
  ASSERT_EQ(run.cases.size(), 10u);
  EXPECT_EQ(run.runtime, "alpha");
  EXPECT_EQ(run.host.jobs, 2);
  EXPECT_DOUBLE_EQ(run.host.wall_seconds, 1.5);
  const Scenario& send = run.scenarios.at("send-x");
  EXPECT_TRUE(send.asserted[static_cast<unsigned>(Invariant::S1)]);
  EXPECT_FALSE(send.asserted[static_cast<unsigned>(Invariant::L1)]);
  const CaseRecord& known = run.cases[1];
  EXPECT_EQ(known.outcome, Outcome::kKnown);
  EXPECT_EQ(known.raw_outcome, Outcome::kFail);
  ASSERT_EQ(known.violations.size(), 1u);
  EXPECT_EQ(known.violations[0].invariant, Invariant::D2);
  EXPECT_EQ(known.violations[0].call, 3u);
  EXPECT_EQ(known.verdicts[static_cast<unsigned>(Invariant::D1)], Verdict::kHeld);
  EXPECT_EQ(known.verdicts[static_cast<unsigned>(Invariant::Q1)], Verdict::kNa);
  EXPECT_EQ(run.cases[2].peer, Library::kOpenssl);
  EXPECT_FALSE(run.cases[3].completed());
}

// A known case that deviated too (raw outcome fail) counts as explained vacuous when one of
// its entries is an "outcome vacuous" one, and only then.
TEST(ReportReader, KnownCasesOfVacuousGroupsAreToldApart) {
  std::string deviated = replaced(fixture(), "\"outcome\": \"known\", \"raw_outcome\": \"vacuous\"",
                                  "\"outcome\": \"known\", \"raw_outcome\": \"fail\"");
  EXPECT_TRUE(load_text("a.json", deviated).cases[7].vacuous_explained);
  std::string other_entry =
      replaced(deviated, "\"expected\": [\"scenarios/expectations/gnutls.toml:12\"]",
               "\"expected\": [\"scenarios/expectations/gnutls.toml:7\"]");
  EXPECT_FALSE(load_text("a.json", other_entry).cases[7].vacuous_explained);
}

// What version 3 added: premises, premise statuses, stale directions, events, M1, R2, vacuous.
TEST(ReportReader, ReadsPremisesEventsAndStaleDirections) {
  report::Run run = load_text("a.json", fixture());
  EXPECT_EQ(run.scenarios.at("alert-pending").premises,
            (std::vector<std::string>{"subject.again.send", "subject.sent.alert"}));
  EXPECT_TRUE(run.scenarios.at("bye").premises.empty());
  EXPECT_TRUE(run.scenarios.at("alert-pending").asserted[slot(Invariant::R2)]);
  const CaseRecord& clean = run.cases[0];
  EXPECT_EQ(clean.premise, PremiseStatus::kMet);
  EXPECT_EQ(clean.stale_direction, 2u);
  EXPECT_TRUE(clean.clean());
  EXPECT_EQ(clean.variant(), "tls13-client-gnutls-unix-trusting");
  ASSERT_TRUE(clean.events.has_value());
  EXPECT_EQ(*clean.events, (Events{{"peer.again.recv", 2},
                                   {"peer.blocked_pull", 2},
                                   {"subject.again.send", 3},
                                   {"subject.again_push.send", 3},
                                   {"subject.blocked_push", 3},
                                   {"subject.held", 16406}}));
  EXPECT_EQ(run.cases[2].premise, PremiseStatus::kCut);
  EXPECT_EQ(run.cases[2].premise_unmet, "subject.again.send>=2 (seen 1)");
  EXPECT_FALSE(run.cases[2].events.has_value());
  EXPECT_EQ(run.cases[3].premise, PremiseStatus::kNone);
  const CaseRecord& vacuous = run.cases[5];
  EXPECT_EQ(vacuous.outcome, Outcome::kVacuous);
  EXPECT_TRUE(vacuous.vacuous());
  EXPECT_EQ(vacuous.premise, PremiseStatus::kUnmet);
  EXPECT_EQ(vacuous.events->at("both_push_full"), 1u);
  EXPECT_EQ(vacuous.events->at("subject.ok.send"), 1u);
  EXPECT_EQ(vacuous.verdicts[slot(Invariant::R2)], Verdict::kHeld);
  EXPECT_FALSE(run.cases[6].clean());
  EXPECT_TRUE(run.cases[7].vacuous());  // known, raw outcome vacuous
  EXPECT_TRUE(run.cases[7].vacuous_explained);
  EXPECT_EQ(run.cases[7].outcome, Outcome::kKnown);
  // A known case of a group that met no premise ends vacuous, its deviations still explained.
  const CaseRecord& was_known = run.cases[9];
  EXPECT_TRUE(was_known.vacuous());
  EXPECT_FALSE(was_known.vacuous_explained);
  EXPECT_TRUE(was_known.deviations_explained());
  EXPECT_FALSE(vacuous.deviations_explained());
  EXPECT_FALSE(run.cases[2].deviations_explained());
  ASSERT_EQ(run.cases[8].violations.size(), 3u);  // M1, and from the wire W1 and M2
  EXPECT_EQ(run.cases[8].violations[0].invariant, Invariant::M1);
  EXPECT_EQ(run.cases[8].violations[0].call, 9u);
}

// Refusals name the file and the line and say what is wrong, byte for byte.
TEST(ReportReader, RefusesOtherVersionsSayingWhatToDo) {
  std::string v3 = data_file("v3-small.json");
  try {
    load_run(v3);
    ADD_FAILURE() << "a version 3 file was read";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              v3 + ":3: schema_version 3 is not supported (this generator reads version 5); "
                   "re-run dirprobe run with this build");
  }
  std::string v1 = replaced(fixture(), "\"schema_version\": 5", "\"schema_version\": 1");
  EXPECT_EQ(refusal(v1), temp("refused.json") +
                             ":3: schema_version 1 is not supported (this generator reads "
                             "version 5); re-run dirprobe run with this build");
  std::string v6 = replaced(fixture(), "\"schema_version\": 5", "\"schema_version\": 6");
  EXPECT_EQ(refusal(v6), temp("refused.json") +
                             ":3: schema_version 6 is not supported (this generator reads "
                             "version 5); use the dirprobe-report of the dirprobe that wrote it");
}

// The harness leaves out what a case id says (scenario, protocol, peer) and a known case's
// reason when it only repeats its violations: the reader restores both.
TEST(ReportReader, RestoresWhatTheWriterLeftOut) {
  std::string lean = replaced(fixture(),
                              "\"scenario\": \"send-x\", \"protocol\": \"tls13\", "
                              "\"peer\": \"gnutls\", \"outcome\": \"known\"",
                              "\"outcome\": \"known\"");
  lean = replaced(lean,
                  "\"reason\": \"D2 violated: gnutls_record_send returned GNUTLS_E_AGAIN with "
                  "direction 1 (write) but no transport operation blocked\", ",
                  "");
  report::Run full = load_text("full.json", fixture());
  report::Run run = load_text("lean.json", lean);
  ASSERT_EQ(run.cases.size(), full.cases.size());
  for (std::size_t i = 0; i < run.cases.size(); ++i) {
    EXPECT_EQ(run.cases[i].scenario, full.cases[i].scenario) << i;
    EXPECT_EQ(run.cases[i].protocol, full.cases[i].protocol) << i;
    EXPECT_EQ(run.cases[i].peer, full.cases[i].peer) << i;
    EXPECT_EQ(run.cases[i].reason, full.cases[i].reason) << i;
  }
}

TEST(ReportReader, RefusesBadRecordsNamingFileAndPlace) {
  std::string file = temp("refused.json");
  EXPECT_EQ(refusal(replaced(fixture(), "\"ticks\": 40", "\"ticks\": 40, \"colour\": \"red\"")),
            file + ":13: cases[0]: unknown key 'colour'");
  EXPECT_EQ(refusal(replaced(fixture(), "\"end\": \"completed\", ", "")),
            file + ":13: cases[0]: lacks 'end' (a string)");
  EXPECT_EQ(refusal(replaced(fixture(), "\"D1\": \"held\"", "\"D1\": \"n/a\"")),
            file + ":13: cases[0].invariants.D1: a verdict given as text must be \"held\"");
  EXPECT_EQ(refusal(replaced(fixture(), "\"M1\": \"held\"", "\"M3\": \"held\"")),
            file + ":13: cases[0].invariants: unknown invariant 'M3'");
  EXPECT_EQ(refusal(replaced(fixture(), "\"scenario\": \"bye\"", "\"scenario\": \"gone\"")),
            file + ":16: cases[3]: 'scenario' is 'gone' but the id says 'bye'");
  EXPECT_EQ(refusal(replaced(fixture(), "\"outcome\": \"skip\"", "\"outcome\": \"maybe\"")),
            file + ":17: cases[4]: unknown outcome 'maybe'");
  EXPECT_EQ(refusal(replaced(fixture(), "\"raw_outcome\": \"vacuous\"",
                             "\"raw_outcome\": \"vacuously\"")),
            file + ":18: cases[5]: unknown raw_outcome 'vacuously'");
  EXPECT_EQ(refusal(replaced(fixture(), "\"id\": \"bye/tls12-server-openssl",
                             "\"id\": \"byebye/tls12-server-openssl")),
            file + ":17: cases[4]: scenario 'byebye' is not in the scenarios table");
  EXPECT_EQ(refusal(replaced(fixture(), "\"id\": \"bye/tls12-server-openssl-unix-trusting/none/s0",
                             "\"id\": \"bye/tls12")),
            file + ":17: cases[4]: id 'bye/tls12' is not "
                   "<scenario>/<protocol>-<role>-<peer>-.../<fault plan>/<seed>");
  EXPECT_EQ(refusal(replaced(fixture(), "\"jobs\": 2", "\"jobs\": \"2\"")),
            file + ":7: host: 'jobs' is not an integer");
  EXPECT_EQ(refusal(replaced(fixture(), "\"case_count\": 10", "\"case_count\": 11")),
            file + ":11: case_count does not match the number of case records (truncated file?)");
  EXPECT_EQ(refusal(replaced(fixture(), "\"schema\": \"dirprobe-results\"", "\"schema\": 7")),
            file + ": not a dirprobe results file (schema must be \"dirprobe-results\")");
}

// The fields version 3 added are read as strictly as the others.
TEST(ReportReader, RefusesBadPremisesEventsAndStaleDirections) {
  std::string file = temp("refused.json");
  auto refused = [](const std::string& from, const std::string& to) {
    return refusal(replaced(fixture(), from, to));
  };
  EXPECT_EQ(refused(", \"premises\": []", ""),
            file + ":8: scenarios.bye: lacks 'premises' (an array of strings)");
  EXPECT_EQ(refused("\"subject.again.send>=2\"", "\"client.again.send\""),
            file +
                ":8: scenarios.send-x: premises: 'client.again.send' is not "
                "<side>.<event>[>=N] (side subject, peer, both or case)");
  EXPECT_EQ(refused("\"premise\": \"met\"", "\"premise\": \"maybe\""),
            file + ":13: cases[0]: unknown premise 'maybe' (met, unmet or cut)");
  EXPECT_EQ(refused("\"premise\": \"met\"", "\"premise\": \"none\""),
            file + ":13: cases[0]: unknown premise 'none' (met, unmet or cut)");
  EXPECT_EQ(refused("\"outcome\": \"stalled\"", "\"premise\": \"met\", \"outcome\": \"stalled\""),
            file + ":16: cases[3]: 'premise' is recorded but scenario 'bye' declares no premises");
  EXPECT_EQ(refused("\"premise\": \"met\", \"stale",
                    "\"premise\": \"met\", \"premise_unmet\": \"x\", \"stale"),
            file + ":13: cases[0]: 'premise_unmet' is given but 'premise' is not unmet or cut");
  EXPECT_EQ(refused("\"stale_direction\": 2", "\"stale_direction\": -2"),
            file + ":13: cases[0]: 'stale_direction' is not a count (an integer of at least 0)");
  EXPECT_EQ(refused("\"stale_direction\": 2", "\"stale_direction\": \"2\""),
            file + ":13: cases[0]: 'stale_direction' is not a count (an integer of at least 0)");
  EXPECT_EQ(refused("\"held\": 16406", "\"heldd\": 16406"),
            file + ":13: cases[0].events.subject: unknown key 'heldd'");
  EXPECT_EQ(refused("\"again\": {\"send\": 3}", "\"again\": {\"send\": -3}"),
            file + ":13: cases[0].events.subject: 'again' is not an object of counts");
  EXPECT_EQ(refused("\"again_push\": {\"send\": 3}", "\"again_push\": {\"Send!\": 3}"),
            file +
                ":13: cases[0].events.subject.again_push: 'Send!' is not an event name (a-z, "
                "0-9 and _)");
  EXPECT_EQ(refused("\"peer\": {}}", "\"both\": {}}"),
            file + ":21: cases[8].events: lacks 'peer' (an object)");
  EXPECT_EQ(
      refused("\"events\": {\"subject\": {\"sent\": {\"alert\": 1}}, \"peer\": {\"received\": "
              "{\"alert\": 1}}}",
              "\"events\": 7"),
      file + ":20: cases[7]: 'events' is not an object");
}

// What version 4 added: the wire of every case that ran, and N1, W1 and M2.
TEST(ReportReader, ReadsWire) {
  report::Run run = load_text("a.json", fixture());
  ASSERT_TRUE(run.cases[0].wire.has_value());
  const WireFacts& clean = *run.cases[0].wire;
  EXPECT_EQ(clean.records, 14u);
  EXPECT_EQ(clean.opened, 14u);
  EXPECT_EQ(clean.suite, "TLS_AES_128_GCM_SHA256");
  EXPECT_TRUE(clean.in_full());
  EXPECT_EQ(run.cases[1].wire->duplicates, 1u);
  EXPECT_TRUE(run.cases[1].wire->in_full());    // a duplicate opens: it is decoded
  EXPECT_FALSE(run.cases[4].wire.has_value());  // skipped
  const WireFacts& own_io = *run.cases[7].wire;
  EXPECT_FALSE(own_io.records.has_value());
  EXPECT_EQ(own_io.not_judged,
            std::vector<std::string>{"GnuTLS does its own socket I/O: its bytes are not captured"});
  EXPECT_FALSE(own_io.in_full());
  EXPECT_EQ(run.cases[7].verdicts[slot(Invariant::N1)], Verdict::kNa);
  const WireFacts& partial = *run.cases[8].wire;
  EXPECT_EQ(partial.records, 10u);
  EXPECT_EQ(partial.opened, 9u);
  EXPECT_FALSE(partial.in_full());
  const CaseRecord& reuse = run.cases[2];
  EXPECT_EQ(reuse.verdicts[slot(Invariant::N1)], Verdict::kViolated);
  ASSERT_EQ(reuse.violations.size(), 3u);  // D2, S1, N1, in invariant order
  EXPECT_EQ(reuse.violations[2].invariant, Invariant::N1);
  EXPECT_EQ(reuse.violations[2].what.rfind("client to server, record 9: key application 0, "
                                           "sequence number 7, nonce 4c1f0a9e27d3b6a15e8c0d72 ",
                                           0),
            0u);
  EXPECT_TRUE(run.scenarios.at("bye").asserted[slot(Invariant::N1)]);
}

// `wire` is read as strictly as the rest: its keys and their kinds, present exactly on the
// cases that ran, `opened` only below `records`, `suite` only on clean cases.
TEST(ReportReader, RefusesBadWireNamingFileAndLine) {
  std::string file = temp("refused.json");
  auto refused = [](const std::string& from, const std::string& to) {
    return refusal(replaced(fixture(), from, to));
  };
  EXPECT_EQ(refused("\"wire\": {\"records\": 14,", "\"wire\": {\"records\": 14, \"colour\": 1,"),
            file + ":13: cases[0].wire: unknown key 'colour'");
  EXPECT_EQ(refused("\"wire\": {\"records\": 14,", "\"wire\": {\"records\": \"14\","),
            file + ":13: cases[0].wire: 'records' is not a count (an integer of at least 0)");
  EXPECT_EQ(refused("\"duplicates\": 1}", "\"duplicates\": -1}"),
            file + ":14: cases[1].wire: 'duplicates' is not a count (an integer of at least 0)");
  EXPECT_EQ(refused("\"not_judged\": [\"GnuTLS", "\"not_judged\": [7, \"GnuTLS"),
            file + ":20: cases[7].wire: 'not_judged' is not an array of strings");
  EXPECT_EQ(refused("\"suite\": \"TLS_AES_128_GCM_SHA256\"", "\"suite\": [\"TLS_AES\"]"),
            file + ":13: cases[0].wire: 'suite' is not a string");
  EXPECT_EQ(refused("\"wire\": {\"records\": 14, \"suite\": \"TLS_AES_128_GCM_SHA256\"}, ", ""),
            file + ":13: cases[0]: lacks 'wire' (an object), which every case that ran records");
  EXPECT_EQ(refused("\"invariants\": {}, ", "\"invariants\": {}, \"wire\": {\"records\": 0}, "),
            file + ":17: cases[4]: 'wire' is given on a skipped case");
  EXPECT_EQ(refused("\"wire\": {\"records\": 14,", "\"wire\": 14, \"x\": {"),
            file + ":13: cases[0]: 'wire' is not an object");
  EXPECT_EQ(
      refused("\"duplicates\": 1}", "\"duplicates\": 1, \"suite\": \"TLS_AES_128_GCM_SHA256\"}"),
      file +
          ":14: cases[1].wire: 'suite' is given on a case with faults or is empty (only "
          "clean cases, fault plan none, record it)");
  EXPECT_EQ(refused("\"opened\": 9", "\"opened\": 10"),
            file +
                ":21: cases[8].wire: 'opened' is not less than 'records' (it is given only when "
                "some record did not open)");
  EXPECT_EQ(refused("\"duplicates\": 2}", "\"duplicates\": 9}"),
            file +
                ":22: cases[9].wire: 'duplicates' (copies of other records) is not less than "
                "'records'");
  EXPECT_EQ(refused("{\"not_judged\": [\"GnuTLS does its own socket I/O: its bytes are not "
                    "captured\"]}",
                    "{}"),
            file + ":20: cases[7].wire: has neither 'records' nor 'not_judged' (why not)");
  EXPECT_EQ(refused("{\"not_judged\": [\"GnuTLS does its own socket I/O: its bytes are not "
                    "captured\"]}",
                    "{\"duplicates\": 1, \"not_judged\": [\"lost\"]}"),
            file +
                ":20: cases[7].wire: 'opened', 'duplicates' and 'suite' are given without "
                "'records'");
  EXPECT_EQ(refused("\"not_judged\": [\"GnuTLS does its own socket I/O: its bytes are not "
                    "captured\"]",
                    "\"not_judged\": [\"\"]"),
            file + ":20: cases[7].wire: 'not_judged' holds an empty sentence");
}

// Lines are those on which a record starts, however the file is laid out, and strings that hold
// brackets, quotes or newlines do not shift them.
TEST(ReportReader, NamesTheLineWhereTheRecordStarts) {
  std::string text = replace_all_plain(fixture(), "\n{\"id\"", "\n{\n\"id\"");
  text = replaced(text, "gnutls_bye completes under EAGAIN", "[{\\\"\\n\\\\ ]}");
  EXPECT_EQ(refusal(replaced(text, "\"outcome\": \"skip\"", "\"outcome\": \"maybe\"")),
            temp("refused.json") + ":21: cases[4]: unknown outcome 'maybe'");
}

TEST(ReportReader, JsonSyntaxErrorsNameFileAndLine) {
  std::string text = fixture();
  std::string message = refusal(text.substr(0, text.size() / 2));
  EXPECT_EQ(message.rfind(temp("refused.json") + ": not valid JSON: ", 0), 0u) << message;
  EXPECT_NE(message.find("line "), std::string::npos) << message;
}

// A question's answer comes from the judge's outcomes and the scenarios' asserted lists.
TEST(ReportModel, AnswersFollowOutcomesAndAssertedInvariants) {
  auto finding = [](const std::string& text, Invariant inv) {
    std::vector<report::Run> runs;
    runs.push_back(load_text("q.json", text));
    Model m = build_model(std::move(runs));
    return m
        .answers[static_cast<std::size_t>(
            std::find_if(m.questions.begin(), m.questions.end(),
                         [inv](const Question& q) { return q.invariant == inv; }) -
            m.questions.begin())][0]
        .finding;
  };
  EXPECT_EQ(finding(fixture(), Invariant::D1), Finding::kYes);
  EXPECT_EQ(finding(fixture(), Invariant::D2), Finding::kNo);  // the openssl case failed
  EXPECT_EQ(finding(fixture(), Invariant::R1), Finding::kUntested);
  std::string explained = replaced(fixture(), "\"outcome\": \"fail\"",
                                   "\"outcome\": \"known\", \"raw_outcome\": \"fail\"");
  EXPECT_EQ(finding(explained, Invariant::D2), Finding::kNoKnown);
  std::string recorded = replaced(fixture(), "\"asserted\": \"D1,D2,S1,", "\"asserted\": \"D1,D2,");
  EXPECT_EQ(finding(recorded, Invariant::S1), Finding::kNoNotPromised);
  EXPECT_EQ(finding(fixture(), Invariant::M1), Finding::kNo);  // the alert never reached the peer
  EXPECT_EQ(finding(fixture(), Invariant::R2), Finding::kYes);
}

const Answer& answer_for(const Model& m, Invariant inv) {
  for (std::size_t q = 0; q < m.questions.size(); ++q)
    if (m.questions[q].invariant == inv) return m.answers[q][0];
  throw std::logic_error("no question for " + std::string(invariant_name(inv)));
}

// Every invariant has its question; what held in a vacuous group is no evidence.
TEST(ReportModel, VacuousCasesAreNotCountedAsChecks) {
  Model m = one_run();
  for (auto inv : kAllInvariants) EXPECT_NO_THROW(answer_for(m, inv)) << invariant_name(inv);
  const Answer& r2 = answer_for(m, Invariant::R2);
  EXPECT_EQ(r2.checked, 1);  // the tls13 case; the two of the vacuous group are left out
  EXPECT_EQ(r2.vacuous, 2);
  const Answer& m1 = answer_for(m, Invariant::M1);
  EXPECT_EQ(m1.checked, 3);  // send-x none and short, alert-pending tls13
  EXPECT_EQ(m1.vacuous, 4);
  EXPECT_EQ(m1.violated, 1);
  ASSERT_EQ(m1.deciding.size(), 1u);
  EXPECT_EQ(m1.deciding[0]->id, "alert-pending/tls13-client-gnutls-unix-trusting/none/s0");
}

// Premise statuses are counted per cell and per group (scenario x variant); a group none of
// whose cases met them is untested, however its cases ended.
TEST(ReportModel, CountsPremisesPerCellAndGroup) {
  Model m = one_run();
  const Row& alert = m.rows[m.row_of("alert-pending")];
  EXPECT_EQ(alert.premises, (std::vector<std::string>{"subject.again.send", "subject.sent.alert"}));
  const Cell& gnutls = alert.cells[m.column_of(0, Library::kGnutls)];
  EXPECT_EQ(gnutls.premise[slot(PremiseStatus::kMet)], 1);
  EXPECT_EQ(gnutls.premise[slot(PremiseStatus::kUnmet)], 3);
  EXPECT_EQ(gnutls.premise_summary(), "premise met in 1 of 4 cases (unmet 3)");
  EXPECT_EQ(gnutls.status(), Outcome::kFail);  // worse than the vacuous group
  ASSERT_EQ(gnutls.groups.size(), 2u);
  const Group& vacuous = gnutls.groups.at("tls12-client-gnutls-unix-trusting");
  EXPECT_TRUE(vacuous.untested());
  EXPECT_EQ(vacuous.cases, 3);
  EXPECT_EQ(vacuous.vacuous, 3);
  EXPECT_EQ(vacuous.how_untested(), Untested::kVacuous);
  EXPECT_EQ(vacuous.explained, 0);
  ASSERT_NE(vacuous.evidence, nullptr);
  EXPECT_EQ(vacuous.evidence->id, "alert-pending/tls12-client-gnutls-unix-trusting/none/s0");
  EXPECT_FALSE(gnutls.groups.at("tls13-client-gnutls-unix-trusting").untested());
  const Cell& openssl = alert.cells[m.column_of(0, Library::kOpenssl)];
  const Group& explained = openssl.groups.at("tls12-client-openssl-unix-trusting");
  EXPECT_TRUE(explained.untested());
  EXPECT_EQ(explained.explained, 1);
  EXPECT_EQ(explained.how_untested(), Untested::kExplained);
  EXPECT_EQ(openssl.status(), Outcome::kKnown);
  // send-x over OpenSSL: its only case was cut before the premise; it failed, none passed.
  const Cell& send = m.rows[m.row_of("send-x")].cells[m.column_of(0, Library::kOpenssl)];
  EXPECT_EQ(send.premise_summary(), "premise met in 0 of 1 cases (cut 1)");
  EXPECT_TRUE(send.groups.begin()->second.untested());
  EXPECT_EQ(send.groups.begin()->second.vacuous, 0);
  EXPECT_EQ(send.groups.begin()->second.how_untested(), Untested::kNotJudged);
  // bye declares no premises: no counts, no groups.
  const Cell& bye = m.rows[m.row_of("bye")].cells[m.column_of(0, Library::kGnutls)];
  EXPECT_EQ(bye.premise_summary(), "");
  EXPECT_TRUE(bye.groups.empty());
}

// Stale directions are counted per run, with the first case in catalog order.
TEST(ReportModel, CountsStaleDirectionsPerRun) {
  Model m = two_runs();
  ASSERT_EQ(m.stale_directions.size(), 2u);
  EXPECT_EQ(m.stale_directions[1].cases, 2);
  EXPECT_EQ(m.stale_directions[1].calls, 3u);
  ASSERT_NE(m.stale_directions[1].first, nullptr);
  EXPECT_EQ(m.stale_directions[1].first->id, "send-x/tls13-client-gnutls-unix-trusting/none/s0");
  EXPECT_EQ(m.rows[m.row_of("send-x")].cells[m.column_of(0, Library::kGnutls)].stale_direction, 1);
}

// What the wire showed is counted per run: cases decoded in full, records, the reasons of the
// others (numbers aside), duplicates apart from nonce reuse, and the N1 violations.
TEST(ReportModel, SummarizesTheWirePerRun) {
  Model m = one_run();
  ASSERT_EQ(m.wire.size(), 1u);
  const WireSummary& w = m.wire[0];
  EXPECT_EQ(w.ran, 9);  // all but the skipped case
  EXPECT_EQ(w.decoded, 8);
  EXPECT_EQ(w.in_full, 5);
  EXPECT_EQ(w.records, 84u);
  ASSERT_EQ(w.gaps.size(), 3u);
  // "the case ended inside record 6 (at offset 2210, ...)" and "... record 7 (at offset 1933,
  // ...)" are one reason.
  EXPECT_EQ(w.gaps[0].example,
            "server to client: the case ended inside record 6 (at offset 2210, 17 of 24 bytes)");
  EXPECT_EQ(w.gaps[0].cases, 2);
  EXPECT_EQ(w.gaps[0].first->id, "bye/tls12-server-gnutls-unix-trusting/pull@2=eagain/s0");
  EXPECT_EQ(w.gaps[1].example, "GnuTLS does its own socket I/O: its bytes are not captured");
  EXPECT_EQ(w.gaps[2].cases, 1);
  EXPECT_EQ(w.duplicate_cases, 2);
  EXPECT_EQ(w.duplicates, 3u);
  EXPECT_EQ(w.first_duplicate->id, "send-x/tls13-client-gnutls-unix-trusting/push@3=short:1/s0");
  EXPECT_EQ(w.suites, (std::map<std::string, int>{{"TLS_AES_128_GCM_SHA256", 1},
                                                  {"TLS_AES_256_GCM_SHA384", 1},
                                                  {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 1}}));
  ASSERT_EQ(w.nonce_reuse.size(), 1u);  // duplicates are not counted as reuse
  EXPECT_EQ(w.nonce_reuse[0]->id, "send-x/tls13-client-openssl-unix-trusting/push@3=short:1/s0");
  EXPECT_EQ(w.nonce_reuse_blocked, 1);  // its fault plan injects a short push
}

// N1, W1 and M2 have their questions, answered like the others.
TEST(ReportModel, AnswersTheWireQuestions) {
  Model m = one_run();
  EXPECT_EQ(answer_for(m, Invariant::N1).finding, Finding::kNo);
  EXPECT_EQ(answer_for(m, Invariant::N1).checked, 5);  // 8 decoded, 3 of them in vacuous groups
  EXPECT_EQ(answer_for(m, Invariant::W1).finding, Finding::kNo);
  EXPECT_EQ(answer_for(m, Invariant::M2).finding, Finding::kNo);
  std::vector<report::Run> runs;
  runs.push_back(load_text("known.json", replaced(fixture(), "\"outcome\": \"fail\"",
                                                  "\"outcome\": \"known\", \"raw_outcome\": "
                                                  "\"fail\"")));
  EXPECT_EQ(answer_for(build_model(std::move(runs)), Invariant::N1).finding, Finding::kNoKnown);
}

// The counterexample of a cell is a case with its worst outcome; every row that changes
// between runtimes for one peer differs.
TEST(ReportModel, CellsPickWorstCounterexampleAndMarkDifferences) {
  Model m = two_runs();
  ASSERT_EQ(m.columns.size(), 4u);  // 2 runtimes x 2 peers
  const Row& send = m.rows[m.row_of("send-x")];
  const Cell& gnutls = send.cells[m.column_of(0, Library::kGnutls)];
  ASSERT_NE(gnutls.example, nullptr);
  EXPECT_EQ(gnutls.example->outcome, Outcome::kKnown);
  EXPECT_EQ(gnutls.status(), Outcome::kKnown);
  EXPECT_FALSE(send.differs);
  EXPECT_TRUE(m.rows[m.row_of("bye")].differs);
}

// Headings and table cells of a document, as plain text, in order.
struct Outline {
  std::vector<std::string> headings;
  std::vector<std::vector<std::string>> tables;
};

Outline outline_of(const Document& doc) {
  Outline o{{doc.title}, {}};
  for (const auto& s : doc.sections) {
    if (!s.title.empty()) o.headings.push_back(s.title);
    for (const auto& block : s.blocks) {
      const auto* table = std::get_if<Table>(&block);
      if (table == nullptr) continue;
      o.tables.push_back(table->header);
      for (const auto& row : table->rows)
        for (const auto& cell : row.cells) o.tables.back().push_back(plain_text(cell.content));
    }
    for (const auto& d : s.drill_downs) o.headings.push_back(plain_text(d.summary));
  }
  return o;
}

std::string replace_all(std::string s, const std::string& pattern, const std::string& with) {
  return std::regex_replace(s, std::regex(pattern), with);
}

std::string html_plain(std::string s) {
  s = replace_all(replace_all(s, "<br>", " "), "<[^>]*>", "");
  for (auto [from, to] :
       {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}})
    s = replace_all(s, from, to);
  return s;
}

Outline outline_of_html(const std::string& html) {
  Outline o;
  std::regex token(
      R"(<h[12]>(.*?)</h[12]>|<summary>(.*?)</summary>|(<table )|<t[hd](?: [^>]*)?>(.*?)</t[hd]>)");
  for (std::sregex_iterator it(html.begin(), html.end(), token), end; it != end; ++it) {
    const auto& m = *it;
    if (m[1].matched || m[2].matched) o.headings.push_back(html_plain(m[m[1].matched ? 1 : 2]));
    if (m[3].matched) o.tables.emplace_back();
    if (m[4].matched) o.tables.back().push_back(html_plain(m[4]));
  }
  return o;
}

std::string markdown_plain(std::string s) {
  for (const char* sign : {"✅ ", "⏭ ", "⚠️ ", "⭕ ", "❌ "})
    if (s.rfind(sign, 0) == 0) s = s.substr(std::string(sign).size());
  s = replace_all(s, "<br>", " ");
  s = replace_all(s, R"(\[((?:[^\]\\]|\\.)*)\]\(#[^)]*\))", "$1");
  s = replace_all(replace_all(s, R"(\*\*)", ""), "`", "");
  s = replace_all(s, R"(\\([|\\*\[\]]))", "$1");
  for (auto [from, to] : {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}})
    s = replace_all(s, from, to);
  return s;
}

// The cells of a Markdown table row: split at pipes that are not escaped.
std::vector<std::string> markdown_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      cell += line.substr(i++, 2);
    } else if (line[i] == '|') {
      cells.push_back(markdown_plain(cell.substr(1, cell.size() - 2)));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return cells;
}

Outline outline_of_markdown(const std::string& md) {
  Outline o;
  std::istringstream in(md);
  bool in_table = false;
  // A drill-down written as a list item: "- <a id="..."></a>**summary** ...".
  static const std::regex kItem(R"(^- <a id="[^"]*"></a>\*\*(.*?)\*\*(?: |$))");
  for (std::string line; std::getline(in, line);) {
    for (const char* mark : {"# ", "## ", "### "})
      if (line.rfind(mark, 0) == 0)
        o.headings.push_back(markdown_plain(line.substr(std::string(mark).size())));
    if (std::smatch item; std::regex_search(line, item, kItem))
      o.headings.push_back(markdown_plain(item[1]));
    bool row = line.rfind("| ", 0) == 0;
    if (row && !in_table) o.tables.emplace_back();
    in_table = row || line.rfind("|---", 0) == 0;
    if (row)
      for (auto& c : markdown_cells(line)) o.tables.back().push_back(std::move(c));
  }
  return o;
}

// Both writers write the same sections: the same headings and the same table cell texts as
// the document they are given.
TEST(ReportWriters, MarkdownAndHtmlWriteTheSameSections) {
  Document doc = build_document(two_runs());
  Outline expected = outline_of(doc);
  ASSERT_GT(expected.headings.size(), 8u);
  // runs, questions, premises, wire, known deviations, matrix (security has no table)
  ASSERT_EQ(expected.tables.size(), 6u);
  Outline markdown = outline_of_markdown(write_markdown(doc));
  EXPECT_EQ(markdown.headings, expected.headings);
  EXPECT_EQ(markdown.tables, expected.tables);
  Outline html = outline_of_html(write_html(doc));
  EXPECT_EQ(html.headings, expected.headings);
  EXPECT_EQ(html.tables, expected.tables);
}

// Every cell that did not simply pass links to a drill-down holding a counterexample and the
// command that replays it; no cell links to a drill-down that is not there.
TEST(ReportWriters, EveryNonPassingCellHasItsDrillDown) {
  Model m = two_runs();
  Document doc = build_document(m);
  std::set<std::string> anchors;
  for (const auto& s : doc.sections)
    for (const auto& d : s.drill_downs) {
      anchors.insert(d.anchor);
      std::string body;
      for (const auto& block : d.body)
        if (const auto* p = std::get_if<Paragraph>(&block)) body += plain_text(p->content) + "\n";
      EXPECT_NE(body.find("xample: "), std::string::npos) << d.anchor;
      bool whole = body.find("Replay: build/harness/dirprobe run --case '") != std::string::npos;
      bool by_template = body.find(" command above, with its id.") != std::string::npos;
      EXPECT_TRUE(whole || by_template) << body;
    }
  std::size_t non_pass = 0;
  for (std::size_t r = 0; r < m.rows.size(); ++r)
    for (std::size_t c = 0; c < m.columns.size(); ++c) {
      const Cell& cell = m.rows[r].cells[c];
      if (cell.empty() || cell.status() == Outcome::kPass) continue;
      ++non_pass;
      EXPECT_TRUE(anchors.contains(cell_anchor(r, c))) << cell_anchor(r, c);
    }
  EXPECT_EQ(anchors.size(), non_pass);
  std::string html = write_html(doc);
  std::regex href("href=\"#([^\"]*)\"");
  for (std::sregex_iterator it(html.begin(), html.end(), href), end; it != end; ++it)
    EXPECT_TRUE(anchors.contains((*it)[1])) << (*it)[1];
}

// The drill-down section lists every run's replay template once; a drill-down that gives its
// replay as "the <runtime> command above" has a counterexample the template replays by its id
// alone (the template with the id in place of {id} is its exact replay command).
TEST(ReportSections, DrillDownReplayByTemplateGivesTheSameCommand) {
  Model m = two_runs();
  Document doc = build_document(m);
  auto section = std::find_if(doc.sections.begin(), doc.sections.end(),
                              [](const Section& s) { return s.title == "Drill-down"; });
  ASSERT_NE(section, doc.sections.end());
  std::string intro;
  for (const auto& block : section->blocks)
    if (const auto* l = std::get_if<List>(&block))
      for (const auto& item : l->items) intro += plain_text(item) + "\n";
  for (const auto& run : m.runs) EXPECT_NE(intro.find(replay_template(run)), std::string::npos);
  std::size_t by_template = 0;
  for (std::size_t r = 0; r < m.rows.size(); ++r)
    for (std::size_t c = 0; c < m.columns.size(); ++c) {
      const Cell& cell = m.rows[r].cells[c];
      if (cell.example == nullptr) continue;
      const dirprobe::report::Run& run = m.runs[m.columns[c].run];
      DrillDown d = cell_drill_down(m, r, c);
      for (const auto& block : d.body) {
        const auto* p = std::get_if<Paragraph>(&block);
        if (p == nullptr || !plain_text(p->content).starts_with("Replay: ")) continue;
        if (plain_text(p->content).ends_with(" command above, with its id.")) {
          ++by_template;
          std::string cmd = replay_template(run);
          cmd.replace(cmd.find("{id}"), 4, cell.example->id);
          EXPECT_EQ(cmd, replay_on(run, cell.example->id));
        } else {
          EXPECT_EQ(plain_text(p->content), "Replay: " + replay_on(run, cell.example->id));
        }
      }
    }
  EXPECT_GT(by_template, 0u);
}

// A drill-down that leaves out call lines an earlier runtime's drill-down shows (the same case,
// the same lines) links to that drill-down, which shows them; so does one whose further cases or
// untested groups are the same as there.
TEST(ReportSections, DrillDownLeavesOutRepeatsAndLinksToWhereTheyStand) {
  Model m = two_runs();
  std::map<std::string, DrillDown> by_anchor;
  std::map<std::string, std::pair<std::size_t, std::size_t>> where;
  for (std::size_t r = 0; r < m.rows.size(); ++r)
    for (std::size_t c = 0; c < m.columns.size(); ++c)
      if (m.rows[r].cells[c].example != nullptr) {
        by_anchor.emplace(cell_anchor(r, c), cell_drill_down(m, r, c));
        where[cell_anchor(r, c)] = {r, c};
      }
  auto has_lines = [](const DrillDown& d) {
    return std::ranges::any_of(
        d.body, [](const Block& b) { return std::holds_alternative<CodeLines>(b); });
  };
  std::size_t left_out = 0;
  for (const auto& [anchor, d] : by_anchor)
    for (const auto& block : d.body) {
      const auto* p = std::get_if<Paragraph>(&block);
      if (p == nullptr) continue;
      auto target = std::ranges::find(p->content, Span::Kind::kLink, &Span::kind);
      if (target == p->content.end()) continue;
      ASSERT_TRUE(by_anchor.contains(target->target)) << target->target;
      auto [r, c] = where[anchor];
      auto [tr, tc] = where[target->target];
      EXPECT_EQ(tr, r);
      EXPECT_LT(tc, c);
      EXPECT_EQ(m.columns[tc].peer, m.columns[c].peer);
      if (!plain_text(p->content).starts_with("Call lines as on ")) continue;
      ++left_out;
      EXPECT_FALSE(has_lines(d)) << anchor;
      EXPECT_TRUE(has_lines(by_anchor.at(target->target))) << target->target;
      EXPECT_EQ(m.rows[tr].cells[tc].example->id, m.rows[r].cells[c].example->id);
    }
  EXPECT_GT(left_out, 0u);
}

// Text from a results file never reaches either format as markup.
TEST(ReportWriters, EscapeEveryFormat) {
  EXPECT_EQ(escape("<a href='x'>&\"", Syntax::kHtml), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
  EXPECT_EQ(escape("a|b <i>*[x]`\\\n", Syntax::kMarkdown), "a\\|b &lt;i&gt;\\*\\[x\\]'\\\\ ");
  EXPECT_EQ(escape("a|b`c", Syntax::kMarkdownCodeSpan), "a\\|b'c");
  EXPECT_EQ(escape("a|b ```\n", Syntax::kMarkdownCodeBlock), "a|b ''' ");
  std::string html = write_html(build_document(two_runs()));
  EXPECT_EQ(html.find("<b>|&"), std::string::npos);
  EXPECT_NE(html.find("beta &lt;b&gt;|&amp;&#39;"), std::string::npos);
}

// The section of a document with this title.
const Section& section(const Document& doc, const std::string& title) {
  for (const auto& s : doc.sections)
    if (s.title == title) return s;
  throw std::logic_error("no section " + title);
}

// The premises section calls out the vacuous group (in its own tone) apart from the explained
// one and the one none of whose cases passed, and counts premises per scenario and run.
TEST(ReportWriters, PremisesSectionCallsOutVacuousGroups) {
  Document doc = build_document(one_run());
  const Section& s = section(doc, "Premises: was each claim tested?");
  std::vector<std::string> vacuous_heads, items;
  const Table* table = nullptr;
  for (const auto& block : s.blocks) {
    if (const auto* p = std::get_if<Paragraph>(&block); p && p->tone == Tone::kVacuous)
      vacuous_heads.push_back(plain_text(p->content));
    if (const auto* l = std::get_if<List>(&block))
      for (const auto& item : l->items) items.push_back(plain_text(item));
    if (const auto* t = std::get_if<Table>(&block)) table = t;
  }
  EXPECT_EQ(vacuous_heads,
            std::vector<std::string>{"Claims not tested (vacuous groups, a failure):"});
  EXPECT_EQ(items,
            (std::vector<std::string>{
                "alert-pending — GnuTLS 3.7.9 (alpha) × gnutls: vacuous in 1 of 2 groups "
                "(tls12-client-gnutls-unix-trusting); the first missed subject.again.send "
                "(seen 0)",
                "alert-pending — GnuTLS 3.7.9 (alpha) × openssl: known vacuous in its only "
                "group; the first missed subject.again.send (seen 0)",
                "send-x — GnuTLS 3.7.9 (alpha) × openssl: every case failed or was cut short in "
                "its only group; the first missed subject.again.send>=2 (seen 1)"}));
  ASSERT_NE(table, nullptr);
  ASSERT_EQ(table->rows.size(), 2u);  // bye declares none
  const TableRow& alert = table->rows[0];
  EXPECT_EQ(plain_text(alert.cells[0].content), "alert-pending (records)");
  EXPECT_EQ(plain_text(alert.cells[1].content), "subject.again.send, subject.sent.alert");
  EXPECT_EQ(plain_text(alert.cells[2].content),
            "premise met in 1 of 5 cases (unmet 4) not tested in 2 of 3 groups");
  EXPECT_EQ(alert.cells[2].tone, Tone::kVacuous);
  EXPECT_EQ(plain_text(table->rows[1].cells[2].content),
            "premise met in 2 of 3 cases (cut 1) not tested in 1 of 2 groups");
  EXPECT_EQ(table->rows[1].cells[2].tone, Tone::kKnown);
  EXPECT_EQ(plain_text(std::get<Paragraph>(s.blocks.back()).content),
            "Declare no premises yet (their passes are not checked against one): bye.");
}

// With no premise declared anywhere the section says so instead of showing an empty table.
TEST(ReportWriters, PremisesSectionWithoutPremises) {
  std::string text = fixture();
  for (const char* list :
       {"[\"subject.again.send\", \"subject.sent.alert\"]", "[\"subject.again.send>=2\"]"})
    text = replaced(text, list, "[]");
  text = std::regex_replace(text, std::regex(R"(, "premise": "[a-z]+")"), "");
  text = std::regex_replace(text, std::regex(R"(, "premise_unmet": "[^"]*")"), "");
  std::vector<report::Run> runs;
  runs.push_back(load_text("none.json", text));
  Document doc = build_document(build_model(std::move(runs)));
  const Section& s = section(doc, "Premises: was each claim tested?");
  ASSERT_EQ(s.blocks.size(), 2u);
  EXPECT_EQ(plain_text(std::get<Paragraph>(s.blocks[1]).content),
            "No scenario declares premises yet: no pass in this report is checked against the "
            "events its claim depends on.");
}

// Vacuous has its own tone in both formats, and M1, R2 and the stale directions have rows.
TEST(ReportWriters, VacuousM1R2AndStaleDirectionsAreShown) {
  Model m = one_run();
  Document doc = build_document(m);
  const Table& matrix = std::get<Table>(section(doc, "Matrix").blocks[2]);
  const TableRow& alert = matrix.rows[m.row_of("alert-pending")];
  EXPECT_EQ(alert.tags, (std::vector<std::string>{"bad", "untested"}));
  EXPECT_EQ(plain_text(alert.cells[1].content),
            "FAIL vacuous 3 · fail 1 — violated: D2×1 M1×1 W1×1 M2×1 premise met in 1 of 4 cases "
            "(unmet 3)");
  EXPECT_EQ(plain_text(alert.cells[0].content),
            "alert-pending (records) an alert sent while a send is pending reaches the peer once "
            "premises: subject.again.send, subject.sent.alert");
  std::string markdown = write_markdown(doc), html = write_html(doc);
  EXPECT_NE(markdown.find("| ⭕ "), std::string::npos);
  EXPECT_NE(html.find("<td class=\"t-vacuous\">"), std::string::npos);
  EXPECT_NE(html.find(".t-vacuous{"), std::string::npos);
  const Table& summary = std::get<Table>(section(doc, "What can my event loop rely on?").blocks[0]);
  std::vector<std::string> invariants;
  for (const auto& row : summary.rows) invariants.push_back(plain_text(row.cells[1].content));
  EXPECT_EQ(invariants, (std::vector<std::string>{"S1", "S2", "D1", "D2", "Q1", "Q2", "B1", "L1",
                                                  "L1", "L1", "L1", "L1", "R1", "M1", "R2", "N1",
                                                  "W1", "M2", "—"}));
  EXPECT_EQ(summary.rows.back().cells[2].tone, Tone::kNone);  // a fact, not a verdict
  EXPECT_NE(markdown.find("| — | 2 cases (first: `send-x/tls13-client-gnutls-unix-trusting/none/"
                          "s0`)<br>3 successful calls |"),
            std::string::npos);
  EXPECT_NE(markdown.find("| M1 | ❌ **no**<br>1 of 3 cases violate it; held in 4 vacuous cases, "
                          "not counted<br>[alert-pending/tls13-client-gnutls-unix-trusting/none/"
                          "s0](#cell-"),
            std::string::npos);
}

// Every in-page link of the HTML goes to a drill-down of the document.
void expect_every_link_lands(const Document& doc, const std::string& html) {
  std::set<std::string> anchors;
  for (const auto& s : doc.sections)
    for (const auto& d : s.drill_downs) anchors.insert(d.anchor);
  std::regex href("href=\"#([^\"]*)\"");
  for (std::sregex_iterator it(html.begin(), html.end(), href), end; it != end; ++it)
    EXPECT_TRUE(anchors.contains((*it)[1])) << (*it)[1];
}

// The paragraphs and list items ("- ...") of blocks, as plain text, in order.
std::vector<std::string> blocks_text(const std::vector<Block>& blocks) {
  std::vector<std::string> out;
  for (const auto& block : blocks) {
    if (const auto* p = std::get_if<Paragraph>(&block)) out.push_back(plain_text(p->content));
    if (const auto* l = std::get_if<List>(&block))
      for (const auto& item : l->items) out.push_back("- " + plain_text(item));
  }
  return out;
}

// A section's, in order.
std::vector<std::string> section_text(const Section& s) { return blocks_text(s.blocks); }

// The text of the first second-level heading: "## ..." in Markdown, <h2> in HTML.
std::string first_section_heading(const std::string& text) {
  static const std::regex kHeading(R"((?:^|\n)(?:## (.*?)\n|<h2>(.*?)</h2>))");
  std::smatch m;
  if (!std::regex_search(text, m, kHeading)) return "";
  return m[1].matched ? m[1].str() : m[2].str();
}

// The fixture with its one N1 violation turned into "held".
std::string without_nonce_reuse(const std::string& text) {
  std::string out = std::regex_replace(text, std::regex(R"("N1": \{[^}]*\})"), "\"N1\": \"held\"");
  EXPECT_NE(out, text);
  return out;
}

// A case whose key and nonce sealed two different records puts a security section above
// everything else, in both formats: the runtime, the case with its counterexample, what an
// attacker gains and what he needs.
TEST(ReportWriters, SecuritySectionComesFirstOnNonceReuse) {
  Document doc = build_document(one_run());
  const Section& s = doc.sections.at(0);
  EXPECT_EQ(s.title, "Security: AEAD nonce reuse");
  EXPECT_EQ(
      section_text(s),
      (std::vector<std::string>{
          "AEAD nonce reuse: one key and nonce sealed two different records (invariant N1) in 1 "
          "case on GnuTLS 3.7.9 (alpha).",
          "- GnuTLS 3.7.9 (alpha): send-x/tls13-client-openssl-unix-trusting/push@3=short:1/s0 "
          "(fail): client to server, record 9: key application 0, sequence number 7, nonce "
          "4c1f0a9e27d3b6a15e8c0d72 sealed two different records (record 8: 16384 bytes starting "
          "00 01 02 03; record 9: 16383 bytes starting 01 02 03 04)",
          "What it means: an attacker who records the traffic XORs the two ciphertexts and gets "
          "the XOR of the two plaintexts (knowing or guessing one reveals the other); with "
          "AES-GCM he can also recover the authentication key and forge records the receiver "
          "accepts. What he needs: to see the wire and, since a fault was injected or a "
          "transport blocked (E_AGAIN) in this case, to be able to delay the victim's packets or "
          "fill its socket buffer (an on-path attacker can).",
          "Each counterexample names the direction, key, sequence number and nonce; dirprobe run "
          "--case ID --trace lists every record of the case. A byte-identical copy of a record "
          "is not nonce reuse: duplicates are counted in the wire section."}));
  EXPECT_EQ(std::get<Paragraph>(s.blocks[0]).tone, Tone::kBad);
  std::string markdown = write_markdown(doc), html = write_html(doc);
  EXPECT_EQ(first_section_heading(markdown), "Security: AEAD nonce reuse");
  EXPECT_EQ(first_section_heading(html), "Security: AEAD nonce reuse");
  // The case links to its cell's drill-down, in the summary that --print-summary prints.
  auto runs = markdown.find("\n## Runs");
  auto link = markdown.find("[send-x/tls13-client-openssl-unix-trusting/push@3=short:1/s0](#cell-");
  EXPECT_LT(link, runs);
  EXPECT_NE(markdown.find("❌ **AEAD nonce reuse:** one key and nonce"), std::string::npos);
}

// Whatever the case's outcome (here known: an expectation explains it), nonce reuse is a
// security finding; every runtime is named, those without reuse too.
TEST(ReportWriters, SecuritySectionCountsKnownCasesOnEveryRuntime) {
  std::string known = replaced(fixture(), "\"outcome\": \"fail\"",
                               "\"outcome\": \"known\", \"raw_outcome\": \"fail\"");
  std::string clean =
      replaced(without_nonce_reuse(fixture()), "\"runtime\": \"alpha\"", "\"runtime\": \"beta\"");
  std::vector<report::Run> runs;
  runs.push_back(load_text("a.json", known));
  runs.push_back(load_text("b.json", clean));
  Document doc = build_document(build_model(std::move(runs)));
  std::vector<std::string> text = section_text(doc.sections.at(0));
  ASSERT_EQ(text.size(), 4u);
  EXPECT_EQ(text[0],
            "AEAD nonce reuse: one key and nonce sealed two different records (invariant N1) in 1 "
            "case on GnuTLS 3.7.9 (alpha); none on GnuTLS 3.7.9 (beta).");
  EXPECT_EQ(text[1].rfind("- GnuTLS 3.7.9 (alpha): send-x/tls13-client-openssl-unix-trusting/"
                          "push@3=short:1/s0 (known): client to server, record 9: ",
                          0),
            0u)
      << text[1];
}

// Without nonce reuse the security section is one line: how much of the wire was decoded.
TEST(ReportWriters, SecuritySectionSaysNoNonceReuseObserved) {
  std::string a = without_nonce_reuse(fixture());
  std::vector<report::Run> runs;
  runs.push_back(load_text("a.json", a));
  runs.push_back(
      load_text("b.json", replaced(a, "\"runtime\": \"alpha\"", "\"runtime\": \"beta\"")));
  Document doc = build_document(build_model(std::move(runs)));
  const Section& s = doc.sections.at(0);
  EXPECT_EQ(s.title, "Security");
  EXPECT_EQ(section_text(s),
            std::vector<std::string>{
                "No nonce reuse observed: 168 records decoded in 16 cases over 2 runtimes (GnuTLS "
                "3.7.9 (alpha), GnuTLS 3.7.9 (beta)); no AEAD key and nonce sealed two different "
                "records (N1)."});
  EXPECT_EQ(std::get<Paragraph>(s.blocks[0]).tone, Tone::kPass);
  std::string markdown = write_markdown(doc);
  EXPECT_EQ(first_section_heading(markdown), "Security");
  EXPECT_NE(markdown.find("## Security\n\n✅ No nonce reuse observed: 168 records decoded in 16 "
                          "cases over 2 runtimes"),
            std::string::npos);
  EXPECT_EQ(first_section_heading(write_html(doc)), "Security");
}

// The wire section, beside the premises: per runtime the cases decoded in full, the records,
// the others by reason (numbers aside) and the duplicates, which are not nonce reuse.
TEST(ReportWriters, WireSectionSaysWhatWasDecoded) {
  Document doc = build_document(one_run());
  std::size_t premises = 0, wire = 0;
  for (std::size_t i = 0; i < doc.sections.size(); ++i) {
    if (doc.sections[i].title == "Premises: was each claim tested?") premises = i;
    if (doc.sections[i].title == "Wire: was every record decoded?") wire = i;
  }
  EXPECT_EQ(wire, premises + 1);
  const Section& s = doc.sections[wire];
  const Table& table = std::get<Table>(s.blocks.at(1));
  ASSERT_EQ(table.rows.size(), 1u);
  std::vector<std::string> cells;
  for (const auto& cell : table.rows[0].cells) cells.push_back(plain_text(cell.content));
  EXPECT_EQ(cells, (std::vector<std::string>{
                       "GnuTLS 3.7.9 (alpha)", "9", "5", "84", "4", "3 copies in 2 cases",
                       "TLS_AES_128_GCM_SHA256 ×1, TLS_AES_256_GCM_SHA384 ×1, "
                       "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ×1"}));
  EXPECT_EQ(table.rows[0].cells[4].tone, Tone::kKnown);
  std::vector<std::string> text = section_text(s);
  EXPECT_EQ(std::vector<std::string>(text.begin() + 1, text.end()),
            (std::vector<std::string>{
                "Not decoded in full on GnuTLS 3.7.9 (alpha) (4 cases), by reason (the first "
                "sentence seen):",
                "- server to client: the case ended inside record 6 (at offset 2210, 17 of 24 "
                "bytes) — 2 cases, first: bye/tls12-server-gnutls-unix-trusting/pull@2=eagain/s0",
                "- GnuTLS does its own socket I/O: its bytes are not captured — 1 case, first: "
                "alert-pending/tls12-client-openssl-unix-trusting/none/s0",
                "- client to server: record 9 at offset 4410 opens with no key and sequence "
                "number tried — 1 case, first: alert-pending/tls13-client-gnutls-unix-trusting/"
                "none/s0",
                "Byte-identical copies of a sealed record (the same bytes sent again: data "
                "repeated, nothing disclosed, not nonce reuse):",
                "- GnuTLS 3.7.9 (alpha): 3 copies in 2 cases, first: "
                "send-x/tls13-client-gnutls-unix-trusting/push@3=short:1/s0"}));
}

// The drill-down of a cell with an untested group names its premises, the group, what its clean
// case missed and the events it saw, in the words of premises.
TEST(ReportWriters, DrillDownShowsPremisesAndUntestedGroups) {
  Model m = one_run();
  DrillDown d = cell_drill_down(m, m.row_of("alert-pending"), m.column_of(0, Library::kGnutls));
  std::vector<std::string> text;
  std::vector<Tone> tones;
  for (const auto& block : d.body) {
    if (const auto* p = std::get_if<Paragraph>(&block)) {
      text.push_back(plain_text(p->content));
      tones.push_back(p->tone);
    }
    if (const auto* l = std::get_if<List>(&block))
      for (const auto& item : l->items) text.push_back("- " + plain_text(item));
  }
  auto at = [&](const std::string& line) {
    return std::find(text.begin(), text.end(), line) - text.begin();
  };
  auto premises =
      at("Premises subject.again.send, subject.sent.alert: met in 1 of 4 cases (unmet 3).");
  auto head =
      at("Not tested (vacuous): no case of these groups met the premises, so the claim "
         "was not tested there; their passing and known cases ended vacuous, a failure.");
  auto group =
      at("- tls12-client-gnutls-unix-trusting: "
         "alert-pending/tls12-client-gnutls-unix-trusting/none/s0 missed "
         "subject.again.send (seen 0). Events seen: subject: again.handshake 2, "
         "blocked.pull 2, ok.handshake 1, ok.send 1, push_full 2, sent.alert 1; peer: "
         "received.alert 1; both: push_full 1.");
  ASSERT_LT(group, static_cast<long>(text.size())) << testing::PrintToString(text);
  EXPECT_LT(premises, head);
  EXPECT_EQ(head + 1, group);
  EXPECT_NE(at("Stale direction after success: 1 case(s), recorded, not a failure."),
            static_cast<long>(text.size()));
  EXPECT_EQ(std::count(tones.begin(), tones.end(), Tone::kVacuous), 1);
}

// The interleavings fixture (data/interleavings-small.json): one runtime, a few cells of the
// family `interleave-<state>-<call>`: held ones, a known deviation at a sweep point in the
// nullretry form, an n/a skip, a skip for another reason, an unmet premise, a new deviation, a
// call with hyphens, a state the report does not know and a case of another family.
std::string interleavings_fixture() {
  std::ifstream in(data_file("interleavings-small.json"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Model interleavings_run() {
  std::vector<report::Run> runs;
  runs.push_back(load_text("il.json", interleavings_fixture()));
  return build_model(std::move(runs));
}

constexpr const char* kInterleavings = "Interleavings: a call while another is pending";

// The sub-cell of `state` x `call` at (protocol, peer, retry form) on run `run`.
const SubCell& sub_cell(const Model& m, std::size_t run, const std::string& state,
                        const std::string& call, const std::string& protocol, Library peer,
                        const std::string& form) {
  const Interleavings& il = m.interleavings;
  auto at = [](const auto& list, const auto& value) {
    return static_cast<std::size_t>(std::find(list.begin(), list.end(), value) - list.begin());
  };
  return il.grids.at(run)
      .cells.at(at(il.states, state))
      .at(at(il.calls, call))
      .at(il.place(at(il.protocols, protocol), at(il.peers, peer), at(il.forms, form)));
}

// The retry form is the word after the loop that ends in "retry"; a cipher mark is not one.
TEST(ReportInterleavings, ReadsTheRetryFormAfterTheLoop) {
  auto form = [](const std::string& id) {
    CaseRecord c;
    c.id = id;
    return retry_form(c);
  };
  EXPECT_EQ(form("s/tls12-client-openssl-unix-trusting-nullretry/push@7=eagain/s1"), "nullretry");
  EXPECT_EQ(form("s/tls13-client-gnutls-unix-trusting/none/s1"), "same");
  EXPECT_EQ(form("s/tls13-client-gnutls-unix-edge-naive-nullretry-ccm/none/s1"), "nullretry");
  EXPECT_EQ(form("s/tls13-client-gnutls-unix-sockio-trusting-ccm/none/s1"), "same");
  EXPECT_EQ(form("s/tls13-client-gnutls-unix-edgy-nullretry/none/s1"), "same");  // no loop
}

// Rows in the fixed order of the pending states (an unknown one last), columns in the order the
// results first name the calls (hyphens and all), sub-cells tls12/tls13 x gnutls/openssl x
// same/nullretry; a case of another family is left out.
TEST(ReportInterleavings, TakesRowsColumnsAndSubCellsFromTheResults) {
  Model m = interleavings_run();
  const Interleavings& il = m.interleavings;
  EXPECT_EQ(il.states, (std::vector<std::string>{"send", "recv", "handshake", "bye", "zzz"}));
  EXPECT_EQ(il.calls,
            (std::vector<std::string>{"uncork", "alert", "key-update", "ping", "key-update-peer"}));
  EXPECT_EQ(il.protocols, (std::vector<std::string>{"tls12", "tls13"}));
  EXPECT_EQ(il.peers, (std::vector<Library>{Library::kGnutls, Library::kOpenssl}));
  EXPECT_EQ(il.forms, (std::vector<std::string>{"same", "nullretry"}));
  EXPECT_EQ(il.na_reasons, (std::vector<std::string>{"KeyUpdate is a TLS 1.3 message",
                                                     "OpenSSL answers no heartbeat ping"}));
  ASSERT_EQ(il.grids.size(), 1u);
  EXPECT_EQ(il.grids[0].cases, 20);  // all but the bye case
}

// Each sub-cell's mark, the case it stands for and its counts, as the judge's outcomes, premise
// statuses and skip reasons say.
TEST(ReportInterleavings, MarksEachSubCellFromOutcomesPremisesAndSkips) {
  Model m = interleavings_run();
  auto sub = [&](const char* state, const char* call, const char* protocol, Library peer,
                 const char* form) -> const SubCell& {
    return sub_cell(m, 0, state, call, protocol, peer, form);
  };
  const SubCell& held = sub("send", "alert", "tls13", Library::kGnutls, "same");
  EXPECT_EQ(held.mark, Mark::kHeld);
  EXPECT_TRUE(held.tried);
  EXPECT_EQ(held.shown->id, "interleave-send-alert/tls13-client-gnutls-unix-trusting/none/s1");
  EXPECT_EQ(held.sweeps, 1);
  EXPECT_EQ(held.sweeps_deviated, 0);
  const SubCell& known = sub("send", "alert", "tls13", Library::kGnutls, "nullretry");
  EXPECT_EQ(known.mark, Mark::kKnown);
  EXPECT_TRUE(known.tried);  // its clean case met the premise
  EXPECT_EQ(known.shown->id,
            "interleave-send-alert/tls13-client-gnutls-unix-trusting-nullretry/push@7=eagain/s1");
  EXPECT_EQ(known.sweeps_deviated, 1);
  const SubCell& unmet = sub("send", "alert", "tls12", Library::kOpenssl, "nullretry");
  EXPECT_EQ(unmet.mark, Mark::kUnmet);
  EXPECT_FALSE(unmet.tried);
  EXPECT_EQ(unmet.unmet, 1);
  EXPECT_EQ(sub("send", "alert", "tls13", Library::kOpenssl, "same").mark, Mark::kEmpty);
  const SubCell& na = sub("send", "key-update", "tls12", Library::kGnutls, "nullretry");
  EXPECT_EQ(na.mark, Mark::kNa);
  EXPECT_EQ(na.na_reason, 0u);
  EXPECT_EQ(sub("recv", "ping", "tls13", Library::kOpenssl, "same").na_reason, 1u);
  EXPECT_EQ(sub("recv", "ping", "tls12", Library::kGnutls, "same").mark, Mark::kSkipped);
  const SubCell& fresh = sub("recv", "ping", "tls13", Library::kGnutls, "same");
  EXPECT_EQ(fresh.mark, Mark::kNew);
  EXPECT_FALSE(fresh.tried);  // cut before its premise
  EXPECT_EQ(fresh.shown->id, "interleave-recv-ping/tls13-client-gnutls-unix-trusting/none/s1");
  const SubCell& partly = sub("handshake", "key-update-peer", "tls13", Library::kGnutls, "same");
  EXPECT_EQ(partly.mark, Mark::kHeld);  // a sweep point was cut, the clean case met it
  EXPECT_EQ(partly.unmet, 1);
}

// Per runtime and protocol x peer: applicable cells (state, call, retry form) tried, n/a and
// deviating, in the model and as the section's lines say it.
TEST(ReportInterleavings, CountsCellsPerRuntimeAndProtocolPeer) {
  Model m = interleavings_run();
  const auto& pairs = m.interleavings.pairs.at(0);
  ASSERT_EQ(pairs.size(), 4u);
  const PairCounts& tls13_gnutls = pairs[2];
  EXPECT_EQ(tls13_gnutls.applicable, 8);
  EXPECT_EQ(tls13_gnutls.tried, 7);
  EXPECT_EQ(tls13_gnutls.unmet, 1);
  EXPECT_EQ(tls13_gnutls.deviated, 2);
  EXPECT_EQ(tls13_gnutls.unknown, 1);
  EXPECT_EQ(pairs[0].na, 2);
  EXPECT_EQ(pairs[0].skipped, 1);
  Document doc = build_document(m);
  EXPECT_EQ(section_text(section(doc, kInterleavings)),
            (std::vector<std::string>{
                plain_text(std::get<Paragraph>(section(doc, kInterleavings).blocks[0]).content),
                "- GnuTLS 3.8.9 (alpha), tls12 × gnutls: 2 of 3 applicable cells tried (1 "
                "skipped); 2 n/a; none with a deviation",
                "- GnuTLS 3.8.9 (alpha), tls12 × openssl: 1 of 2 applicable cells tried (1 "
                "premise not met); 0 n/a; none with a deviation",
                "- GnuTLS 3.8.9 (alpha), tls13 × gnutls: 7 of 8 applicable cells tried (1 premise "
                "not met); 0 n/a; 2 with a deviation (1 known, 1 new)",
                "- GnuTLS 3.8.9 (alpha), tls13 × openssl: 0 of 0 applicable cells tried; 1 n/a; "
                "none with a deviation",
                "- n/a 1: KeyUpdate is a TLS 1.3 message",
                "- n/a 2: OpenSSL answers no heartbeat ping", "GnuTLS 3.8.9 (alpha)"}));
}

// The grid sits after the questions and before the premises (and the wire); its cells show the
// marks in place order with the sweep points, unmet cases and n/a reasons; a K, ✗, ? or s links
// to its grid cell's drill-down (GridDrillDownNamesEachCaseAndItsReplay), and a ✓ to its
// runtime's pattern of clean cases, which gives the held case's id and replay command.
TEST(ReportInterleavings, GridCellsLinkToTheCaseTheyStandFor) {
  Model m = interleavings_run();
  Document doc = build_document(m);
  std::vector<std::string> titles;
  for (const auto& s : doc.sections) titles.push_back(s.title);
  auto at = [&](const std::string& t) { return std::find(titles.begin(), titles.end(), t); };
  EXPECT_EQ(at(kInterleavings), at("What can my event loop rely on?") + 1);
  EXPECT_EQ(at("Premises: was each claim tested?"), at(kInterleavings) + 1);
  const Section& s = section(doc, kInterleavings);
  const Table& grid = std::get<Table>(s.blocks.at(4));
  EXPECT_EQ(grid.header, (std::vector<std::string>{"pending ↓ call →", "uncork", "alert",
                                                   "key-update", "ping", "key-update-peer"}));
  const TableCell& alert = grid.rows[0].cells[2];
  EXPECT_EQ(plain_text(alert.content), "✓✓ ✓? ✓K ·· 2 sweep · 1 dev · 1 unmet");
  EXPECT_EQ(alert.tone, Tone::kVacuous);
  EXPECT_EQ(plain_text(grid.rows[0].cells[1].content), "—");
  EXPECT_EQ(plain_text(grid.rows[0].cells[3].content), "–– ·· ✓✓ ·· n/a 1");
  EXPECT_EQ(plain_text(grid.rows[1].cells[4].content), "s· ·· ✗· –· 1 sweep · 1 dev · n/a 2");
  EXPECT_EQ(grid.rows[1].cells[4].tone, Tone::kBad);
  // The ? and the K: the drill-down of their grid cell (send x alert: state 0, call 1).
  std::map<std::string, std::string> target;
  for (const auto& span : alert.content)
    if (span.kind == Span::Kind::kLink) target[span.text] = span.target;
  EXPECT_EQ(target, (std::map<std::string, std::string>{
                        {"✓✓ ✓", "il-0"}, {"?", "il-0-0-1"}, {"✓", "il-0"}, {"K", "il-0-0-1"}}));
  // The ✓s: the pattern gives the clean case's id; an off-pattern one is named.
  ASSERT_EQ(s.drill_downs.size(), 3u);  // the pattern, send x alert, recv x ping
  const DrillDown& pattern = s.drill_downs[0];
  EXPECT_EQ(pattern.anchor, "il-0");
  EXPECT_EQ(plain_text(std::get<Paragraph>(pattern.body.at(0)).content),
            "A ✓ stands for its clean case. Replay it with " + replay_template(m.runs[0]) +
                ", the id being:");
  std::vector<std::string> places;
  for (const auto& item : std::get<List>(pattern.body.at(1)).items)
    places.push_back(plain_text(item));
  std::string held =
      "tls13 × gnutls, same: interleave-<state>-<call>/tls13-client-gnutls-unix-"
      "trusting/none/s1";
  ASSERT_NE(std::find(places.begin(), places.end(), held), places.end());
  EXPECT_EQ(std::regex_replace(held.substr(held.find(": ") + 2), std::regex("<state>-<call>"),
                               "send-alert"),
            sub_cell(m, 0, "send", "alert", "tls13", Library::kGnutls, "same").shown->id);
  EXPECT_EQ(plain_text(std::get<List>(pattern.body.at(3)).items.at(0)),
            "zzz × alert, tls13 × gnutls, same: "
            "interleave-zzz-alert/tls13-client-gnutls-unix-trusting/none/s2");
}

// Both writers write the grid (the same headings and cells), every link of the page reaches
// an anchor, and the Markdown rows read as the marks do.
TEST(ReportInterleavings, BothWritersWriteTheGrid) {
  Document doc = build_document(interleavings_run());
  Outline expected = outline_of(doc);
  Outline markdown = outline_of_markdown(write_markdown(doc));
  EXPECT_EQ(markdown.headings, expected.headings);
  EXPECT_EQ(markdown.tables, expected.tables);
  std::string html = write_html(doc);
  Outline page = outline_of_html(html);
  EXPECT_EQ(page.headings, expected.headings);
  EXPECT_EQ(page.tables, expected.tables);
  expect_every_link_lands(doc, html);
  std::string md = write_markdown(doc);
  EXPECT_NE(
      md.find("| **send** | — | ⭕ [✓✓ ✓](#il-0)[?](#il-0-0-1) [✓](#il-0)[K](#il-0-0-1) ··<br>"),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("| ❌ [s](#il-0-1-3)"), std::string::npos);
  EXPECT_NE(md.find("- **n/a 1:** KeyUpdate is a TLS 1.3 message\n"), std::string::npos);
  EXPECT_NE(html.find("<table id=\"interleavings-0\">"), std::string::npos);
}

// The fixture with the sweep point of send x alert (tls13, gnutls, same) deviating as its
// nullretry form does, with a counterexample longer than the drill-down shows, and the nullretry
// case's id holding a quote (which the replay template cannot take as it is).
constexpr const char* kQuotedId =
    "interleave-send-alert/tls13-client-gnutls-unix-trusting-nullretry/push@7=eagain/it's";
constexpr const char* kSweepId =
    "interleave-send-alert/tls13-client-gnutls-unix-trusting/push@7=eagain/s1";
std::string interleavings_variant() {
  auto doc = nlohmann::json::parse(interleavings_fixture());
  nlohmann::json *known = nullptr, *sweep = nullptr;
  for (auto& c : doc["cases"]) {
    if (c["id"] ==
        "interleave-send-alert/tls13-client-gnutls-unix-trusting-nullretry/push@7=eagain/s1")
      known = &c;
    if (c["id"] == kSweepId) sweep = &c;
  }
  EXPECT_TRUE(known != nullptr && sweep != nullptr);
  (*known)["invariants"]["D2"]["what"] = "the send returned E_AGAIN " + std::string(200, 'x');
  *sweep = *known;
  (*sweep)["id"] = kSweepId;
  (*known)["id"] = kQuotedId;
  return doc.dump(1);
}

// A drill-down's, in order.
std::vector<std::string> drill_down_text(const DrillDown& d) { return blocks_text(d.body); }

const DrillDown& drill_down(const Section& s, const std::string& anchor) {
  for (const auto& d : s.drill_downs)
    if (d.anchor == anchor) return d;
  throw std::logic_error("no drill-down " + anchor);
}

// A K, ✗, ? or s mark links to its grid cell's drill-down: the replay template once, then per
// such mark (held and n/a ones are not listed) the case it stands for, its outcome and its first
// violation, skip reason or missed premise. The template with the case's id in place of {id} is
// that case's replay command; in Markdown the drill-down is one list item, its marks nested.
TEST(ReportInterleavings, GridDrillDownNamesEachCaseAndItsReplay) {
  Model m = interleavings_run();
  Document doc = build_document(m);
  const Section& s = section(doc, kInterleavings);
  const DrillDown& alert = drill_down(s, "il-0-0-1");
  EXPECT_TRUE(alert.item);
  EXPECT_EQ(plain_text(alert.summary),
            "interleave-send-alert on GnuTLS 3.8.9 (alpha): ✓✓ ✓? ✓K ··");
  // The cell's template: the runtime's, with "<scenario>/{case}" for the id.
  auto cell_template = [&](const std::string& scenario) {
    std::string t = replay_template(m.runs[0]);
    return t.replace(t.find("{id}"), 4, scenario + "/{case}");
  };
  std::string replay = cell_template("interleave-send-alert");
  std::string known_rest = "tls13-client-gnutls-unix-trusting-nullretry/push@7=eagain/s1";
  std::string known = "interleave-send-alert/" + known_rest;
  EXPECT_EQ(drill_down_text(alert),
            (std::vector<std::string>{
                "Replay a case with " + replay + ", {case} being the rest of its id:",
                "- ? tls12-client-openssl-unix-trusting-nullretry/none/s1 "
                "vacuous: missed subject.again.send (seen 0)",
                "- K " + known_rest +
                    " known: D2: gnutls_record_send returned GNUTLS_E_AGAIN with "
                    "direction 1 (write) but no transport operation blocked"}));
  EXPECT_EQ(replay.replace(replay.find("{case}"), 6, known_rest), replay_on(m.runs[0], known));
  EXPECT_EQ(drill_down_text(drill_down(s, "il-0-1-3")),
            (std::vector<std::string>{
                "Replay a case with " + cell_template("interleave-recv-ping") +
                    ", {case} being the rest of its id:",
                "- s tls12-client-gnutls-unix-trusting/none/s1 skip: this "
                "GnuTLS lacks gnutls_heartbeat_ping",
                "- ✗ tls13-client-gnutls-unix-trusting/none/s1 fail: M1: "
                "gnutls_heartbeat_ping returned 0 but the peer received no ping"}));
  std::string html = write_html(doc), md = write_markdown(doc);
  EXPECT_NE(html.find("<details id=\"il-0-0-1\"><summary>interleave-send-alert on"),
            std::string::npos);
  EXPECT_NE(md.find("\n- <a id=\"il-0-0-1\"></a>**interleave-send-alert on GnuTLS 3.8.9 (alpha): "
                    "✓✓ ✓? ✓K ··** Replay a case with `"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("\n  - K `" + known_rest + "` known: D2: "), std::string::npos) << md;
}

// A reason the mark before gave is not repeated, a long one is cut, and a case whose id the
// template cannot take as it is gets its whole replay command.
TEST(ReportInterleavings, GridDrillDownKeepsEachMarkShortAndExact) {
  std::vector<report::Run> runs;
  runs.push_back(load_text("il.json", interleavings_variant()));
  Model m = build_model(std::move(runs));
  Document doc = build_document(m);
  std::vector<std::string> text =
      drill_down_text(drill_down(section(doc, kInterleavings), "il-0-0-1"));
  ASSERT_EQ(text.size(), 4u);
  std::string cut = "the send returned E_AGAIN " + std::string(200, 'x');
  cut = "D2: " + cut.substr(0, 156) + "…";
  EXPECT_EQ(text[2], "- K " + std::string(kSweepId).substr(sizeof "interleave-send-alert") +
                         " known: " + cut);
  EXPECT_EQ(text[3], "- K " + replay_on(m.runs[0], kQuotedId) + " known: as above");
  EXPECT_NE(replay_on(m.runs[0], kQuotedId).find("'\\''"), std::string::npos);
}

// The interleavings scenarios are left out of the matrix, the premises, the differences and
// the matrix drill-down (a sentence under the matrix says where they are); the questions, the
// known deviations and the counts still take their cases, and a case they name links to its
// grid cell's drill-down.
TEST(ReportInterleavings, TheGridAloneShowsTheFamily) {
  std::string beta =
      replaced(interleavings_fixture(), "\"runtime\": \"alpha\"", "\"runtime\": \"beta\"");
  beta = replaced(beta, "\"outcome\": \"fail\", \"reason\": \"M1",
                  "\"outcome\": \"stalled\", \"reason\": \"M1");
  std::vector<report::Run> runs;
  runs.push_back(load_text("il.json", interleavings_fixture()));
  runs.push_back(load_text("il-beta.json", beta));
  Model m = build_model(std::move(runs));
  ASSERT_TRUE(m.rows.at(m.row_of("interleave-recv-ping")).differs);  // the model keeps the rows
  EXPECT_EQ(m.interleavings.scenario_cells.size(), 6u);
  Document doc = build_document(m);
  const Section& matrix = section(doc, "Matrix");
  std::vector<std::string> scenarios;
  for (const auto& block : matrix.blocks)
    if (const auto* t = std::get_if<Table>(&block))
      for (const auto& row : t->rows) scenarios.push_back(plain_text(row.cells.at(0).content));
  ASSERT_EQ(scenarios.size(), 1u);
  EXPECT_EQ(scenarios[0].rfind("bye (bye)", 0), 0u) << scenarios[0];
  EXPECT_EQ(section_text(matrix).back(),
            "The 6 interleavings scenarios (interleave-<state>-<call>) are not rows here: their "
            "own grid shows them, with a drill-down for each cell that has a deviation, a premise "
            "not met or a skip.");
  const Section& premises = section(doc, "Premises: was each claim tested?");
  for (const auto& block : premises.blocks) EXPECT_FALSE(std::holds_alternative<Table>(block));
  EXPECT_EQ(section_text(premises).back(),
            "Declare no premises yet (their passes are not checked against one): bye.");
  EXPECT_EQ(section_text(section(doc, "Differences between versions")),
            std::vector<std::string>{"None: every scenario outside the interleavings grid gives "
                                     "the same outcomes, verdicts and errors on every runtime."});
  EXPECT_TRUE(section(doc, "Drill-down").drill_downs.empty());
  // The questions still count the family's cases; M1's names the ping's and links to its cell.
  const Table& questions =
      std::get<Table>(section(doc, "What can my event loop rely on?").blocks[0]);
  auto q = std::find_if(questions.rows.begin(), questions.rows.end(), [](const TableRow& row) {
    return plain_text(row.cells.at(1).content) == "M1";
  });
  ASSERT_NE(q, questions.rows.end());
  std::map<std::string, std::string> links;
  for (const auto& span : q->cells.at(2).content)
    if (span.kind == Span::Kind::kLink) links[span.text] = span.target;
  EXPECT_EQ(links,
            (std::map<std::string, std::string>{
                {"interleave-recv-ping/tls13-client-gnutls-unix-trusting/none/s1", "il-0-1-3"}}));
  EXPECT_NE(plain_text(q->cells.at(2).content).find("2 of "), std::string::npos);
  const Table& known = std::get<Table>(section(doc, "Known deviations").blocks.at(1));
  EXPECT_EQ(plain_text(known.rows.at(0).cells.at(3).content), "1 of 2 cases");
  std::string html = write_html(doc);
  expect_every_link_lands(doc, html);
}

// Results without the family (older files) have no grid: the report is as it was. With one
// runtime that has it and one that does not, only the first gets a grid and lines.
TEST(ReportInterleavings, OnlyRuntimesWithTheFamilyGetAGrid) {
  Model old = one_run();
  EXPECT_TRUE(old.interleavings.empty());
  for (const auto& s : build_document(old).sections) EXPECT_NE(s.title, kInterleavings);
  std::vector<report::Run> runs;
  runs.push_back(load_text("a.json", fixture()));
  runs.push_back(load_text("il.json", interleavings_fixture()));
  Model m = build_model(std::move(runs));
  EXPECT_EQ(m.interleavings.grids.at(0).cases, 0);
  Document doc = build_document(m);
  const Section& s = section(doc, kInterleavings);
  std::size_t tables = 0;
  for (const auto& block : s.blocks)
    if (const auto* t = std::get_if<Table>(&block)) {
      ++tables;
      EXPECT_EQ(t->id, "interleavings-1");
    }
  EXPECT_EQ(tables, 1u);
  ASSERT_EQ(s.drill_downs.size(), 3u);  // the pattern and two cells with listed marks
  EXPECT_EQ(s.drill_downs[0].anchor, "il-1");
  EXPECT_EQ(s.drill_downs[1].anchor, "il-1-0-1");
  std::vector<std::string> text = section_text(s);
  EXPECT_EQ(std::count_if(text.begin(), text.end(),
                          [](const std::string& t) { return t.rfind("- GnuTLS 3.8.9", 0) == 0; }),
            4);
  EXPECT_EQ(std::count_if(text.begin(), text.end(),
                          [](const std::string& t) { return t.rfind("- GnuTLS 3.7.9", 0) == 0; }),
            0);
}

// The merged results: valid JSON, one line per case with its outcome, verdicts, premise status,
// stale directions and events, the scenarios with their premises.
TEST(ReportMerged, OneLinePerCase) {
  Model m = two_runs();
  std::string text = merged_results(m);
  nlohmann::json doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["schema"], "dirprobe-matrix");
  EXPECT_EQ(doc["schema_version"], 3);
  EXPECT_EQ(doc["case_count"], 20);
  ASSERT_EQ(doc["runs"].size(), 2u);
  EXPECT_EQ(doc["runs"][1]["host"]["jobs"], 2);
  EXPECT_EQ(doc["scenarios"]["send-x"]["premises"],
            nlohmann::json::parse(R"(["subject.again.send>=2"])"));
  EXPECT_EQ(doc["scenarios"]["bye"]["premises"], nlohmann::json::array());
  EXPECT_EQ(
      doc["runs"][0]["cases"][1],
      nlohmann::json::parse(R"({"id": "send-x/tls13-client-gnutls-unix-trusting/push@3=short:1/s0",
              "outcome": "known", "raw_outcome": "fail", "held": "D1,S1,M1,N1,W1,M2",
              "violated": "D2", "premise": "met"})"));
  EXPECT_EQ(
      doc["runs"][0]["cases"][8],
      nlohmann::json::parse(R"({"id": "alert-pending/tls13-client-gnutls-unix-trusting/none/s0",
              "outcome": "fail", "held": "D1,D2,R2,N1", "violated": "M1,W1,M2", "premise": "met",
              "stale_direction": 1, "events": {"subject": {"again": {"send": 1},
              "again_unblocked": {"send": 1}, "sent": {"alert": 1}}, "peer": {}}})"));
  // Events, premise texts and stale directions are carried as the run's file has them.
  nlohmann::json source = nlohmann::json::parse(fixture());
  for (std::size_t i = 0; i < source["cases"].size(); ++i)
    for (const char* key : {"events", "premise", "premise_unmet", "stale_direction"})
      EXPECT_EQ(doc["runs"][1]["cases"][i].value(key, nlohmann::json()),
                source["cases"][i].value(key, nlohmann::json()))
          << i << " " << key;
  std::istringstream lines(text);
  std::size_t case_lines = 0;
  for (std::string line; std::getline(lines, line);) case_lines += line.rfind("{\"id\":", 0) == 0;
  EXPECT_EQ(case_lines, 20u);
}

}  // namespace
}  // namespace dirprobe::report

namespace dirprobe::report {
namespace {

// The results of `dirprobe app` (subject "programs") are read apart from the harness's runs and
// shown as the Applications section: each program x served scenario with its free and gated
// runs, the kept-apart run counted separately, and a drill-down with the hang's reason, its
// recorded lines and the command that replays it.
TEST(ReportApps, ApplicationsSectionShowsProgramsRunsAndReplays) {
  report::Run apps = load_run(data_file("apps-small.json"));
  ASSERT_TRUE(apps.apps.has_value());
  ASSERT_EQ(apps.apps->cases.size(), 3u);
  EXPECT_EQ(apps.apps->cases[1].outcome, Outcome::kStalled);
  EXPECT_EQ(apps.apps->cases[1].plan, "pull@5=eagain");
  Model m = one_run();
  m.app_runs.push_back(std::move(apps));
  Document doc = build_document(m);
  const Section& s = section(doc, "Applications: real programs under dirprobe app");
  std::string text = write_markdown(doc);  // the tables too
  EXPECT_NE(text.find("wget@get-1m tls13-client-gnutls"), std::string::npos) << text;
  EXPECT_NE(text.find("1 pass, 1 apart"), std::string::npos) << text;
  EXPECT_NE(text.find("1 stalled"), std::string::npos) << text;
  ASSERT_EQ(s.drill_downs.size(), 1u);
  std::string drill = plain_text(s.drill_downs[0].summary);
  EXPECT_NE(drill.find("gated"), std::string::npos);
  std::string body = blocks_text(s.drill_downs[0].body).at(0);
  EXPECT_NE(body.find("build/harness/dirprobe app --case 'wget@get-1m/tls13-client-gnutls-tcp-gated/pull@5=eagain/s0' --trace --runtime \"$(scripts/runtimes.sh fetch 'bookworm')\""),
            std::string::npos) << body;
}

// An app results file is checked like any other: an unknown key names the file, line and place.
TEST(ReportApps, RefusesBadAppRecords) {
  std::ifstream in(data_file("apps-small.json"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string bad = replaced(text, "\"direction_calls\": 1}", "\"direction_calls\": 1, \"colour\": 1}");
  EXPECT_EQ(refusal(bad), temp("refused.json") + ":13: cases[1].app: unknown key 'colour'");
}

}  // namespace
}  // namespace dirprobe::report

namespace dirprobe::report {
namespace {

// A directory as scripts/repro.sh writes it: one reproducer that agreed on one runtime and
// disagreed on another.
std::filesystem::path repro_dir() {
  auto dir = std::filesystem::temp_directory_path() / "dirprobe-report-repro";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "src");
  std::filesystem::create_directories(dir / "alpha");
  std::filesystem::create_directories(dir / "beta");
  std::ofstream(dir / "src" / "index.json") << R"({"gnutls_version": "3.7.9", "uncovered": [{"where": "e.toml:9"}],
    "reproducers": [{"file": "ku.c", "case": "ku/x/none/s0", "family": "ku", "security": false,
                     "entries": [{"where": "e.toml:3", "deviation": "R1"}]}]})";
  std::ofstream(dir / "src" / "Makefile") << "all:\n";
  std::ofstream(dir / "src" / "ku.c") << "int main(void) { return 1; }\n";
  std::ofstream(dir / "alpha" / "agreement.json") << R"({"runtime": "alpha", "gnutls_version": "3.7.9",
    "rows": [{"file": "ku.c", "case": "ku/x/none/s0", "harness": "deviation", "exit": 1, "agree": true}]})";
  std::ofstream(dir / "beta" / "agreement.json") << R"({"runtime": "beta", "gnutls_version": "3.8.9",
    "rows": [{"file": "ku.c", "case": "ku/x/none/s0", "harness": "none", "exit": 1, "agree": false}]})";
  return dir;
}

}  // namespace

// Each known deviation links to its reproducer, with how it agreed per runtime; the files are
// copied where the links point; an entry without one says so.
TEST(ReportRepro, KnownDeviationsLinkToTheirReproducers) {
  Model m = two_runs();
  m.runs[0].expectations.push_back({"e.toml:3", "R1", "the peer receives bytes twice", true, 4, 2});
  m.runs[0].expectations.push_back({"e.toml:9", "L1", "a loop hangs", true, 4, 1});
  auto dir = repro_dir();
  m.repro = load_repro(dir);
  std::string html = write_html(build_document(m));
  EXPECT_NE(html.find("<a href=\"repro/ku.c\">ku.c</a>"), std::string::npos);
  EXPECT_NE(html.find("agrees with the harness on 1 of 2 runtimes; DISAGREES on GnuTLS 3.8.9 (beta) "
                      "(harness none, exit 1)"), std::string::npos);
  EXPECT_NE(html.find("none yet"), std::string::npos);
  auto out = std::filesystem::temp_directory_path() / "dirprobe-report-repro-out";
  std::filesystem::remove_all(out);
  copy_reproducers(*m.repro, out);
  EXPECT_TRUE(std::filesystem::is_regular_file(out / "repro" / "ku.c"));
  EXPECT_TRUE(std::filesystem::is_regular_file(out / "repro" / "Makefile"));
}

TEST(ReportRepro, RefusesABadIndexNamingTheFile) {
  auto dir = repro_dir();
  std::ofstream(dir / "src" / "index.json") << R"({"reproducers": [{"file": "ku.c"}]})";
  try {
    load_repro(dir);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "src" / "index.json").string() + ": not a reproducer index"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace dirprobe::report
