// Self-tests of the scenario loader: broken files are rejected with file:line and what is
// wrong; variants expand with stable ids.
#include <gtest/gtest.h>

#include "harness/catalog.h"

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
  EXPECT_EQ(
      error_of(with("assert = [\"D1\"]", "assert = [\"D9\"]")),
      "bad.toml:11: in 'assert': unknown invariant 'D9' (expected D1 D2 S1 S2 Q1 Q2 B1 L1 R1)");
  EXPECT_EQ(error_of(with("send 1k\"]", "send 1k\", \"dance\"]")).substr(0, 38),
            "bad.toml:8: in 'subject': unknown step");
  EXPECT_EQ(error_of("[[scenario]\nname = 1"),
            "bad.toml:1: " + error_of("[[scenario]\nname = 1").substr(12));
  EXPECT_EQ(error_of("other = 1\n"),
            "bad.toml:1: unknown top-level key 'other' (scenarios are [[scenario]] tables)");
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
  EXPECT_EQ(error_of(text), "bad.toml:9: 'send N alert' is probed on the subject only");
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

}  // namespace
}  // namespace dirprobe
