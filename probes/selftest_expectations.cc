// Self-tests of the expectations: broken entries are rejected with file:line; a covered
// deviation becomes "known", an uncovered one keeps failing, and an entry that explains
// nothing in a group is reported stale.
#include <gtest/gtest.h>

#include "harness/expectations.h"
#include "harness/judge.h"
#include "harness/results.h"

namespace dirprobe {
namespace {

using nlohmann::json;

const char* kEntry = R"([[deviation]]
cases = ["send-*/tls13-*"]
invariant = "D2"
cause = "after-short-push"
gnutls = ">=3.7.0 <3.9"
reason = "short push"
)";

std::string error_of(const std::string& text) {
  try {
    load_expectations_text(text, "exp.toml");
  } catch (const CatalogError& e) {
    return e.what();
  }
  return "(accepted)";
}

// A judged case that violated its asserted D2 for `causes` (passing when there are none),
// consulted with `exp` read for GnuTLS `version`.
CaseResult judged(const std::string& scenario, std::vector<std::string> causes,
                  const Expectations& exp, const std::string& version) {
  CaseResult r;
  r.spec.scenario = scenario;
  r.spec.variant = "tls13-client-gnutls-unix-oblivious";
  r.spec.asserted = {Invariant::D2};
  auto& d2 = r.invariants[static_cast<std::size_t>(Invariant::D2)];
  d2 = causes.empty() ? InvariantResult(Verdict::kHeld, "")
                      : InvariantResult(Verdict::kViolated, "", Counterexample{0, "x"});
  d2.causes = std::move(causes);
  r.outcome = raw_outcome_of(RunEnd::kCompleted, d2.verdict == Verdict::kViolated, 0);
  apply_known(r, {&exp, *Version::parse(version)});
  return r;
}

TEST(Expectations, RejectsBrokenEntries) {
  std::string entry = kEntry;
  EXPECT_EQ(error_of(entry + "colour = \"red\"\n"),
            "exp.toml:7: unknown key 'colour' in deviation");
  EXPECT_EQ(error_of("[[deviation]]\ncases = [\"x\"]\ninvariant = \"D2\"\n"),
            "exp.toml:1: deviation lacks required key 'reason'");
  EXPECT_EQ(error_of("[[deviation]]\ncases = [\"x\"]\nreason = \"r\"\n"),
            "exp.toml:1: a deviation names exactly one of 'invariant' or 'outcome'");
  EXPECT_EQ(error_of("[[deviation]]\ncases = [\"x\"]\nreason = \"r\"\ninvariant = \"Z9\"\n"),
            "exp.toml:4: unknown invariant 'Z9' (expected D1 D2 S1 S2 Q1 Q2 B1 L1 R1 M1 R2 N1 W1 M2)");
  EXPECT_EQ(error_of("[[deviation]]\ncases = [\"x\"]\nreason = \"r\"\noutcome = \"hung\"\n"),
            "exp.toml:4: unknown outcome 'hung' (expected stalled, crash, fail or vacuous)");
  EXPECT_EQ(error_of("[[deviation]]\ncases = [\"x\"]\nreason = \"r\"\ninvariant = \"D1\"\ngnutls = "
                     "\"~3.7\"\n"),
            "exp.toml:5: in 'gnutls': '~3.7' is not a version bound (e.g. >=3.7.0)");
  EXPECT_EQ(error_of("deviations = 1\n"),
            "exp.toml:1: unknown top-level key 'deviations' (entries are [[deviation]] tables)");
}

TEST(Expectations, VersionRanges) {
  auto r = VersionRange::parse(">=3.7.0 <3.8");
  EXPECT_TRUE(r.contains(*Version::parse("3.7.9")));
  EXPECT_TRUE(r.contains(*Version::parse("3.7.0")));
  EXPECT_FALSE(r.contains(*Version::parse("3.8.0")));
  EXPECT_FALSE(r.contains(*Version::parse("3.6.16")));
  EXPECT_TRUE(VersionRange::parse("*").contains(*Version::parse("9.9.9")));
  EXPECT_TRUE(VersionRange::parse("3.8.9").contains(*Version::parse("3.8.9")));
  EXPECT_FALSE(Version::parse("x3").has_value());
}

// A case whose only deviation an entry names is "known"; the raw outcome stays visible.
TEST(Expectations, CoveredDeviationIsKnown) {
  auto exp = load_expectations_text(kEntry, "exp.toml");
  CaseResult r = judged("send-1m", {"after-short-push"}, exp, "3.7.9");
  EXPECT_EQ(r.outcome, Outcome::kKnown);
  EXPECT_EQ(r.raw_outcome, Outcome::kFail);
  ASSERT_EQ(r.explained_by.size(), 1u);
  EXPECT_EQ(r.explained_by[0]->where, "exp.toml:1");
  json j = case_to_json(r);
  EXPECT_EQ(j["outcome"], "known");
  EXPECT_EQ(j["raw_outcome"], "fail");
  ExpectationLedger ledger(exp, "3.7.9");
  ledger.count(j);
  EXPECT_TRUE(ledger.stale().empty());
}

// A second cause the entry does not name keeps the case failing.
TEST(Expectations, NewCauseStillFails) {
  auto exp = load_expectations_text(kEntry, "exp.toml");
  CaseResult r = judged("send-1m", {"after-short-push", "other"}, exp, "3.7.9");
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_EQ(r.explained_by.size(), 1u);  // it still explains what it names
}

// Outside the version range or the case globs, the entry does not apply at all.
TEST(Expectations, RangeAndGlobLimitTheEntry) {
  auto exp = load_expectations_text(kEntry, "exp.toml");
  CaseResult old = judged("send-1m", {"after-short-push"}, exp, "3.6.16");
  EXPECT_EQ(old.outcome, Outcome::kFail);
  ExpectationLedger old_ledger(exp, "3.6.16");
  old_ledger.count(case_to_json(old));
  EXPECT_TRUE(old_ledger.stale().empty());
  CaseResult other = judged("recv-1m", {"after-short-push"}, exp, "3.7.9");
  EXPECT_EQ(other.outcome, Outcome::kFail);
  EXPECT_TRUE(other.explained_by.empty());
}

// An entry that matched cases of a group, none of which deviated, is stale.
TEST(Expectations, DisappearedDeviationIsStale) {
  auto exp = load_expectations_text(kEntry, "exp.toml");
  CaseResult r = judged("send-1m", {}, exp, "3.7.9");
  EXPECT_EQ(r.outcome, Outcome::kPass);
  ExpectationLedger ledger(exp, "3.7.9");
  ledger.count(case_to_json(r));
  auto stale = ledger.stale();
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_NE(stale[0].find("exp.toml:1: known deviation D2:after-short-push"), std::string::npos)
      << stale[0];
  EXPECT_NE(stale[0].find("send-1m/tls13/gnutls"), std::string::npos) << stale[0];
}

// A skipped case (the runtime lacks what it needs) is no evidence: the entry is not stale.
TEST(Expectations, SkippedCaseCountsForNothing) {
  auto exp = load_expectations_text(kEntry, "exp.toml");
  CaseResult r = judged("send-1m", {}, exp, "3.7.1");
  r.outcome = r.raw_outcome = Outcome::kSkip;
  ExpectationLedger ledger(exp, "3.7.1");
  ledger.count(case_to_json(r));
  EXPECT_TRUE(ledger.stale().empty());
}

// The judge's table: how a run's end, a violated asserted invariant and injected hard faults
// decide the raw outcome.
TEST(Judge, OutcomeTable) {
  struct Row {
    RunEnd end;
    bool violated;
    std::size_t hard;
    Outcome want;
  };
  const Row rows[] = {
      {RunEnd::kCompleted, false, 0, Outcome::kPass},
      {RunEnd::kCompleted, true, 0, Outcome::kFail},
      {RunEnd::kCompleted, false, 1, Outcome::kFail},
      {RunEnd::kFatal, false, 0, Outcome::kFail},
      {RunEnd::kFatal, false, 1, Outcome::kPass},
      {RunEnd::kFatal, true, 1, Outcome::kFail},
      {RunEnd::kStalled, false, 0, Outcome::kStalled},
      {RunEnd::kStalled, true, 0, Outcome::kStalled},
      {RunEnd::kBudget, false, 0, Outcome::kStalled},
      {RunEnd::kBudget, false, 2, Outcome::kStalled},
  };
  for (const auto& row : rows)
    EXPECT_EQ(raw_outcome_of(row.end, row.violated, row.hard), row.want)
        << run_end_name(row.end) << " violated=" << row.violated << " hard=" << row.hard;
}

}  // namespace
}  // namespace dirprobe
