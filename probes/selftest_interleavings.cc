// Self-tests of the interleavings: the table expands into one scenario per (state, call) with
// the call's role, the state's retry forms and the n/a rules; bad tables are file:line errors;
// on the real library the other call runs after the pending call's E_AGAIN and before its
// retry, n/a cells are skipped with their reason, and the sweep starts at the pending call.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "harness/catalog.h"
#include "harness/judge.h"
#include "harness/planner.h"

namespace dirprobe {
namespace {

const char* kTable = R"([interleavings]
family = "interleavings"
protocols = ["tls12", "tls13"]
peers = ["gnutls"]
policies = ["trusting"]
sndbuf = 4096
rcvbuf = 4096
assert = ["D1", "L1", "R1"]
premises = ["subject.interleaved"]

[[interleavings.pending]]
name = "send"
what = "a send after E_AGAIN"
retry = "the same send"
role = "client"
forms = ["same", "null"]
subject = ["handshake", "send 32k then {call}", "bye wr", "eof"]
peer = ["handshake", "recv_all", "bye wr"]

[[interleavings.pending]]
name = "corked"
what = "an uncork after E_AGAIN"
retry = "uncork again"
role = "client"
same_call = "uncork"
subject = ["handshake", "cork 32k then {call}", "bye wr", "eof"]
peer = ["handshake", "recv_all", "bye wr"]

[[interleavings.call]]
name = "alert"
what = "an alert"

[[interleavings.call]]
name = "ticket"
what = "a ticket"
role = "server"
not_applicable = ["tls12: tickets are sent by the TLS 1.3 call only"]

[[interleavings.call]]
name = "uncork"
what = "an uncork"
)";

std::string error_of(const std::string& text) {
  try {
    load_scenario_text(text, "table.toml");
  } catch (const CatalogError& e) {
    return e.what();
  }
  return "(accepted)";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

const Scenario& named(const std::vector<Scenario>& all, const std::string& name) {
  auto it = std::find_if(all.begin(), all.end(),
                         [&](const Scenario& s) { return s.base.scenario == name; });
  EXPECT_NE(it, all.end()) << name;
  return *it;
}

TEST(Interleavings, TableExpandsIntoOneScenarioPerCell) {
  auto all = load_scenario_text(kTable, "table.toml");
  ASSERT_EQ(all.size(), 6u);
  const Scenario& alert = named(all, "interleave-send-alert");
  EXPECT_EQ(alert.base.family, "interleavings");
  EXPECT_EQ(alert.roles, std::vector{Role::kClient});
  EXPECT_EQ(alert.retries, (std::vector{RetryMode::kSame, RetryMode::kNull}));
  EXPECT_EQ(alert.base.subject_steps[1].text(), "transfer(send=32768,then alert)");
  EXPECT_EQ(alert.base.peer_steps[1].text(), "recv_all");
  EXPECT_NE(alert.base.claim.find("an alert while a send after E_AGAIN, then the same send"),
            std::string::npos);
  EXPECT_TRUE(alert.not_applicable.empty());

  const Scenario& ticket = named(all, "interleave-corked-ticket");
  EXPECT_EQ(ticket.roles, std::vector{Role::kServer});
  EXPECT_EQ(ticket.retries, std::vector{RetryMode::kSame});
  EXPECT_EQ(ticket.base.subject_steps[1].text(), "cork(32768) then ticket");
  auto cases = expand(ticket);
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0].not_applicable, "tickets are sent by the TLS 1.3 call only");
  EXPECT_EQ(cases[1].not_applicable, "");

  // The state's own pending call is its retry: every case of that cell is n/a.
  for (const auto& c : expand(named(all, "interleave-corked-uncork")))
    EXPECT_NE(c.not_applicable.find("is the pending call itself"), std::string::npos);
}

TEST(Interleavings, BadTablesAreErrorsAtTheirLine) {
  EXPECT_EQ(error_of(replaced(kTable, "forms = [", "colour = 1\nforms = [")),
            "table.toml:16: unknown key 'colour' in a pending state");
  std::string no_calls = std::string(kTable).substr(0, std::string(kTable).find("[[interleavings.call]]"));
  EXPECT_NE(error_of(no_calls).find("needs [[interleavings.call]] tables"), std::string::npos);
  EXPECT_NE(error_of(replaced(kTable, "name = \"alert\"", "name = \"shout\""))
                .find("unknown call 'shout' after 'then'"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kTable, "then {call}\", \"bye wr\", \"eof\"]\npeer = [\"handshake\", "
                                      "\"recv_all\", \"bye wr\"]\n\n[[interleavings.pending]]",
                              "then {call}\", \"eof then alert\"]\npeer = [\"handshake\", "
                              "\"recv_all\", \"bye wr\"]\n\n[[interleavings.pending]]"))
                .find("'then CALL' follows send N, recv N, handshake, bye or cork N"),
            std::string::npos);
  EXPECT_NE(error_of(replaced(kTable, "\"tls12: tickets", "\"tls99: tickets"))
                .find("'tls99' is not a protocol, peer or role name"),
            std::string::npos);
}

