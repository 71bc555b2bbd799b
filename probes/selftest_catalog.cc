// Self-tests of the scenario loader: broken files are rejected with file:line and what is
// wrong; variants expand with stable ids; the key table is one declaration, and the docs show it.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "harness/catalog.h"
#include "harness/scenario_keys.h"

namespace dirprobe {
namespace {

const char* kGood = R"([[scenario]]
name = "x"
family = "f"
claim = "c"
protocols = ["tls12", "tls13"]
roles = ["client"]
peers = ["gnutls", "openssl"]
subject = ["handshake", "send 1k"]
peer = ["handshake", "recv 1k"]
faults = ["none", "push@1=eagain"]
assert = ["D1"]
premises = ["subject.again.send"]
)";

std::string error_of(const std::string& text) {
  try {
    load_scenario_text(text, "bad.toml");
  } catch (const CatalogError& e) {
    return e.what();
  }
  return "(accepted)";
}

std::string with(const std::string& from, const std::string& to) {
  std::string s = kGood;
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return s.replace(pos, from.size(), to);
}

TEST(Catalog, GoodFileExpands) {
  auto scenarios = load_scenario_text(kGood, "good.toml");
  ASSERT_EQ(scenarios.size(), 1u);
  auto cases = expand(scenarios[0]);
  EXPECT_EQ(cases.size(), 2u * 2 * 2 * 2);  // protocols x peers x policies x faults
  EXPECT_EQ(cases.front().id(), "x/tls12-client-gnutls-unix-oblivious/none/s0");
  EXPECT_EQ(cases.back().id(), "x/tls13-client-openssl-unix-trusting/push@1=eagain/s0");
}

TEST(Catalog, ErrorsNameFileAndLine) {
  EXPECT_EQ(error_of(with("family = \"f\"", "family = \"f\"\ncolour = 3")),
            "bad.toml:4: unknown key 'colour' in scenario");
  EXPECT_EQ(error_of(with("claim = \"c\"\n", "")),
            "bad.toml:1: scenario lacks required key 'claim'");
  EXPECT_EQ(error_of(with("roles = [\"client\"]", "roles = [\"client\", \"middlebox\"]")),
            "bad.toml:6: in 'roles': unknown role 'middlebox' (expected client, server)");
  EXPECT_EQ(error_of(with("roles = [\"client\"]", "roles = \"client\"")),
            "bad.toml:6: 'roles' must be an array of strings");
  EXPECT_EQ(error_of(with("recv 1k", "recv 2k")),
            "bad.toml:9: the subject sends 1024 bytes but the peer receives 2048");
  EXPECT_EQ(error_of(with("push@1=eagain", "push@0=eagain")).substr(0, 30),
            "bad.toml:10: in 'faults': faul");
  EXPECT_EQ(error_of(with("assert = [\"D1\"]", "assert = [\"D9\"]")),
            "bad.toml:11: in 'assert': unknown invariant 'D9' (expected D1 D2 S1 S2 Q1 Q2 B1 L1 R1 "
            "M1 R2 N1 W1 M2)");
  EXPECT_EQ(error_of(with("send 1k\"]", "send 1k\", \"dance\"]")).substr(0, 38),
            "bad.toml:8: in 'subject': unknown step");
  EXPECT_EQ(error_of(with("\"send 1k\"]", "\"send 1k pad\"]")),
            "bad.toml:8: in 'subject': step 'send 1k pad' does not match send N, send N pad P, "
            "send N alert|ping");
  EXPECT_EQ(error_of(with("\"recv 1k\"]", "\"recv 1T\"]")),
            "bad.toml:9: in 'peer': '1T' is not a byte count (e.g. 512, 64k, 1M)");
  EXPECT_EQ(error_of(with("assert = [\"D1\"]", "assert = [\"D1\"]\nsndbuf = 4294967296")),
            "bad.toml:12: 'sndbuf' must be at most 2147483647");
  // A TOML syntax error keeps the parser's description, at the line where it is.
  std::string header = error_of("[[scenario]\nname = 1");
  EXPECT_EQ(header.substr(0, 12), "bad.toml:1: ");
  EXPECT_NE(header.find("table header"), std::string::npos) << header;
  EXPECT_EQ(error_of("[[scenario]]\nname = \"x\"\nfamily = = 3\n").substr(0, 12), "bad.toml:3: ");
  EXPECT_EQ(error_of("other = 1\n"),
            "bad.toml:1: unknown top-level key 'other' (scenarios are [[scenario]] tables, or one "
            "[interleavings] table)");
}

TEST(Catalog, ImpossibleCombinationsAreRejected) {
  EXPECT_EQ(error_of(with("faults = [\"none\", \"push@1=eagain\"]",
                          "faults = [\"push@1=eagain\"]\nio = [\"socket\"]"))
                .substr(0, 40),
            "bad.toml:11: io = \"socket\" cannot take f");
  EXPECT_EQ(error_of(with("assert = [\"D1\"]", "assert = [\"B1\"]")),
            "bad.toml:11: asserting B1 needs 'buffer_bound'");
  EXPECT_EQ(error_of(with("assert = [\"D1\"]", "assert = [\"D1\"]\nrecord = [\"D1\"]")),
            "bad.toml:12: D1 is both asserted and only recorded");
}

// DTLS runs only over datagrams, datagrams only carry DTLS, and a datagram is never split.
TEST(Catalog, DatagramCombinationsAreRejected) {
  EXPECT_EQ(error_of(with("protocols = [\"tls12\", \"tls13\"]", "protocols = [\"dtls12\"]")),
            "bad.toml:5: 'dtls12' runs alone, over transports = [\"dgram\"]");
  EXPECT_EQ(
      error_of(with("roles = [\"client\"]", "roles = [\"client\"]\ntransports = [\"dgram\"]")),
      "bad.toml:7: transport 'dgram' carries only protocols = [\"dtls12\"]");
  EXPECT_EQ(error_of(with("faults = [\"none\", \"push@1=eagain\"]", "faults = [\"push@1=drop\"]")),
            "bad.toml:10: 'push@1=drop' loses a datagram: it needs transports = [\"dgram\"]");
  std::string dtls = with("protocols = [\"tls12\", \"tls13\"]",
                          "protocols = [\"dtls12\"]\ntransports = [\"dgram\"]\nsend_chunk = 1000");
  auto pos = dtls.find("push@1=eagain");
  std::string split = dtls;
  split.replace(pos, 13, "push@1=short:1");
  EXPECT_EQ(error_of(split),
            "bad.toml:12: 'push@1=short:1' moves part of a datagram, which a datagram socket "
            "cannot do");
  std::string big = dtls;
  big.replace(big.find("send_chunk = 1000"), 17, "send_chunk = 4096");
  EXPECT_EQ(error_of(big).substr(0, 50), "bad.toml:7: DTLS sends at most one record per call");
  EXPECT_EQ(error_of(with("assert = [\"D1\"]", "assert = [\"D1\"]\nnonblock = false")),
            "bad.toml:12: 'nonblock = false' is probed for DTLS only");
  EXPECT_EQ(error_of(with("assert = [\"D1\"]", "assert = [\"D1\"]\nsweep_phase = \"handshake\"")),
            "bad.toml:12: 'sweep_phase' needs 'sweep'");
  EXPECT_EQ(error_of(dtls), "(accepted)");
}

// A heartbeat is TLS 1.2 between GnuTLS peers; interjected calls belong to the subject.
TEST(Catalog, InterjectionsAreChecked) {
  EXPECT_EQ(error_of(with("subject = [\"handshake\", \"send 1k\"]",
                          "subject = [\"handshake\", \"send 1k ping\"]"))
                .substr(0, 40),
            "bad.toml:8: 'send N ping' needs protocol");
  std::string text = with("peer = [\"handshake\", \"recv 1k\"]",
                          "peer = [\"handshake\", \"recv 1k\", \"send 1 alert\"]");
  text.replace(text.find("\"send 1k\"]"), 10, "\"send 1k\", \"recv 1\"]");
  EXPECT_EQ(error_of(text), "bad.toml:9: a step's other call ('alert') is probed on the subject only");
}

// A heartbeat ping is TLS 1.2; record padding is TLS 1.3; a pipe source
// holds at most what one write into a pipe takes; retry modes are named in the error.
TEST(Catalog, RecordStepsAreChecked) {
  EXPECT_EQ(error_of(with("\"send 1k\"]", "\"ping 64\", \"send 1k\"]")),
            "bad.toml:8: 'ping N' needs protocols = [\"tls12\"]: TLS 1.3 has no heartbeat");
  EXPECT_EQ(error_of(with("\"send 1k\"]", "\"send_empty pad 32\", \"send 1k\"]")),
            "bad.toml:8: 'send_empty pad P' needs protocols = [\"tls13\"]: record padding is "
            "TLS 1.3");
  std::string pipe = with("\"send 1k\"]", "\"send_file 65k pipe\"]");
  pipe.replace(pipe.find("recv 1k"), 7, "recv 65k");
  EXPECT_EQ(error_of(pipe),
            "bad.toml:8: 'send_file N pipe|empty_pipe' takes at most 64k (a pipe's capacity)");
  EXPECT_EQ(error_of(with("assert = [\"D1\"]", "assert = [\"D1\"]\nretry = [\"sideways\"]")),
            "bad.toml:12: in 'retry': unknown retry mode 'sideways' (expected same, null, "
            "different, smaller or larger)");
}

// 0-RTT needs a resumed TLS 1.3 session between GnuTLS peers, early data first on the client.
TEST(Catalog, EarlyDataNeedsResumption) {
  EXPECT_EQ(error_of(with("subject = [\"handshake\", \"send 1k\"]",
                          "subject = [\"early 1k\", \"handshake\"]"))
                .substr(0, 60),
            "bad.toml:8: 'early' needs resume = true, early_data = true, ");
  EXPECT_EQ(error_of(with("assert = [\"D1\"]", "assert = [\"D1\"]\nearly_data = true")),
            "bad.toml:12: 'early_data = true' needs resume = true (0-RTT resumes)");
}

// A server's own tickets are set outside resumption; tickets sent only by the script are TLS 1.3.
TEST(Catalog, TicketSettingsAreChecked) {
  EXPECT_EQ(error_of(with("assert = [\"D1\"]", "assert = [\"D1\"]\ntickets = \"manual\"")),
            "bad.toml:12: 'tickets = \"manual\"' needs protocols = [\"tls13\"]: a script sends "
            "tickets with 'ticket', a TLS 1.3 step");
  EXPECT_EQ(error_of(with("assert = [\"D1\"]", "assert = [\"D1\"]\ntickets = \"often\"")),
            "bad.toml:12: unknown ticket setting 'often' (expected auto or manual)");
  EXPECT_EQ(
      error_of(with("assert = [\"D1\"]", "assert = [\"D1\"]\ntickets = \"auto\"\nresume = true"))
          .substr(0, 50),
      "bad.toml:12: 'tickets' is for connections that do ");
  auto scenarios = load_scenario_text(
      with("assert = [\"D1\"]", "assert = [\"D1\"]\ntickets = \"auto\""), "good.toml");
  EXPECT_EQ(scenarios.at(0).base.subject.tickets, Tickets::kAuto);
  EXPECT_EQ(load_scenario_text(kGood, "good.toml").at(0).base.subject.tickets, Tickets::kDefault);
}

// A `hold` step and the fault action `hold` are one hold too many; `cork N send M` splits its
// bytes into the corked part and the part sent while the uncork is pending.
TEST(Catalog, HoldsAndCorkedSendsAreRead) {
  std::string step = with("\"recv 1k\"]", "\"hold\", \"recv 1k\"]");
  EXPECT_EQ(error_of(step), "(accepted)");
  std::string both = step;
  both.replace(both.find("push@1=eagain"), 13, "push@1=hold");
  EXPECT_EQ(error_of(both),
            "bad.toml:10: a 'hold' step and the fault action 'hold' do not go together (one hold "
            "at a time)");
  auto sc = load_scenario_text(with("\"send 1k\"]", "\"cork 256 send 768\"]"), "good.toml");
  const Step& corked = sc.at(0).base.subject_steps.at(1);
  EXPECT_EQ(corked.kind, StepKind::kCorked);
  EXPECT_EQ(corked.send_bytes, 1024u);
  EXPECT_EQ(corked.more, 768u);
  EXPECT_EQ(corked.text(), "cork(256,then 768)");
}

// The peer may ping too (the subject answers): heartbeat is switched on for both sides.
TEST(Catalog, PeerPingSwitchesHeartbeatOn) {
  std::string ping = with("\"recv 1k\"]", "\"ping 64\", \"recv 1k\"]");
  EXPECT_EQ(error_of(ping),
            "bad.toml:9: 'ping N' needs protocols = [\"tls12\"]: TLS 1.3 has no heartbeat");
  const std::string both = "\"tls12\", \"tls13\"";
  ping.replace(ping.find(both), both.size(), "\"tls12\"");
  auto sc = load_scenario_text(ping, "good.toml");
  EXPECT_TRUE(sc.at(0).base.subject.heartbeat);
  EXPECT_EQ(sc.at(0).base.peer_steps.at(1).kind, StepKind::kPing);
}

// Ciphers are an axis: the default adds nothing to a case id, the others a suffix. An unknown
// cipher, or ciphers beside the scenario's own priority string, is a load error.
TEST(Catalog, CiphersAreAnAxis) {
  const std::string ciphers = "ciphers = [\"default\", \"chacha20-poly1305\", \"aes-128-ccm\"]";
  auto sc =
      load_scenario_text(with("assert = [\"D1\"]", "assert = [\"D1\"]\n" + ciphers), "good.toml");
  auto cases = expand(sc.at(0));
  ASSERT_EQ(cases.size(), 2u * 2 * 2 * 3 * 2);  // protocols x peers x policies x ciphers x faults
  EXPECT_EQ(cases[0].id(), "x/tls12-client-gnutls-unix-oblivious/none/s0");
  EXPECT_EQ(cases[2].id(), "x/tls12-client-gnutls-unix-oblivious-chacha20/none/s0");
  EXPECT_EQ(cases[2].subject.cipher, Cipher::kChacha20Poly1305);
  EXPECT_EQ(cases[5].id(), "x/tls12-client-gnutls-unix-oblivious-ccm/push@1=eagain/s0");
  EXPECT_EQ(cases[5].subject.cipher, Cipher::kAes128Ccm);
  EXPECT_EQ(error_of(with("assert = [\"D1\"]", "assert = [\"D1\"]\nciphers = [\"aes-256-cbc\"]")),
            "bad.toml:12: in 'ciphers': unknown cipher 'aes-256-cbc' (expected default, "
            "chacha20-poly1305, aes-128-ccm)");
  EXPECT_EQ(
      error_of(with("assert = [\"D1\"]", "assert = [\"D1\"]\npriority = \"NORMAL\"\n" + ciphers)),
      "bad.toml:13: 'ciphers' and 'priority' do not go together: a scenario's own priority "
      "string chooses its ciphers itself");
}

// Keys left out take the declared defaults, which are the settings a CaseSpec starts with.
TEST(ScenarioKeys, FallbacksAreApplied) {
  Scenario sc = load_scenario_text(kGood, "good.toml").at(0);
  EXPECT_EQ(sc.transports, std::vector{TransportKind::kUnix});
  EXPECT_EQ(sc.socket_io, std::vector{false});
  EXPECT_EQ(sc.policies, (std::vector{LoopPolicy::kOblivious, LoopPolicy::kTrusting}));
  EXPECT_EQ(sc.retries, std::vector{RetryMode::kSame});
  EXPECT_EQ(sc.ciphers, std::vector{Cipher::kDefault});
  EXPECT_EQ(sc.seeds, std::vector<std::uint64_t>{0});
  EXPECT_TRUE(sc.sweep.actions.empty());
  EXPECT_TRUE(sc.sweep.push && sc.sweep.pull && sc.sweep.phase == SweepPhase::kAll);
  CaseSpec fresh;
  EXPECT_EQ(sc.base.send_chunk, fresh.send_chunk);
  EXPECT_EQ(sc.base.recv_buffer, fresh.recv_buffer);
  EXPECT_EQ(sc.base.tick_budget, fresh.tick_budget);
  EXPECT_EQ(sc.base.subject.key, fresh.subject.key);
  EXPECT_EQ(sc.base.subject.nonblock, fresh.subject.nonblock);
}

// A value of the wrong type for any declared key is a load error at that key's line, and
// nothing but CatalogError ever leaves the loader (what a fuzz target relies on).
TEST(ScenarioKeys, WrongTypesAreLoadErrorsAtTheirLine) {
  // Each value, with the one type it has (none: wrong for every key).
  const std::pair<std::string, std::optional<ValueType>> kValues[] = {
      {"\"text\"", ValueType::kString}, {"[\"text\"]", ValueType::kStrings},
      {"7", ValueType::kInteger},       {"[7]", ValueType::kIntegers},
      {"true", ValueType::kBoolean},    {"1.5", std::nullopt},
      {"{ a = 1 }", std::nullopt},      {"[]", std::nullopt}};
  std::set<std::string> names;
  for (const auto& key : scenario_keys()) {
    EXPECT_TRUE(names.insert(std::string(key.name)).second) << key.name << " declared twice";
    EXPECT_FALSE(key.doc.empty()) << key.name;
    std::string name(key.name);
    for (const auto& [value, type] : kValues) {
      if (type == key.type) continue;
      std::string text = kGood, line = "13";
      auto at = text.find("\n" + name + " = ");
      if (at != std::string::npos) {
        line = std::to_string(std::count(text.begin(), text.begin() + at + 1, '\n') + 1);
        text.erase(at + 1, text.find('\n', at + 1) - at);
        text.insert(at + 1, name + " = " + value + "\n");
      } else {
        text += name + " = " + value + "\n";
      }
      EXPECT_EQ(error_of(text).substr(0, 10 + line.size()), "bad.toml:" + line + ":")
          << name << " = " << value << ": " << error_of(text);
    }
  }
  EXPECT_EQ(names.size(), 38u);
}

// docs/scenarios.md shows the key table made from the declaration, between its markers.
TEST(ScenarioKeys, DocsTableMatchesTheDeclaration) {
  std::ifstream in(std::string(DIRPROBE_SOURCE_DIR) + "/docs/scenarios.md");
  ASSERT_TRUE(in) << "docs/scenarios.md not found";
  std::stringstream text;
  text << in.rdbuf();
  std::string doc = text.str();
  auto begin = doc.find("<!-- scenario-keys:begin");
  auto end = doc.find("<!-- scenario-keys:end -->");
  ASSERT_NE(begin, std::string::npos) << "no begin marker";
  ASSERT_NE(end, std::string::npos) << "no end marker";
  begin = doc.find('\n', begin) + 1;
  EXPECT_EQ(doc.substr(begin, end - begin), scenario_keys_markdown())
      << "regenerate the table with: dirprobe list --keys-markdown";
}

}  // namespace
}  // namespace dirprobe
