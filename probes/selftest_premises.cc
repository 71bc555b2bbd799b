// Premises: every scenario declares them, a bare handshake meets none of them, a forged
// premise is caught, and a group none of whose cases met its premises is vacuous.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "harness/bare.h"
#include "harness/catalog.h"
#include "harness/judge.h"
#include "harness/scenario_variants.h"

namespace dirprobe {
namespace {

// One clean case per (protocol, role, peer, transport) of each scenario.
std::vector<CaseSpec> distinct_setups(const Scenario& sc) {
  std::map<std::string, CaseSpec> setups;
  for (auto& c : expand(sc)) {
    std::string key = std::string(protocol_name(c.subject.protocol)) + "/" +
                      std::string(role_name(c.subject.role)) + "/" +
                      std::string(peer_name(c.peer)) + "/" +
                      std::to_string(static_cast<int>(c.transport));
    setups.try_emplace(key, std::move(c));
  }
  std::vector<CaseSpec> out;
  for (auto& [key, c] : setups) out.push_back(std::move(c));
  return out;
}

TEST(Premises, EveryScenarioDeclaresThem) {
  for (const auto& sc : load_catalog(default_scenario_dir()).scenarios)
    EXPECT_FALSE(sc.base.premises.empty()) << sc.base.scenario << " declares no premises";
}

TEST(Premises, BareHandshakeMeetsNoScenariosPremise) {
  for (const auto& sc : load_catalog(default_scenario_dir()).scenarios) {
    for (const auto& spec : distinct_setups(sc)) {
      CaseEvents events;
      std::vector<std::string> met;
      try {
        met = premises_met_by_bare(spec, &events);
      } catch (const SkipCase&) {
        continue;  // the runtime lacks what the setup needs
      }
      for (const auto& p : met)
        ADD_FAILURE() << spec.scenario << " (" << spec.variant << "): premise " << p
                      << " is met by a bare handshake: " << events_json(events).dump();
    }
  }
}

TEST(Premises, AForgedPremiseIsCaught) {
  // Every handshake over a socketpair returns E_AGAIN while it waits for the other side's
  // flight: a premise on that proves nothing, and the check must say so.
  CaseSpec spec;
  spec.subject.protocol = Protocol::kTls13;
  spec.premises = {parse_premise("subject.again.handshake"), parse_premise("peer.blocked.pull"),
                   parse_premise("subject.again.send")};
  auto met = premises_met_by_bare(spec);
  EXPECT_EQ(met, (std::vector<std::string>{"subject.again.handshake", "peer.blocked.pull"}));
}

TEST(Premises, MalformedPremisesAreRejected) {
  EXPECT_THROW(parse_premise("subject.again.sned"), std::invalid_argument);
  EXPECT_THROW(parse_premise("client.blocked.push"), std::invalid_argument);
  EXPECT_THROW(parse_premise("both.blocked.pull"), std::invalid_argument);
  EXPECT_THROW(parse_premise("case.push_full"), std::invalid_argument);
  EXPECT_NO_THROW(parse_premise("both.push_full"));
  EXPECT_NO_THROW(parse_premise("case.timer_fired"));
  EXPECT_THROW(parse_premise("peer.sent.key_update>=0"), std::invalid_argument);
  EXPECT_THROW(parse_premise("peer.sent.key_update>=x"), std::invalid_argument);
  EXPECT_EQ(parse_premise("peer.received.key_update>=2").at_least, 2u);
}

TEST(Premises, AGroupThatNeverMeetsItsPremiseIsVacuous) {
  CaseSpec a, b, other;
  a.scenario = b.scenario = other.scenario = "s";
  a.variant = b.variant = "v1";
  other.variant = "v2";
  a.premises = b.premises = other.premises = {parse_premise("subject.again.send")};
  std::vector<nlohmann::json> records = {
      {{"outcome", "pass"}, {"premise", "unmet"}},
      {{"outcome", "fail"}, {"premise", "cut"}},
      {{"outcome", "pass"}, {"premise", "met"}},
  };
  judge_premise_groups({a, b, other}, records, {});
  EXPECT_EQ(records[0]["outcome"], "vacuous");
  EXPECT_EQ(records[1]["outcome"], "fail");  // a failure stays a failure
  EXPECT_EQ(records[2]["outcome"], "pass");  // its group met the premise
}

TEST(Premises, AGroupRunOnlyInPartIsNotJudged) {
  CaseSpec a;
  a.scenario = "s";
  a.variant = "v1";
  a.premises = {parse_premise("subject.again.send")};
  std::vector<nlohmann::json> records = {{{"outcome", "pass"}, {"premise", "unmet"}}};
  GroupSizes whole = {{"s/v1", 2}};  // the replay of one case of two
  judge_premise_groups({a}, records, {}, &whole);
  EXPECT_EQ(records[0]["outcome"], "pass");
  whole["s/v1"] = 1;
  judge_premise_groups({a}, records, {}, &whole);
  EXPECT_EQ(records[0]["outcome"], "vacuous");
}

TEST(Premises, AVacuousGroupWithAnExpectationIsKnown) {
  Expectations known = load_expectations_text(
      "[[deviation]]\noutcome = \"vacuous\"\nreason = \"r\"\ncases = [\"s/*\"]\n", "e.toml");
  CaseSpec a;
  a.scenario = "s";
  a.variant = "v1";
  a.premises = {parse_premise("subject.again.send")};
  std::vector<nlohmann::json> records = {{{"outcome", "pass"}, {"premise", "unmet"}}};
  judge_premise_groups({a}, records, {&known, *Version::parse("3.7.9")});
  EXPECT_EQ(records[0]["outcome"], "known");
  EXPECT_EQ(records[0]["raw_outcome"], "vacuous");
  EXPECT_EQ(records[0]["expected"][0], "e.toml:1");
}

}  // namespace
}  // namespace dirprobe
