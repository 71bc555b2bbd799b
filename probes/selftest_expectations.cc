// Self-tests of the expectations: broken entries are rejected with file:line; a covered
// deviation becomes "known", an uncovered one keeps failing, and an entry that explains
// nothing in a group is reported stale.
#include <gtest/gtest.h>

#include "harness/expectations.h"

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

// A judged case record as the results writer makes it, with D2 violated for `causes`.
json record(const std::string& id, const std::string& outcome, std::vector<std::string> causes) {
  json inv = json::object();
  for (auto i : kAllInvariants)
    inv[std::string(invariant_name(i))] = {{"verdict", "held"}, {"asserted", true}};
  if (!causes.empty())
    inv["D2"] = {{"verdict", "violated"}, {"asserted", true}, {"causes", causes}};
  return {{"id", id},
          {"scenario", id.substr(0, id.find('/'))},
          {"protocol", "tls13"},
          {"peer", "gnutls"},
          {"outcome", outcome},
          {"invariants", inv}};
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
            "exp.toml:4: unknown invariant 'Z9' (expected D1 D2 S1 S2 Q1 Q2 B1 L1 R1)");
  EXPECT_EQ(error_of("[[deviation]]\ncases = [\"x\"]\nreason = \"r\"\noutcome = \"hung\"\n"),
            "exp.toml:4: unknown outcome 'hung' (expected stalled, crash or fail)");
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
  ExpectationLedger ledger(exp, "3.7.9");
  json r = record("send-1m/tls13-client-gnutls/none/s0", "fail", {"after-short-push"});
  ledger.apply(r);
  EXPECT_EQ(r["outcome"], "known");
  EXPECT_EQ(r["raw_outcome"], "fail");
  EXPECT_EQ(r["expected"][0]["where"], "exp.toml:1");
  EXPECT_TRUE(ledger.stale().empty());
}

// A second cause the entry does not name keeps the case failing.
TEST(Expectations, NewCauseStillFails) {
  auto exp = load_expectations_text(kEntry, "exp.toml");
  ExpectationLedger ledger(exp, "3.7.9");
  json r = record("send-1m/tls13-client-gnutls/none/s0", "fail", {"after-short-push", "other"});
  ledger.apply(r);
  EXPECT_EQ(r["outcome"], "fail");
}

// Outside the version range or the case globs, the entry does not apply at all.
TEST(Expectations, RangeAndGlobLimitTheEntry) {
  auto exp = load_expectations_text(kEntry, "exp.toml");
  ExpectationLedger old(exp, "3.6.16");
  json r = record("send-1m/tls13-client-gnutls/none/s0", "fail", {"after-short-push"});
  old.apply(r);
  EXPECT_EQ(r["outcome"], "fail");
  EXPECT_TRUE(old.stale().empty());
  ExpectationLedger ledger(exp, "3.7.9");
  json other = record("recv-1m/tls13-client-gnutls/none/s0", "fail", {"after-short-push"});
  ledger.apply(other);
  EXPECT_EQ(other["outcome"], "fail");
}

// An entry that matched cases of a group, none of which deviated, is stale.
TEST(Expectations, DisappearedDeviationIsStale) {
  auto exp = load_expectations_text(kEntry, "exp.toml");
  ExpectationLedger ledger(exp, "3.7.9");
  json r = record("send-1m/tls13-client-gnutls/none/s0", "pass", {});
  ledger.apply(r);
  EXPECT_EQ(r["outcome"], "pass");
  auto stale = ledger.stale();
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_NE(stale[0].find("exp.toml:1: known deviation D2:after-short-push"), std::string::npos)
      << stale[0];
  EXPECT_NE(stale[0].find("send-1m/tls13/gnutls"), std::string::npos) << stale[0];
}

// A skipped case (the runtime lacks what it needs) is no evidence: the entry is not stale.
TEST(Expectations, SkippedCaseCountsForNothing) {
  auto exp = load_expectations_text(kEntry, "exp.toml");
  ExpectationLedger ledger(exp, "3.7.1");
  json r = record("send-1m/tls13-client-gnutls/none/s0", "skip", {});
  ledger.apply(r);
  EXPECT_EQ(r["outcome"], "skip");
  EXPECT_TRUE(ledger.stale().empty());
}

}  // namespace
}  // namespace dirprobe
