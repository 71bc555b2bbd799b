// Self-tests of the record ciphers: a clean case of every protocol x cipher x peer x key x role
// negotiates, on both sides, the AEAD it was set to; the default is AES-256-GCM (TLS 1.2 and
// DTLS 1.2 are limited to AEAD suites, so never CBC).
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "harness/driver.h"

namespace dirprobe {
namespace {

struct CipherSetup {
  Protocol protocol;
  Cipher cipher;
  PeerLibrary peer;
  KeyType key;
  Role role;
};

// The AEAD each cipher setting must negotiate, as Endpoint::cipher() names it.
std::string expected_cipher(Cipher cipher) {
  switch (cipher) {
    case Cipher::kDefault:
      return "AES-256-GCM";
    case Cipher::kChacha20Poly1305:
      return "CHACHA20-POLY1305";
    case Cipher::kAes128Ccm:
      return "AES-128-CCM";
  }
  return "?";
}

std::vector<CipherSetup> every_setup() {
  std::vector<CipherSetup> out;
  for (auto protocol : {Protocol::kTls12, Protocol::kTls13, Protocol::kDtls12})
    for (auto cipher : {Cipher::kDefault, Cipher::kChacha20Poly1305, Cipher::kAes128Ccm})
      for (auto peer : {PeerLibrary::kGnutls, PeerLibrary::kOpenssl})
        for (auto key : {KeyType::kEd25519, KeyType::kRsa2048})
          for (auto role : {Role::kClient, Role::kServer})
            out.push_back({protocol, cipher, peer, key, role});
  return out;
}

// "tls13_aes_128_ccm_openssl_rsa_client": the subject's protocol, cipher, peer, key and role.
std::string setup_name(const CipherSetup& s) {
  std::string name = std::string(protocol_name(s.protocol)) + "_" +
                     std::string(cipher_name(s.cipher)) + "_" + std::string(peer_name(s.peer)) +
                     "_" + (s.key == KeyType::kRsa2048 ? "rsa" : "ed25519") + "_" +
                     std::string(role_name(s.role));
  for (char& c : name)
    if (c == '-') c = '_';
  return name;
}
void PrintTo(const CipherSetup& s, std::ostream* out) { *out << setup_name(s); }

// Both sides handshake and send each other one byte, nothing else.
CaseSpec clean_case(const CipherSetup& s) {
  CaseSpec c;
  c.scenario = "selftest-ciphers";
  c.subject.protocol = s.protocol;
  c.subject.cipher = s.cipher;
  c.subject.key = s.key;
  c.subject.role = s.role;
  c.peer = s.peer;
  c.transport = s.protocol == Protocol::kDtls12 ? TransportKind::kDgram : TransportKind::kUnix;
  c.subject_steps = c.peer_steps = {Step{}, Step::transfer(1, 1)};
  return c;
}

class CipherNegotiation : public testing::TestWithParam<CipherSetup> {};

// The subject and its peer both report the AEAD the setting pins (or the default's).
TEST_P(CipherNegotiation, BothSidesUseTheSetCipher) {
  const CipherSetup& s = GetParam();
  if (s.protocol == Protocol::kDtls12 && s.key == KeyType::kEd25519 &&
      s.peer == PeerLibrary::kOpenssl && s.role == Role::kClient)
    GTEST_SKIP() << "an OpenSSL 3.0 DTLS 1.2 server does not negotiate Ed25519 "
                    "(scenarios/dtls.toml)";
  CaseRun run = run_case(clean_case(s));
  ASSERT_EQ(run.end, RunEnd::kCompleted) << run.end_reason;
  RecordProperty("subject_cipher", run.subject_cipher);
  RecordProperty("peer_cipher", run.peer_cipher);
  EXPECT_EQ(run.subject_cipher, expected_cipher(s.cipher));
  EXPECT_EQ(run.peer_cipher, expected_cipher(s.cipher));
}

INSTANTIATE_TEST_SUITE_P(Every, CipherNegotiation, testing::ValuesIn(every_setup()),
                         [](const auto& p) { return setup_name(p.param); });

}  // namespace
}  // namespace dirprobe
