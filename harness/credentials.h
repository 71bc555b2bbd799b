// Test credentials generated in memory at start-up, never stored: an Ed25519 CA, a server leaf
// for kServerName, and a client leaf (for client authentication), as PEM text that both GnuTLS
// and OpenSSL load. Optionally the same set with RSA-2048 keys. Both give signatures of a fixed
// size (ECDSA's DER encoding varies by a byte or two), so every handshake has the same bytes
// and calls from run to run.
#pragma once

#include <gnutls/gnutls.h>

#include <filesystem>
#include <string>

namespace dirprobe {

inline constexpr const char* kServerName = "server.dirprobe.test";

enum class KeyType { kEd25519, kRsa2048 };

struct Credentials {
  std::string ca_cert_pem;
  std::string server_cert_pem, server_key_pem;
  std::string client_cert_pem, client_key_pem;
};

// Generated on first use for each key type and then shared for the process's lifetime.
// Throws std::runtime_error naming the GnuTLS call that failed.
const Credentials& test_credentials(KeyType type = KeyType::kEd25519);

// The same credentials loaded into GnuTLS (trust = the CA; own certificate = server or client
// leaf), parsed once per (type, side) and shared by every session of the process.
gnutls_certificate_credentials_t gnutls_test_credentials(KeyType type, bool server);

// Credentials for real programs (wget, curl, gnutls-serv...), which reach the server by
// "localhost" or 127.0.0.1: the CA and client leaf of test_credentials(type), and a server leaf
// signed by the same CA whose SANs are DNS:localhost, IP:127.0.0.1, DNS:server.dirprobe.test.
// Generated on first use per key type, like test_credentials.
const Credentials& program_credentials(KeyType type = KeyType::kEd25519);

// While one lives, the server endpoints this thread creates present the program leaf:
// test_credentials(type) and gnutls_test_credentials(type, true) give program_credentials(type).
// Scopes nest; other threads are not affected.
class ProgramLeafScope {
 public:
  ProgramLeafScope();
  ~ProgramLeafScope();
  ProgramLeafScope(const ProgramLeafScope&) = delete;
  ProgramLeafScope& operator=(const ProgramLeafScope&) = delete;
};

// The PEM files of program_credentials(type) in `dir` (created if missing): ca.pem,
// server-cert.pem, server-key.pem, client-cert.pem, client-key.pem (keys readable by the
// owner only). Throws std::runtime_error naming a file that cannot be written.
struct CredentialFiles {
  std::filesystem::path ca, server_cert, server_key, client_cert, client_key;
};
CredentialFiles write_program_credentials(const std::filesystem::path& dir,
                                          KeyType type = KeyType::kEd25519);

}  // namespace dirprobe