const Scenario& catalog_scenario(const std::string& name) {
  static const Catalog catalog = load_catalog(default_scenario_dir());
  return named(catalog.scenarios, name);
}

CaseSpec catalog_case(const std::string& id) {
  auto slash = id.find('/');
  for (auto& c : expand(catalog_scenario(id.substr(0, slash))))
    if (c.id() == id) return c;
  ADD_FAILURE() << "no case " << id;
  return {};
}

// On the real library: the other call is the subject's next call after its pending send's
// E_AGAIN, and the send is retried only after it.
TEST(Interleavings, TheOtherCallRunsBetweenTheAgainAndTheRetry) {
  CaseResult r = run_and_judge(
      catalog_case("interleave-send-check-pending/tls13-client-gnutls-unix-trusting/none/s0"));
  const auto& calls = r.run.calls;
  auto other = std::find_if(calls.begin(), calls.end(), [](const CallRecord& c) { return c.other; });
  ASSERT_NE(other, calls.end());
  EXPECT_EQ(other->api, Api::kCheckPending);
  auto before = std::find_if(std::make_reverse_iterator(other), calls.rend(),
                             [](const CallRecord& c) { return c.side == Side::kSubject; });
  ASSERT_NE(before, calls.rend());
  EXPECT_EQ(before->api, Api::kSend);
  EXPECT_EQ(before->out.status, Status::kAgain);
  auto after = std::find_if(other + 1, calls.end(),
                            [](const CallRecord& c) { return c.side == Side::kSubject; });
  ASSERT_NE(after, calls.end());
  EXPECT_EQ(after->api, Api::kSend);
  EXPECT_EQ(r.events.subject.interleaved, 1u);
  EXPECT_EQ(r.premise, PremiseStatus::kMet);
  EXPECT_EQ(r.run.end, RunEnd::kCompleted) << r.run.end_reason;
}

TEST(Interleavings, NotApplicableCellsAreSkippedWithTheirReason) {
  CaseResult r = run_and_judge(
      catalog_case("interleave-send-key-update/tls12-client-gnutls-unix-trusting/none/s0"));
  EXPECT_EQ(r.outcome, Outcome::kSkip);
  EXPECT_EQ(r.reason, "KeyUpdate is a TLS 1.3 message (RFC 8446, 4.6.3) (n/a)");
}

// A receiver that reads "any amount" is held to what the sender reported sending.
TEST(Interleavings, OpenEndedReceiverIsClosedAtTheSenderCount) {
  std::uint8_t bytes[8];
  fill_pattern(3, 0, bytes, sizeof bytes);
  PatternChecker short_rx(3, PatternChecker::kOpenEnded);
  short_rx.consume(bytes, 4);
  short_rx.close_at(8);
  EXPECT_FALSE(short_rx.complete());
  EXPECT_FALSE(short_rx.error());
  PatternChecker long_rx(3, PatternChecker::kOpenEnded);
  long_rx.consume(bytes, 8);
  long_rx.close_at(6);
  ASSERT_TRUE(long_rx.error());
  EXPECT_NE(long_rx.error()->text().find("more bytes than the sender reported sending"),
            std::string::npos);
}

// The interleaved sweep phase starts at the pending call, not at the handshake.
TEST(Interleavings, SweepStartsAtThePendingCall) {
  PlanOptions options;
  options.use_cache = false;
  Plan plan = plan_scenario(catalog_scenario("interleave-send-alert"), options);
  std::size_t points = 0;
  for (const auto& c : plan.cases) {
    if (!c.sweep_point || c.variant != "tls13-client-gnutls-unix-trusting") continue;
    ++points;
    auto at = c.fault_plan.find('@');
    std::size_t index = std::stoul(c.fault_plan.substr(at + 1));
    // The handshake's pushes and pulls come first: none of them is swept.
    EXPECT_GT(index, 2u) << c.id();
  }
  EXPECT_GT(points, 0u);
}

}  // namespace
}  // namespace dirprobe
